"""The real-language development set and the figures ``make evaluate`` prints about it.

Labels and the tune/test split are kept in the project (`tests/data/realtext/`), keyed by passage id; the passages
themselves are other organisations' published sentences and stay outside it (`../shared/realtext/passages.jsonl`,
or the file named by ``PLEDGE_REALTEXT``). Plain Python: the tagging itself is passed in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
REALTEXT = DATA / "realtext"
LABELS = REALTEXT / "labels.jsonl"
SPLIT = REALTEXT / "split.json"
CODINGS = (REALTEXT / "coding_a.jsonl", REALTEXT / "coding_b.jsonl")
# Words in an answer, as buckets for themes per answer against length.
LENGTH_BUCKETS = (0, 50, 100, 250, 500, 1000, 2500)
# Generated long answers: this many real passages of one organisation (cycled) joined into one answer.
LONG_SIZES = (1, 3, 10, 30, 100)


class DataError(ValueError):
    """A data file that is missing or malformed, with a message naming it."""


def texts_path() -> Path:
    """Where the passages are: ``PLEDGE_REALTEXT``, else ``shared/realtext`` beside the checkout (or one up)."""
    if os.environ.get("PLEDGE_REALTEXT"):
        return Path(os.environ["PLEDGE_REALTEXT"])
    candidates = [base / "shared" / "realtext" / "passages.jsonl" for base in (ROOT.parent, ROOT.parent.parent)]
    return next((path for path in candidates if path.exists()), candidates[0])


def json_objects(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank JSON-lines line; DataError "line N: …" for bad JSON or a non-object."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"line {number}: not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise DataError(f"line {number}: expected a JSON object, got {type(row).__name__}")
        yield number, row


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    """The JSON objects (each with an 'id') of a JSON-lines file; DataError names the file and line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None
    rows = []
    try:
        for number, row in json_objects(lines):
            if "id" not in row:
                raise DataError(f"line {number}: expected a JSON object with an 'id'")
            rows.append(row)
    except DataError as exc:
        raise DataError(f"{path}, {exc}") from None
    return rows


def load_labels(path: Path | str = LABELS) -> dict[Any, tuple[str, ...]]:
    """Theme labels keyed by passage id: lines ``{"id": …, "themes": [theme keys or names]}``."""
    labels: dict[Any, tuple[str, ...]] = {}
    for row in read_jsonl(path):
        themes = row.get("themes")
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise DataError(f"{path}: passage {row['id']!r} needs 'themes' as a list of strings")
        labels[row["id"]] = tuple(themes)
    return labels


def load_texts(path: Path | str | None = None) -> dict[Any, dict[str, Any]]:
    """Passages keyed by id (each with at least 'text')."""
    rows = read_jsonl(path if path is not None else texts_path())
    for row in rows:
        if not isinstance(row.get("text"), str):
            raise DataError(f"passage {row['id']!r} has no 'text' string")
    return {row["id"]: row for row in rows}


def load_split(path: Path | str = SPLIT) -> dict[str, list[Any]]:
    """The fixed tune/test split: ``{"tune": [ids], "test": [ids]}``."""
    try:
        split = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read the split {path}: {exc}") from None
    if not isinstance(split, dict) or set(split) != {"tune", "test"}:
        raise DataError(f"{path} must hold exactly 'tune' and 'test' lists of ids")
    return split


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float:
    """Cohen's kappa of two yes/no codings of the same items (1.0 when both agree on a constant coding)."""
    if len(first) != len(second):
        raise ValueError(f"codings differ in length: {len(first)} and {len(second)}")
    total = len(first)
    if total == 0:
        return 1.0
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / total
    p_first, p_second = sum(first) / total, sum(second) / total
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Agreement:
    """One theme's agreement between two codings."""

    theme: str
    first: int  # items the first coding gave the theme
    second: int
    kappa: float


def agreement_table(
    first: dict[Any, Iterable[str]], second: dict[Any, Iterable[str]], themes: Sequence[str]
) -> list[Agreement]:
    """Per-theme Cohen's kappa of two codings over the items both coded (themes neither used are left out)."""
    ids = sorted(set(first) & set(second), key=str)
    rows = []
    for theme in themes:
        a = [theme in first[i] for i in ids]
        b = [theme in second[i] for i in ids]
        if any(a) or any(b):
            rows.append(Agreement(theme, sum(a), sum(b), cohen_kappa(a, b)))
    return rows


@dataclass(frozen=True)
class LengthRow:
    """Themes per answer for answers in one length bucket."""

    label: str
    answers: int
    mean_words: float
    mean_themes: float
    mean_gold: float | None  # the mean number of labelled themes, where labels exist


def words(text: str) -> int:
    """Words in a text (whitespace-separated)."""
    return len(text.split())


def by_length(texts: Sequence[str], predicted: Sequence[int], gold: Sequence[int] | None = None) -> list[LengthRow]:
    """Themes per answer against answer length, one row per non-empty length bucket."""
    rows = []
    bounds = [*LENGTH_BUCKETS, None]
    for low, high in zip(bounds, bounds[1:], strict=False):
        chosen = [i for i, text in enumerate(texts) if words(text) >= low and (high is None or words(text) < high)]
        if not chosen:
            continue
        label = f"{low}+" if high is None else f"{low}-{high - 1}"
        rows.append(
            LengthRow(
                label,
                len(chosen),
                sum(words(texts[i]) for i in chosen) / len(chosen),
                sum(predicted[i] for i in chosen) / len(chosen),
                None if gold is None else sum(gold[i] for i in chosen) / len(chosen),
            )
        )
    return rows


def long_answers(passages: Sequence[dict[str, Any]], labels: dict[Any, Iterable[str]]) -> list[tuple[str, int, int]]:
    """Generated long answers: for each organisation and size, that many of its passages (cycled) joined as
    paragraphs; each as (text, passages joined, labelled themes of the union)."""
    by_org: dict[str, list[dict[str, Any]]] = {}
    for passage in passages:
        by_org.setdefault(str(passage.get("organisation", "")), []).append(passage)
    answers = []
    for org in sorted(by_org):
        group = by_org[org]
        for size in LONG_SIZES:
            chosen = [group[i % len(group)] for i in range(size)]
            themes = {t for p in chosen for t in labels.get(p["id"], ())}
            answers.append(("\n\n".join(p["text"] for p in chosen), size, len(themes)))
    return answers


def format_lengths(rows: Sequence[LengthRow], title: str) -> str:
    """A plain-text table of themes per answer against length."""
    lines = [title, f"{'words':<10}  answers  mean words  themes/answer  labelled/answer"]
    for row in rows:
        gold = "" if row.mean_gold is None else f"{row.mean_gold:15.2f}"
        lines.append(f"{row.label:<10}  {row.answers:7d}  {row.mean_words:10.0f}  {row.mean_themes:13.2f}  {gold}")
    return "\n".join(lines)


def format_agreement(rows: Sequence[Agreement], display: Callable[[str], str] = str) -> str:
    """A plain-text table of per-theme kappa."""
    width = max([len(display(r.theme)) for r in rows] + [5])
    lines = [f"{'theme':<{width}}  coding A  coding B  kappa"]
    lines += [f"{display(r.theme):<{width}}  {r.first:8d}  {r.second:8d}  {r.kappa:5.3f}" for r in rows]
    return "\n".join(lines)
