"""Answers with their codes, ready to show: each theme's evidence sentences marked in the text, with their level;
and a round's codes counted per theme and level."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from survey.extensions import db
from survey.models import Answer, Code, Response, Theme
from survey.models.states import CodeLevel, CodeSource, CodeStatus
from survey.questionnaire import Question, Questionnaire, Section
from survey.services.responses import questionnaire_for

MACHINE_SOURCES = (CodeSource.RULE, CodeSource.MODEL)


@dataclass(frozen=True)
class Segment:
    """A run of an answer's text and the themes whose evidence covers it (none for plain text)."""

    text: str
    themes: tuple[str, ...]
    refs: tuple[int, ...] = ()  # each theme's number in the answer's list of themes (1-based), to mark the text
    level: str = ""  # the strongest level among the covering themes' codes ("" for plain text)


@dataclass(frozen=True)
class CodedTheme:
    """One code of an answer, as shown: theme name, source, review status, level and score."""

    name: str
    source: str
    status: str
    level: str
    confidence: float | None
    number: int  # its number in the answer's list of themes


@dataclass(frozen=True)
class CodedAnswer:
    """A free-text answer, its question, its codes (proposed first, then possible) and its text cut into marked
    segments."""

    answer: Answer
    label: str
    section: str
    themes: tuple[CodedTheme, ...]
    segments: tuple[Segment, ...]

    def at_level(self, level: str) -> tuple[CodedTheme, ...]:
        """The answer's codes at one level."""
        return tuple(t for t in self.themes if t.level == level)


def segments(
    text: str,
    spans: list[tuple[int, int, str]],
    order: tuple[str, ...] = (),
    levels: Mapping[str, str] | None = None,
) -> tuple[Segment, ...]:
    """Cut text at every span boundary; each piece carries the themes covering it, in `order` (then by name),
    with their numbers in `order` and the strongest of their `levels`."""
    rank = {name: number for number, name in enumerate(order, start=1)}
    levels = levels or {}
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = {name for s, e, name in spans if s <= start and end <= e}
        names = tuple(sorted(covering, key=lambda name: (rank.get(name, len(rank) + 1), name)))
        found = {levels.get(name, "") for name in names}
        level = CodeLevel.PROPOSED.value if CodeLevel.PROPOSED in found else next(iter(found - {""}), "")
        pieces.append(Segment(text[start:end], names, tuple(rank[name] for name in names if name in rank), level))
    return tuple(p for p in pieces if p.text)


def coded_answers(
    response: Response, *, questionnaire: Questionnaire | None = None, answers: dict[str, Answer] | None = None
) -> list[CodedAnswer]:
    """The response's free-text answers in questionnaire order, with codes that are not rejected (pass the
    questionnaire and answers when already loaded)."""
    questionnaire = questionnaire or questionnaire_for(response)
    if answers is None:
        answers = {a.field_key: a for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))}
    answers = {key: a for key, a in answers.items() if a.text is not None}
    codes: dict[int, list[tuple[Code, str]]] = {}
    rows = db.session.execute(
        select(Code, Theme.name)
        .join(Theme, Code.theme_id == Theme.id)
        .join(Answer, Code.answer_id == Answer.id)
        .where(Answer.response_id == response.id, Code.status != CodeStatus.REJECTED)
        .order_by(Theme.position)
    )
    for code, name in rows:
        codes.setdefault(code.answer_id, []).append((code, name))
    result = []
    for section in questionnaire.sections:
        for q in section.questions:
            answer = answers.get(q.field_key)
            if answer is None:
                continue
            # Proposed (strong evidence) before possible (weak), each in codebook order.
            found = sorted(codes.get(answer.id, []), key=lambda pair: pair[0].level != CodeLevel.PROPOSED)
            spans = [(s, e, name) for code, name in found for s, e in code.spans]
            order = tuple(name for _, name in found)
            result.append(
                CodedAnswer(
                    answer=answer,
                    label=q.label,
                    section=section.title,
                    themes=tuple(
                        CodedTheme(name, code.source, code.status, code.level, code.confidence, number)
                        for number, (code, name) in enumerate(found, start=1)
                    ),
                    segments=segments(answer.text or "", spans, order, {name: code.level for code, name in found}),
                )
            )
    return result


@dataclass(frozen=True)
class LevelCount:
    """How many of a round's machine codes of one theme are at each level (rejected ones left out)."""

    name: str
    proposed: int
    possible: int


def level_counts(round_id: int) -> list[LevelCount]:
    """Per theme (codebook order), the round's machine codes at each level that no reviewer has rejected."""
    query = (
        select(
            Code.theme_key,
            func.max(Theme.name),
            func.min(Theme.position),
            func.count().filter(Code.level == CodeLevel.PROPOSED),
            func.count().filter(Code.level == CodeLevel.POSSIBLE),
        )
        .join(Theme, Code.theme_id == Theme.id)
        .join(Answer, Code.answer_id == Answer.id)
        .join(Response, Answer.response_id == Response.id)
        .where(
            Response.round_id == round_id,
            Code.source.in_(MACHINE_SOURCES),
            Code.status != CodeStatus.REJECTED,
        )
        .group_by(Code.theme_key)
    )
    rows = sorted(db.session.execute(query), key=lambda row: (row[2], row[1]))
    return [LevelCount(name, int(proposed or 0), int(possible or 0)) for _, name, _, proposed, possible in rows]


@dataclass(frozen=True)
class ReportItem:
    """One question of a report as staff read it: its answer (if any), and for free text its codes."""

    question: Question
    answer: Answer | None
    coded: CodedAnswer | None


@dataclass(frozen=True)
class ReportSection:
    """One section of a report, every question in the template's order."""

    section: Section
    items: tuple[ReportItem, ...]


def staff_report(response: Response) -> list[ReportSection]:
    """Every answer of a report laid out as the questionnaire lays it out, free text with its codes beside it."""
    questionnaire = questionnaire_for(response)
    answers = {
        a.field_key: a
        for a in db.session.scalars(
            select(Answer).where(Answer.response_id == response.id).options(selectinload(Answer.updated_by))
        )
    }
    coded = {item.answer.id: item for item in coded_answers(response, questionnaire=questionnaire, answers=answers)}
    return [
        ReportSection(
            section,
            tuple(
                ReportItem(
                    q, answers.get(q.field_key), coded.get(answers[q.field_key].id) if q.field_key in answers else None
                )
                for q in section.questions
            ),
        )
        for section in questionnaire.sections
    ]
