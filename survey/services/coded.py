"""Answers with their codes, ready to show: each theme's evidence marked in the text."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from survey.extensions import db
from survey.models import Answer, Code, Response, Theme
from survey.questionnaire import Question, Questionnaire, Section
from survey.services.responses import questionnaire_for


@dataclass(frozen=True)
class Segment:
    """A run of an answer's text and the themes whose evidence covers it (none for plain text)."""

    text: str
    themes: tuple[str, ...]
    refs: tuple[int, ...] = ()  # each theme's number in the answer's list of themes (1-based), to mark the text


@dataclass(frozen=True)
class CodedAnswer:
    """A free-text answer, its question, its themes and its text cut into marked segments."""

    answer: Answer
    label: str
    section: str
    themes: tuple[tuple[str, str, str], ...]  # (name, source, status)
    segments: tuple[Segment, ...]


def segments(text: str, spans: list[tuple[int, int, str]], order: tuple[str, ...] = ()) -> tuple[Segment, ...]:
    """Cut text at every span boundary; each piece carries the themes covering it, in `order` (then by name),
    with their numbers in `order`."""
    rank = {name: number for number, name in enumerate(order, start=1)}
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = {name for s, e, name in spans if s <= start and end <= e}
        names = tuple(sorted(covering, key=lambda name: (rank.get(name, len(rank) + 1), name)))
        pieces.append(Segment(text[start:end], names, tuple(rank[name] for name in names if name in rank)))
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
        .where(Answer.response_id == response.id, Code.status != "rejected")
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
            found = codes.get(answer.id, [])
            spans = [(s, e, name) for code, name in found for s, e in code.spans]
            result.append(
                CodedAnswer(
                    answer=answer,
                    label=q.label,
                    section=section.title,
                    themes=tuple((name, code.source, code.status) for code, name in found),
                    segments=segments(answer.text or "", spans, tuple(name for _, name in found)),
                )
            )
    return result


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
