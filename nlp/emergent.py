"""Emergent themes: phrases a round's answers use often, that no theme of the codebook covers, ranked by how much
more often the round uses them than the other rounds.

Phrases are n-grams of lemmas (runs of one to three words without a stop word: spaCy's noun chunks need a parser
the blank pipeline lacks), counted once per answer; of a longer and a shorter phrase as frequent, the longer. A
phrase is covered when a theme's phrase (or a literal word of its patterns) lies within it, or it lies within one.
The ranking is the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008):
the round's counts against the other rounds', the prior from all of them together, as a z-score, so a phrase common
everywhere ranks low and one seen in two answers does not top the list by chance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .lexicon import lemma_spans, lemmas, stop_words

MAX_WORDS = 3
MIN_ANSWERS = 3  # a phrase must occur in at least this many of the round's answers
PRIOR_WEIGHT = 500.0  # how many phrase counts the prior (the whole corpus) is worth
EXAMPLES = 3

Gram = tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """An answer that uses the phrase: its id and the words as it wrote them, with some context."""

    answer_id: Hashable
    before: str
    phrase: str
    after: str


@dataclass(frozen=True)
class Phrase:
    """One emergent phrase: its lemmas, the words as its first example wrote them, how many of the round's answers
    and of the other answers use it, its score (z of the log-odds ratio; higher is more the round's own) and example
    answers."""

    text: str
    written: str
    answers: int
    elsewhere: int
    score: float
    examples: tuple[Example, ...]


def _grams(words: Sequence[tuple[str, int, int]], stop: frozenset[str]) -> dict[Gram, tuple[int, int]]:
    """The text's candidate n-grams (runs of up to `MAX_WORDS` words, none a stop word), each with the character
    span of its first occurrence."""
    found: dict[Gram, tuple[int, int]] = {}
    for i, (_, start, _) in enumerate(words):
        for n in range(MAX_WORDS):
            if i + n >= len(words):
                break
            word, _, end = words[i + n]
            if word in stop or len(word) < 3:
                break
            found.setdefault(tuple(w for w, _, _ in words[i : i + n + 1]), (start, end))
    return found


def covered(themes: Iterable[Mapping[str, Any]]) -> set[Gram]:
    """The lemma sequences of the themes' phrases and of the literal words of their patterns (themes as codebook
    data: `Codebook.to_dict()["themes"]`, read without spaCy's pattern check)."""
    sequences: set[Gram] = set()
    for theme in themes:
        for phrase in theme.get("phrases", ()):
            sequences.add(tuple(lemmas(phrase)))
        for pattern in theme.get("patterns", ()):
            for token in pattern:
                for value in token.values():
                    literal = value.get("IN", []) if isinstance(value, dict) else [value]
                    sequences.update(tuple(lemmas(v)) for v in literal if isinstance(v, str))
    sequences.discard(())
    return sequences


def _is_covered(gram: Gram, known: set[Gram]) -> bool:
    """Whether a codebook sequence lies within the n-gram, or the n-gram within a codebook sequence."""
    n = len(gram)
    inside = any(gram[i : i + k] in known for k in range(1, n + 1) for i in range(n - k + 1))
    return inside or any(n < len(seq) and _contains(seq, gram) for seq in known)


def _contains(longer: Gram, shorter: Gram) -> bool:
    """Whether `shorter` occurs as a contiguous run in `longer`."""
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def _counts(texts: Iterable[str], stop: frozenset[str]) -> Counter[Gram]:
    """In how many of the texts each candidate n-gram occurs."""
    counts: Counter[Gram] = Counter()
    for text in texts:
        counts.update(_grams(lemma_spans(text), stop).keys())
    return counts


def log_odds(
    here: Mapping[Gram, int], elsewhere: Mapping[Gram, int], prior_weight: float = PRIOR_WEIGHT
) -> dict[Gram, float]:
    """The z-score of each n-gram's log-odds ratio, here against elsewhere, with an informative Dirichlet prior."""
    total = Counter(here) + Counter(elsewhere)
    size = sum(total.values()) or 1
    n_here, n_else = sum(here.values()), sum(elsewhere.values())
    scores = {}
    for gram, y_here in here.items():
        alpha = prior_weight * total[gram] / size
        y_else = elsewhere.get(gram, 0)
        delta = math.log((y_here + alpha) / (n_here + prior_weight - y_here - alpha)) - math.log(
            (y_else + alpha) / (n_else + prior_weight - y_else - alpha)
        )
        scores[gram] = delta / math.sqrt(1 / (y_here + alpha) + 1 / (y_else + alpha))
    return scores


def emergent_phrases(
    answers: Sequence[tuple[Hashable, str]],
    others: Iterable[str],
    themes: Iterable[Mapping[str, Any]],
    *,
    top: int = 20,
    min_answers: int = MIN_ANSWERS,
) -> list[Phrase]:
    """The round's phrases that no theme covers, most distinctive first: `answers` are the round's (id, text),
    `others` the texts of the other rounds (or the rest of the corpus), `themes` the codebook's as data."""
    stop = stop_words()
    per_answer = [(answer_id, text, _grams(lemma_spans(text), stop)) for answer_id, text in answers]
    here: Counter[Gram] = Counter()
    for _, _, grams in per_answer:
        here.update(grams.keys())
    elsewhere = _counts(others, stop)
    scores = log_odds(here, elsewhere)
    known = covered(themes)
    chosen: list[Gram] = []
    for gram in sorted(scores, key=lambda g: (-scores[g], -here[g], -len(g), g)):
        if here[gram] < min_answers or _is_covered(gram, known):
            continue
        # One phrase per idea: "somali" and "somali forum" would fill the list with the same answers.
        if any(_contains(gram, seen) or _contains(seen, gram) for seen in chosen):
            continue
        chosen.append(gram)
        if len(chosen) == top:
            break
    found = []
    for gram in chosen:
        examples = _examples(gram, per_answer)
        written = examples[0].phrase if examples else " ".join(gram)
        found.append(
            Phrase(" ".join(gram), written, here[gram], elsewhere.get(gram, 0), round(scores[gram], 2), examples)
        )
    return found


def _examples(
    gram: Gram, per_answer: Sequence[tuple[Hashable, str, dict[Gram, tuple[int, int]]]]
) -> tuple[Example, ...]:
    """Up to `EXAMPLES` answers using the phrase, each with about eight words either side."""
    found = []
    for answer_id, text, grams in per_answer:
        if gram in grams:
            start, end = grams[gram]
            before, after = text[max(0, start - 60) : start], text[end : end + 60]
            found.append(Example(answer_id, ("…" if start > 60 else "") + before, text[start:end], after + "…"))
            if len(found) == EXAMPLES:
                break
    return tuple(found)
