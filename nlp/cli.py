"""Command line: ``python -m nlp tag`` and ``python -m nlp evaluate`` over JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TextIO

from spacy.language import Language

from . import realtext
from .codebook import Codebook, CodebookError, load_codebook
from .evaluate import Report, evaluate
from .pipeline import build_pipeline
from .tagging import Tagged, tag_texts

EXIT_USAGE = 2
BATCH_SIZE = 256


class InputError(realtext.DataError):
    """A bad input line or file; the message names the line or file."""


@dataclass(frozen=True)
class Record:
    """One parsed input line."""

    line: int
    id: Any
    text: str
    themes: tuple[str, ...] = ()


def read_records(lines: Iterable[str], *, with_themes: bool = False) -> Iterator[Record]:
    """Parse JSON lines lazily, skipping blank lines; raise InputError naming the line number."""
    for number, obj in realtext.json_objects(lines):
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


def tagged_json(record_id: Any, tagged: Tagged, names: dict[str, str]) -> dict[str, Any]:
    """One output line of ``tag``: themes, per theme its score, level and evidence sentences, and any skip."""
    out: dict[str, Any] = {
        "id": record_id,
        "themes": [names[k] for k in tagged.themes],
        "codes": [
            {
                "theme": names[key],
                "score": tagged.scores[key],
                "level": tagged.levels[key],
                "sentences": [
                    {"start": s.start, "end": s.end, "text": s.text, "score": s.score, "level": s.level}
                    for s in tagged.spans
                    if s.theme == key
                ],
            }
            for key in tagged.themes
        ],
    }
    if tagged.skipped:
        out["skipped"] = tagged.skipped
    return out


def run_tag(codebook: Codebook, stdin: TextIO, stdout: TextIO) -> None:
    """Tag each input line and write one JSON line per input, in order, batch by batch."""
    nlp = build_pipeline(codebook)
    names = {t.key: t.name for t in codebook.themes}
    for batch in _batches(read_records(stdin), BATCH_SIZE):
        for record, tagged in zip(batch, tag_texts(nlp, [r.text for r in batch]), strict=True):
            stdout.write(json.dumps(tagged_json(record.id, tagged, names), ensure_ascii=False) + "\n")
        stdout.flush()


def _theme_keys(codebook: Codebook, themes: Iterable[str], where: str) -> set[str]:
    """Theme keys from keys or display names; InputError names an unknown one."""
    by_name = {t.name: t.key for t in codebook.themes}
    keys = set()
    for theme in themes:
        key = theme if theme in codebook.keys else by_name.get(theme)
        if key is None:
            raise InputError(f"{where}: unknown theme {theme!r} (not in codebook {codebook.key!r})")
        keys.add(key)
    return keys


def _gold_records(codebook: Codebook, gold_path: str) -> tuple[list[str], list[set[str]]]:
    """Texts and gold theme keys of a gold file ({id, text, themes})."""
    try:
        with open(gold_path, encoding="utf-8") as handle:
            records = list(read_records(handle, with_themes=True))
    except OSError as exc:
        raise InputError(f"cannot read gold file {gold_path}: {exc.strerror}") from None
    gold = [_theme_keys(codebook, r.themes, f"line {r.line}") for r in records]
    return [r.text for r in records], gold


def _joined_records(
    codebook: Codebook, labels_path: str, texts_path: str | None, ids: Sequence[Any] | None = None
) -> tuple[list[str], list[set[str]]]:
    """Texts and gold theme keys from a labels file joined by id with a texts file (optionally only `ids`)."""
    try:
        labels = realtext.load_labels(labels_path)
        texts = realtext.load_texts(texts_path)
    except realtext.DataError as exc:
        raise InputError(str(exc)) from None
    chosen = list(labels) if ids is None else list(ids)
    missing = [i for i in chosen if i not in texts or i not in labels]
    if missing:
        raise InputError(f"{len(missing)} labelled ids have no text or label, e.g. {missing[0]!r}")
    gold = [_theme_keys(codebook, labels[i], f"id {i!r}") for i in chosen]
    return [texts[i]["text"] for i in chosen], gold


def score(nlp: Language, codebook: Codebook, texts: list[str], gold: list[set[str]]) -> tuple[Report, list[Tagged]]:
    """Tag texts and score them against gold theme keys (every machine code counts, proposed or possible)."""
    tagged = list(tag_texts(nlp, texts))
    return evaluate(gold, [set(t.themes) for t in tagged], codebook.keys), tagged


def run_evaluate(codebook: Codebook, args: argparse.Namespace, stdout: TextIO) -> None:
    """Tag a gold file, or labels joined with texts, and print per-theme and averaged scores."""
    if args.gold:
        texts, gold = _gold_records(codebook, args.gold)
    else:
        ids = None
        if args.part:
            try:
                ids = realtext.load_split(args.split)[args.part]
            except realtext.DataError as exc:
                raise InputError(str(exc)) from None
        texts, gold = _joined_records(codebook, args.labels, args.texts, ids)
    report, _ = score(build_pipeline(codebook), codebook, texts, gold)
    names = {t.key: t.name for t in codebook.themes}
    if args.json:
        data = report.to_dict()
        for item in data["scores"]:
            item["name"] = names[item["label"]]
        stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        stdout.write(report.format_table(lambda key: names[key]) + "\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m nlp``."""
    parser = argparse.ArgumentParser(prog="python -m nlp", description="Theme tagging for pledge reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="tag JSON lines {id, text} from stdin; write JSON lines to stdout")
    tag.add_argument("--codebook", help="codebook JSON file (default: the shipped starting codebook)")
    ev = sub.add_parser(
        "evaluate",
        help="score the tagger: gold JSON lines {id, text, themes}, labels {id, themes} joined with texts {id, text},"
        " or (--suite) every set and the real-text figures, as `make evaluate` prints them",
    )
    source = ev.add_mutually_exclusive_group(required=True)
    source.add_argument("--gold", help="gold JSON lines file {id, text, themes}")
    source.add_argument("--labels", help="labels JSON lines file {id, themes}, joined by id with --texts")
    source.add_argument("--suite", action="store_true", help="the real set's parts, our own sets, kappa, lengths")
    ev.add_argument("--texts", help="texts JSON lines file {id, text} (default: ../shared/realtext/passages.jsonl)")
    ev.add_argument("--split", default=str(realtext.SPLIT), help="split JSON {tune: [ids], test: [ids]}")
    ev.add_argument("--part", choices=("tune", "test"), help="score only this part of the split")
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
        elif args.suite:
            from .suite import run_suite  # noqa: PLC0415  (only `make evaluate` needs it)

            run_suite(codebook, args.texts, stdout)
        else:
            run_evaluate(codebook, args, stdout)
    except CodebookError as exc:
        print(f"error: invalid codebook: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except realtext.DataError as exc:  # InputError too
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return 0
