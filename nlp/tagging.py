"""Tag texts with themes and return plain, framework-free results with character offsets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from spacy.language import Language

from .component import SPANS_KEY


@dataclass(frozen=True)
class TaggedSpan:
    """One theme mention: theme key and character offsets into the original text."""

    theme: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Tagged:
    """The themes (keys, codebook order) and spans found in one text."""

    themes: tuple[str, ...]
    spans: tuple[TaggedSpan, ...]


def tag_texts(nlp: Language, texts: Iterable[str], *, batch_size: int = 256) -> Iterator[Tagged]:
    """Tag texts in batches with ``nlp.pipe``; yields one result per text, in order."""
    spans_key = nlp.get_pipe("theme_tagger").spans_key if "theme_tagger" in nlp.pipe_names else SPANS_KEY
    for doc in nlp.pipe(texts, batch_size=batch_size):
        group = doc.spans[spans_key] if spans_key in doc.spans else ()
        spans = tuple(TaggedSpan(s.label_, s.start_char, s.end_char, s.text) for s in group)
        yield Tagged(themes=tuple(doc._.themes or ()), spans=spans)
