"""Multi-label evaluation of theme tagging: per-theme precision, recall, F1, and micro/macro averages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ThemeScore:
    """Scores for one theme over a set of documents."""

    label: str
    precision: float
    recall: float
    f1: float
    support: int
    tp: int
    fp: int
    fn: int


@dataclass(frozen=True)
class Report:
    """Per-theme scores plus micro averages (pooled counts) and macro averages (mean over active themes)."""

    scores: tuple[ThemeScore, ...]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    documents: int

    def score(self, label: str) -> ThemeScore:
        """The scores for one label."""
        for item in self.scores:
            if item.label == label:
                return item
        raise KeyError(label)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def format_table(self, display: Callable[[str], str] = str) -> str:
        """A plain-text table; ``display`` turns a label into what to print (e.g. the theme name)."""
        names = [display(s.label) for s in self.scores]
        width = max([len(n) for n in names] + [len("theme")])
        lines = [f"{'theme':<{width}}  precision  recall     f1  support"]
        for name, s in zip(names, self.scores, strict=True):
            lines.append(f"{name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}  {s.support:7d}")
        lines.append("")
        for label, (p, r, f) in (
            ("micro", (self.micro_precision, self.micro_recall, self.micro_f1)),
            ("macro", (self.macro_precision, self.macro_recall, self.macro_f1)),
        ):
            lines.append(f"{label:<{width}}  {p:9.3f}  {r:6.3f}  {f:5.3f}")
        lines.append(f"documents: {self.documents}")
        return "\n".join(lines)


def _ratio(numerator: int, denominator: int) -> float:
    """Division that scores 0 when nothing was there to count."""
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(gold: Sequence[set[str]], pred: Sequence[set[str]], labels: Sequence[str]) -> Report:
    """Score predicted label sets against gold label sets, document by document.

    Macro averages are over the labels that occur in gold or in predictions (a label absent from both
    says nothing about the tagger).
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} documents but pred has {len(pred)}")
    scores = []
    total_tp = total_fp = total_fn = 0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if label in g and label not in p)
        precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
        scores.append(ThemeScore(label, precision, recall, _f1(precision, recall), tp + fn, tp, fp, fn))
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
    micro_p, micro_r = _ratio(total_tp, total_tp + total_fp), _ratio(total_tp, total_tp + total_fn)
    active = [s for s in scores if s.tp + s.fp + s.fn]
    count = len(active)
    return Report(
        scores=tuple(scores),
        micro_precision=micro_p,
        micro_recall=micro_r,
        micro_f1=_f1(micro_p, micro_r),
        macro_precision=_ratio_f(sum(s.precision for s in active), count),
        macro_recall=_ratio_f(sum(s.recall for s in active), count),
        macro_f1=_ratio_f(sum(s.f1 for s in active), count),
        documents=len(gold),
    )


def _ratio_f(total: float, count: int) -> float:
    """Mean that is 0 for no items."""
    return total / count if count else 0.0
