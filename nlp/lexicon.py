"""Words without spaCy: the lookup-lemma table and stop words spaCy ships, and a tokenizer that lemmatises with them.

The suggester's features and the emergent phrases use these where loading spaCy would cost too much (the web
process must never import it): the lemmas are the same table the tagging pipeline's lookup lemmatizer reads, so a
word has the same lemma in both.
"""

from __future__ import annotations

import gzip
import importlib.resources
import importlib.util
import json
import re
import runpy
from functools import cache
from pathlib import Path

# Words (letters, joined by hyphens or apostrophes); numbers are left out: they are amounts, not topics.
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@cache
def lemma_table() -> dict[str, str]:
    """spaCy's English lookup-lemma table (the `spacy-lookups-data` file), read once per process."""
    path = importlib.resources.files("spacy_lookups_data").joinpath("data", "en_lemma_lookup.json.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return json.load(text)


@cache
def stop_words() -> frozenset[str]:
    """spaCy's English stop words, read from its file without importing spaCy (whose import costs 90 MiB)."""
    spec = importlib.util.find_spec("spacy")  # finds the package without importing it
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("spaCy is not installed")
    found = runpy.run_path(str(Path(spec.origin).parent / "lang" / "en" / "stop_words.py"))
    return frozenset(found["STOP_WORDS"])


def lemma(word: str) -> str:
    """The lower-cased lookup lemma of a word, as `nlp.component.lower_lemma` gives it."""
    lowered = word.lower().replace("’", "'")
    return lemma_table().get(lowered, lowered).lower()


def lemmas(text: str) -> list[str]:
    """The lower-cased lemmas of a text's words, in order."""
    return [found for found, _, _ in lemma_spans(text)]


def lemma_spans(text: str) -> list[tuple[str, int, int]]:
    """Each word's lower-cased lemma with its start and end offsets in the text."""
    table = lemma_table()
    out = []
    for match in _WORD.finditer(text):
        lowered = match.group().lower().replace("’", "'")
        out.append((table.get(lowered, lowered).lower(), match.start(), match.end()))
    return out


def content_lemmas(text: str) -> list[str]:
    """The lemmas of a text without stop words and one-letter words."""
    stop = stop_words()
    return [word for word in lemmas(text) if len(word) > 1 and word not in stop]
