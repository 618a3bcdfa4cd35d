"""The suggester on the real-language set: train on the tuning part, measure on the test part, alone and with the
rules (`make evaluate` runs `python -m nlp.suggest_eval`).

Reads the reconciled labels (`tests/data/realtext/labels.jsonl`: `{"id", "themes"}` per line), the split
(`tests/data/realtext/split.json`: `{"tune": [ids], "test": [ids]}`) and the passages' texts
(`nlp.realtext.texts_path()`: `shared/realtext/passages.jsonl` beside the checkout, or `$PLEDGE_REALTEXT`), and
prints `name: value` lines like `make bench`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .codebook import load_codebook
from .evaluate import Report, evaluate
from .realtext import texts_path
from .suggest import train

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "realtext" / "labels.jsonl"
SPLIT = ROOT / "tests" / "data" / "realtext" / "split.json"


def _jsonl(path: Path) -> list[dict]:
    """The objects of a JSON-lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def rule_themes(texts: Sequence[str]) -> list[set[str]]:
    """The themes the rules (the tagging pipeline with the starting codebook) give each text."""
    from .pipeline import build_pipeline
    from .tagging import tag_texts

    return [set(found.themes) for found in tag_texts(build_pipeline(load_codebook()), texts)]


def measure(labels: Path, split: Path, texts: Path) -> dict[str, Report]:
    """Train the suggester on the tuning part; its report, the rules' and both together's on the test part."""
    gold = {row["id"]: set(row["themes"]) for row in _jsonl(labels)}
    text = {row["id"]: row["text"] for row in _jsonl(texts)}
    parts = json.loads(split.read_text(encoding="utf-8"))
    keys = [theme.key for theme in load_codebook().themes]
    tune, test = parts["tune"], parts["test"]
    suggester = train([text[i] for i in tune], [gold[i] for i in tune], keys)
    suggested = [set(found) for found in suggester.suggest([text[i] for i in test])]
    rules = rule_themes([text[i] for i in test])
    truth = [gold[i] for i in test]
    return {
        "suggester": evaluate(truth, suggested, keys),
        "rules": evaluate(truth, rules, keys),
        "combined": evaluate(truth, [a | b for a, b in zip(rules, suggested, strict=True)], keys),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the suggester's and the combined per-theme table, then their micro figures as `name: value`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS, help="reconciled labels (JSON lines: id, themes)")
    parser.add_argument("--split", type=Path, default=SPLIT, help="JSON with the tune and test ids")
    parser.add_argument("--texts", type=Path, default=texts_path(), help="passages (JSON lines: id, text)")
    args = parser.parse_args(argv)
    reports = measure(args.labels, args.split, args.texts)
    for name in ("suggester", "combined"):
        print(f"# {name} on the real test part\n{reports[name].format_table()}\n")
    for name in ("suggester", "combined"):
        report = reports[name]
        print(f"{name}_real_test_micro_f1: {report.micro_f1:.3f}")
        print(f"{name}_real_test_precision: {report.micro_precision:.3f}")
        print(f"{name}_real_test_recall: {report.micro_recall:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
