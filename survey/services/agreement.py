"""Agreement between two codings of the same answers, per theme and overall: machine codes against reviewed codes
(the review workspace's figures and the synthesis's method note), or one reviewer against another (double coding).

The arithmetic is pure (`agreement` over plain sets); `machine_vs_reviewed` gathers a round's reviewed answers in
one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select

from survey.extensions import db
from survey.models import Answer, AnswerReview, Code, Response
from survey.models.states import CodeLevel, CodeSource, CodeStatus


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None where the denominator is 0 (the figure is undefined, not zero)."""
    return numerator / denominator if denominator else None


def _f1(tp: int, fp: int, fn: int) -> float | None:
    """F1 from counts: 2TP / (2TP + FP + FN); None when no coding has the theme."""
    return _ratio(2 * tp, 2 * tp + fp + fn)


@dataclass(frozen=True)
class ThemeAgreement:
    """One theme's 2×2 table over the same answers: `a` is the first coding (the machine), `b` the second (the
    reviewers, taken as the reference)."""

    theme_key: str
    tp: int  # both
    fp: int  # a only
    fn: int  # b only
    tn: int  # neither

    @property
    def n(self) -> int:
        """Answers compared."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        """Of the answers a coded, the share b coded too."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        """Of the answers b coded, the share a coded too."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall."""
        return _f1(self.tp, self.fp, self.fn)

    @property
    def percent_agreement(self) -> float | None:
        """Share of answers on which both codings agree (theme present in both or absent from both)."""
        return _ratio(self.tp + self.tn, self.n)

    @property
    def prevalence(self) -> float | None:
        """Share of answers the reference coding (b) gives the theme."""
        return _ratio(self.tp + self.fn, self.n)

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa: (observed − chance agreement) ÷ (1 − chance); None when chance agreement is 1 (both
        codings constant), where kappa is undefined."""
        n = self.n
        if not n:
            return None
        observed = (self.tp + self.tn) / n
        a_yes, b_yes = (self.tp + self.fp) / n, (self.tp + self.fn) / n
        chance = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
        return None if chance >= 1 else (observed - chance) / (1 - chance)


@dataclass(frozen=True)
class Agreement:
    """Per-theme tables and the overall figures for one comparison."""

    answers: int
    themes: tuple[ThemeAgreement, ...]

    @property
    def micro_precision(self) -> float | None:
        """Precision over every (answer, theme) pair."""
        tp, fp = sum(t.tp for t in self.themes), sum(t.fp for t in self.themes)
        return _ratio(tp, tp + fp)

    @property
    def micro_recall(self) -> float | None:
        """Recall over every (answer, theme) pair."""
        tp, fn = sum(t.tp for t in self.themes), sum(t.fn for t in self.themes)
        return _ratio(tp, tp + fn)

    @property
    def micro_f1(self) -> float | None:
        """F1 over every (answer, theme) pair."""
        return _f1(sum(t.tp for t in self.themes), sum(t.fp for t in self.themes), sum(t.fn for t in self.themes))

    @property
    def macro_f1(self) -> float | None:
        """Mean of the per-theme F1s, over the themes where F1 is defined."""
        scores = [t.f1 for t in self.themes if t.f1 is not None]
        return sum(scores) / len(scores) if scores else None


def agreement(pairs: Iterable[tuple[set[str], set[str]]], theme_keys: Sequence[str]) -> Agreement:
    """Compare two codings answer by answer: each pair is (themes coding a gave, themes coding b gave)."""
    counts = {key: [0, 0, 0, 0] for key in theme_keys}
    answers = 0
    for a, b in pairs:
        answers += 1
        for key, cell in counts.items():
            cell[(key not in a) * 2 + (key not in b)] += 1  # tp, fp, fn, tn in that order
    return Agreement(
        answers=answers,
        themes=tuple(ThemeAgreement(key, tp=c[0], fp=c[1], fn=c[2], tn=c[3]) for key, c in counts.items()),
    )


def machine_vs_reviewed(
    round_id: int, theme_keys: Sequence[str], *, levels: Sequence[CodeLevel] = (CodeLevel.PROPOSED,)
) -> Agreement:
    """Machine codes (rule codes at `levels`) against the reviewed codes (accepted, or added by a reviewer) over the
    round's answers that a reviewer has marked reviewed."""
    reviewed = exists().where(AnswerReview.answer_id == Answer.id)
    rows = db.session.execute(
        select(Answer.id, Code.theme_key, Code.source, Code.status, Code.level)
        .join(Response, Response.id == Answer.response_id)
        .outerjoin(Code, Code.answer_id == Answer.id)
        .where(Response.round_id == round_id, reviewed)
    ).all()
    machine: dict[int, set[str]] = {}
    people: dict[int, set[str]] = {}
    for answer_id, theme_key, source, status, level in rows:
        machine.setdefault(answer_id, set())
        people.setdefault(answer_id, set())
        if theme_key is None:
            continue
        if source == CodeSource.RULE and level in levels:
            machine[answer_id].add(theme_key)
        if status == CodeStatus.ACCEPTED or (source == CodeSource.REVIEWER and status != CodeStatus.REJECTED):
            people[answer_id].add(theme_key)
    return agreement(((machine[i], people[i]) for i in machine), theme_keys)
