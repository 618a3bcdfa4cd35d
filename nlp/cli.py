"""Command line: ``python -m nlp tag`` and ``python -m nlp evaluate`` over JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO

from .codebook import Codebook, CodebookError, load_codebook
from .evaluate import evaluate
from .pipeline import build_pipeline
from .tagging import tag_texts

EXIT_USAGE = 2
BATCH_SIZE = 256


class InputError(ValueError):
    """A bad input line; the message starts with its line number."""


@dataclass(frozen=True)
class Record:
    """One parsed input line."""

    line: int
    id: Any
    text: str
    themes: tuple[str, ...] = ()


def read_records(lines: Iterable[str], *, with_themes: bool = False) -> Iterator[Record]:
    """Parse JSON lines lazily, skipping blank lines; raise InputError naming the line number."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise InputError(f"line {number}: expected a JSON object, got {type(obj).__name__}")
        if "text" not in obj:
            raise InputError(f"line {number}: missing 'text'")
        if not isinstance(obj["text"], str):
            raise InputError(f"line {number}: 'text' must be a string, got {type(obj['text']).__name__}")
        themes: tuple[str, ...] = ()
        if with_themes:
            raw = obj.get("themes")
            if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
                raise InputError(f"line {number}: 'themes' must be a list of theme names")
            themes = tuple(raw)
        yield Record(number, obj.get("id"), obj["text"], themes)


def _batches(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    """Group records into lists of at most ``size``."""
    while batch := list(islice(records, size)):
        yield batch


def run_tag(codebook: Codebook, stdin: TextIO, stdout: TextIO) -> None:
    """Tag each input line and write one JSON line per input, in order, batch by batch."""
    nlp = build_pipeline(codebook)
    names = {t.key: t.name for t in codebook.themes}
    for batch in _batches(read_records(stdin), BATCH_SIZE):
        for record, tagged in zip(batch, tag_texts(nlp, [r.text for r in batch]), strict=True):
            out = {
                "id": record.id,
                "themes": [names[k] for k in tagged.themes],
                "spans": [
                    {"theme": names[s.theme], "start": s.start, "end": s.end, "text": s.text} for s in tagged.spans
                ],
            }
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()


def run_evaluate(codebook: Codebook, gold_path: str, as_json: bool, stdout: TextIO) -> None:
    """Tag a gold file and print per-theme and averaged scores."""
    by_name = {t.name: t.key for t in codebook.themes}
    try:
        with open(gold_path, encoding="utf-8") as handle:
            records = list(read_records(handle, with_themes=True))
    except OSError as exc:
        raise InputError(f"cannot read gold file {gold_path}: {exc.strerror}") from None
    gold: list[set[str]] = []
    for record in records:
        unknown = [t for t in record.themes if t not in by_name]
        if unknown:
            raise InputError(f"line {record.line}: unknown theme {unknown[0]!r} (not in codebook {codebook.key!r})")
        gold.append({by_name[t] for t in record.themes})
    nlp = build_pipeline(codebook)
    pred = [set(t.themes) for t in tag_texts(nlp, [r.text for r in records])]
    report = evaluate(gold, pred, codebook.keys)
    names = {t.key: t.name for t in codebook.themes}
    if as_json:
        data = report.to_dict()
        for score in data["scores"]:
            score["name"] = names[score["label"]]
        stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        stdout.write(report.format_table(lambda key: names[key]) + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m nlp``."""
    parser = argparse.ArgumentParser(prog="python -m nlp", description="Theme tagging for pledge reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="tag JSON lines {id, text} from stdin; write JSON lines to stdout")
    tag.add_argument("--codebook", help="codebook JSON file (default: the shipped starting codebook)")
    ev = sub.add_parser("evaluate", help="score the tagger against gold JSON lines {id, text, themes}")
    ev.add_argument("--gold", required=True, help="gold JSON lines file")
    ev.add_argument("--codebook", help="codebook JSON file (default: the shipped starting codebook)")
    ev.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run the command line; return the exit status (2 for bad input or codebook)."""
    args = build_parser().parse_args(argv)
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    try:
        codebook = load_codebook(args.codebook)
        if args.command == "tag":
            run_tag(codebook, stdin, stdout)
        else:
            run_evaluate(codebook, args.gold, args.json, stdout)
    except CodebookError as exc:
        print(f"error: invalid codebook: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0
