"""Tag texts with themes and return plain, framework-free results with character offsets on the given text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language

from .component import SPANS_KEY

# Longer texts are cut (at a line break or space where one is near) and tagged piece by piece: spaCy refuses
# texts over `nlp.max_length`, and a piece this size keeps memory flat.
PIECE_CHARS = 20_000
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class TaggedSpan:
    """A sentence that carries a theme (its evidence), with character offsets into the original text, the
    sentence's score (0..1) and level (proposed: strong evidence, possible: weak)."""

    theme: str
    start: int
    end: int
    text: str
    score: float = 1.0
    level: str = "proposed"


@dataclass(frozen=True)
class Mention:
    """One phrase that counted as evidence, with character offsets into the original text."""

    theme: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Tagged:
    """The themes (keys, codebook order) found in one text, their evidence sentences and scores, or why the text
    was skipped."""

    themes: tuple[str, ...]
    spans: tuple[TaggedSpan, ...]
    scores: dict[str, float]
    levels: dict[str, str]
    mentions: tuple[Mention, ...] = ()
    skipped: str = ""


def skip_reason(text: str) -> str:
    """Why a text cannot carry a theme ("" when it can be tagged): empty, only a link, or no English words."""
    if not text.strip():
        return "empty answer"
    rest = _URL.sub(" ", text)
    if not rest.strip(" \t\r\n.,;:!?()[]<>\"'"):
        return "only a link: no words to tag"
    if not _LATIN_WORD.search(rest):
        return "no English words: the codebook's phrases are in English"
    return ""


def _pieces(text: str) -> list[int]:
    """Start offsets of the pieces a long text is tagged in, cut at a line break or space near each limit."""
    starts = [0]
    while len(text) - starts[-1] > PIECE_CHARS:
        limit = starts[-1] + PIECE_CHARS
        cut = max(text.rfind("\n", limit - 2000, limit), text.rfind(" ", limit - 200, limit))
        starts.append(cut + 1 if cut > starts[-1] else limit)
    return starts


def tag_texts(
    nlp: Language, texts: Iterable[str], *, batch_size: int = 256, with_mentions: bool = False
) -> Iterator[Tagged]:
    """Tag texts in batches with ``nlp.pipe``; yields one result per text, in order (skipped ones with a reason).
    ``with_mentions`` also gives the phrases that counted as evidence (the product stores only the sentences)."""
    texts = list(texts)
    jobs: list[tuple[int, int, str]] = []  # (text number, piece offset, piece)
    reasons = [skip_reason(text) for text in texts]
    for number, text in enumerate(texts):
        if not reasons[number]:
            starts = _pieces(text)
            for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
                jobs.append((number, start, text[start:end]))
    parts: dict[int, list[Tagged]] = {}
    docs = nlp.pipe((piece for _, _, piece in jobs), batch_size=batch_size)
    for (number, offset, _), doc in zip(jobs, docs, strict=True):
        parts.setdefault(number, []).append(_result(doc, offset, with_mentions))
    for number, reason in enumerate(reasons):
        yield _combine(parts.get(number, []), reason)


def _result(doc: object, offset: int, with_mentions: bool) -> Tagged:
    """The tagged result of one doc, its offsets moved by `offset` characters."""
    spans_key = SPANS_KEY
    group = doc.spans[spans_key] if spans_key in doc.spans else ()  # type: ignore[attr-defined]
    scores = group.attrs.get("scores", []) if group else []
    levels = group.attrs.get("levels", []) if group else []
    spans = tuple(
        TaggedSpan(s.label_, s.start_char + offset, s.end_char + offset, s.text, score, level)
        for s, score, level in zip(group, scores, levels, strict=True)
    )
    mentions: tuple[Mention, ...] = ()
    if with_mentions:
        mentions = tuple(
            Mention(key, span.start_char + offset, span.end_char + offset, span.text)
            for key, span in ((key, doc[start:end]) for key, start, end in doc._.theme_mentions or ())  # type: ignore[index]
        )
    found = doc._.theme_scores or {}  # type: ignore[attr-defined]
    return Tagged(
        themes=tuple(doc._.themes or ()),  # type: ignore[attr-defined]
        spans=spans,
        scores={key: score for key, (score, _) in found.items()},
        levels={key: level for key, (_, level) in found.items()},
        mentions=mentions,
    )


def _combine(parts: list[Tagged], reason: str) -> Tagged:
    """One result from the results of a text's pieces (a theme's best score and level over all of them)."""
    if len(parts) == 1:
        return parts[0]
    scores: dict[str, float] = {}
    levels: dict[str, str] = {}
    for part in parts:
        for key, score in part.scores.items():
            rank = (part.levels[key] == "proposed", score)
            if key not in scores or rank > (levels[key] == "proposed", scores[key]):
                scores[key], levels[key] = score, part.levels[key]
    order = [key for part in parts for key in part.themes]
    themes = tuple(sorted(scores, key=order.index))
    spans = tuple(s for part in parts for s in part.spans)
    mentions = tuple(m for part in parts for m in part.mentions)
    return Tagged(themes, spans, scores, levels, mentions, reason)
