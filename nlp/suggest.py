"""The suggester: a multilabel classifier that learns themes from reviewed answers, framework-free.

TF-IDF over lemmas and two-word phrases (stop words left out; `nlp.lexicon`, so no spaCy), one linear SVM per theme
with probabilities calibrated by Platt scaling over three folds. It learns only themes with at least
`MIN_POSITIVES` reviewed examples. `holdout` measures it against the rules on a part held out by organisation,
then trains on everything; models are stored with skops, which loads only the types named here (never pickle).
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import skops.io as sio
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from .evaluate import Report, evaluate
from .lexicon import content_lemmas

MIN_POSITIVES = 10  # reviewed answers carrying a theme before the suggester may suggest it
THRESHOLD = 0.5  # a calibrated probability at least this is a suggestion
STRONG = 0.8  # ... and at least this a strong one (level "proposed" rather than "possible")
HELD_OUT = 0.25  # share of organisations held out to measure the model against the rules
MAX_FEATURES = 30_000


class TooFewExamples(ValueError):
    """No theme has enough reviewed examples to learn from."""


def features(text: str) -> list[str]:
    """A text's features: its content lemmas and each pair of neighbouring content lemmas (a phrase)."""
    words = content_lemmas(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def learnable_themes(labels: Sequence[set[str]], theme_keys: Sequence[str], minimum: int = MIN_POSITIVES) -> list[str]:
    """The themes (in codebook order) with at least `minimum` positive examples among these label sets."""
    return [key for key in theme_keys if sum(key in found for found in labels) >= minimum]


def positives(labels: Sequence[set[str]], theme_keys: Sequence[str]) -> dict[str, int]:
    """How many of these label sets carry each theme."""
    return {key: sum(key in found for found in labels) for key in theme_keys}


@dataclass
class Suggester:
    """A trained model: the feature pipeline and the themes, in the order of its outputs."""

    pipeline: Pipeline
    themes: list[str]

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each text's calibrated probability of each theme the model knows."""
        if not texts:
            return []
        with threadpool_limits(1):
            scores = np.asarray(self.pipeline.predict_proba(list(texts)))
        return [dict(zip(self.themes, map(float, row), strict=True)) for row in scores]

    def suggest(self, texts: Sequence[str], threshold: float = THRESHOLD) -> list[dict[str, float]]:
        """Each text's suggested themes with their probability (those at or above `threshold`)."""
        return [{k: p for k, p in found.items() if p >= threshold} for found in self.probabilities(texts)]


def _pipeline() -> Pipeline:
    """An untrained pipeline: TF-IDF features, then a calibrated linear SVM per theme."""
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=0)  # the same answers give the same model
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=2, max_features=MAX_FEATURES),
            ),
            ("ovr", OneVsRestClassifier(CalibratedClassifierCV(svm, cv=3, method="sigmoid"))),
        ]
    )


def train(texts: Sequence[str], labels: Sequence[set[str]], theme_keys: Sequence[str]) -> Suggester:
    """Train on texts and their reviewed themes; only themes with enough positive examples are learnt."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} label sets")
    themes = learnable_themes(labels, theme_keys)
    if not themes:
        raise TooFewExamples(f"no theme has {MIN_POSITIVES} reviewed examples yet")
    matrix = np.array([[key in found for key in themes] for found in labels], dtype=int)
    pipeline = _pipeline()
    # One thread: BLAS threads spin against each other, and against the other workers, on a busy machine (the
    # calibration's optimiser took four times as long); a worker parallelises by processes instead.
    with threadpool_limits(1):
        pipeline.fit(list(texts), matrix)
    # The words min_df and max_features dropped, kept only for introspection: most of a stored model's bytes.
    pipeline.named_steps["tfidf"].stop_words_ = None
    return Suggester(pipeline, themes)


@dataclass(frozen=True)
class Holdout:
    """A trained model and how it did on the organisations held out, next to the rules on the same answers."""

    suggester: Suggester
    model: Report  # the suggester's themes on the held-out answers
    rules: Report  # the rules' themes on the same answers
    combined: Report  # rules ∪ suggester
    train_answers: int
    held_out_answers: int
    held_out_groups: int
    positives: dict[str, int] = field(default_factory=dict)


def split_by_group(groups: Sequence[Any], share: float = HELD_OUT, seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices to train on and to hold out, whole groups (organisations) at a time."""
    if len(set(groups)) < 2:
        raise TooFewExamples("answers from at least two organisations are needed to hold one out")
    splitter = GroupShuffleSplit(n_splits=1, test_size=share, random_state=seed)
    train_idx, test_idx = next(splitter.split(np.zeros(len(groups)), groups=list(groups)))
    return sorted(map(int, train_idx)), sorted(map(int, test_idx))


def holdout(
    texts: Sequence[str],
    labels: Sequence[set[str]],
    rule_labels: Sequence[set[str]],
    groups: Sequence[Any],
    theme_keys: Sequence[str],
) -> Holdout:
    """Measure on a part held out by organisation (model, rules, both, per theme), then train on every answer."""
    train_idx, test_idx = split_by_group(groups)
    measured = train([texts[i] for i in train_idx], [labels[i] for i in train_idx], theme_keys)
    predicted = [set(found) for found in measured.suggest([texts[i] for i in test_idx])]
    gold = [labels[i] for i in test_idx]
    rules = [rule_labels[i] for i in test_idx]
    return Holdout(
        suggester=train(texts, labels, theme_keys),
        model=evaluate(gold, predicted, theme_keys),
        rules=evaluate(gold, rules, theme_keys),
        combined=evaluate(gold, [a | b for a, b in zip(rules, predicted, strict=True)], theme_keys),
        train_answers=len(train_idx),
        held_out_answers=len(test_idx),
        held_out_groups=len({groups[i] for i in test_idx}),
        positives=positives(labels, theme_keys),
    )


# The only types a stored model may contain: skops refuses any other when loading.
TRUSTED = [
    "nlp.suggest.features",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
]


def dumps(suggester: Suggester) -> bytes:
    """The model as skops bytes, deflated (skops writes each vocabulary entry as a JSON object: a sixth the size)."""
    return sio.dumps(
        {"pipeline": suggester.pipeline, "themes": list(suggester.themes)}, compression=zipfile.ZIP_DEFLATED
    )


def loads(data: bytes) -> Suggester:
    """A model from skops bytes; types beyond scikit-learn's own and `TRUSTED` are refused."""
    untrusted = [name for name in sio.get_untrusted_types(data=data) if name not in TRUSTED]
    if untrusted:
        raise ValueError(f"a stored model holds types that are not trusted: {', '.join(untrusted)}")
    found = sio.loads(data, trusted=TRUSTED)
    return Suggester(found["pipeline"], list(found["themes"]))


def digest(data: bytes) -> str:
    """The SHA-256 of a stored model, checked before it is loaded."""
    return hashlib.sha256(data).hexdigest()
