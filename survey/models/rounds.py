"""Questionnaire versions, reporting rounds, responses and their answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, JSONType, utcnow
from survey.models.pledge import Contact, Organisation, Pledge
from survey.models.states import ResponseStatus, RevisionOutcome, SectionStatus, TaggingState, state_column


class QuestionnaireVersion(Base):
    """A frozen questionnaire definition; a question key keeps its meaning across versions."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("pledge_id", "key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.key} v{self.version}>"


class Round(Base):
    """A reporting round: dates, questionnaire version and the organisations expected to report."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("pledge_id", "number"), UniqueConstraint("pledge_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("pledges.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date]
    deadline: Mapped[date]
    closed_at: Mapped[datetime | None]
    allow_late: Mapped[bool] = mapped_column(default=True)
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id", ondelete="RESTRICT"), index=True
    )
    previous_round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    # The round's settings shown to respondents: who to contact, and the privacy notice (what is kept, who sees
    # it, for how long), which the lead edits.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    privacy_notice: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pledge: Mapped[Pledge] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    previous_round: Mapped[Round | None] = relationship(remote_side=[id])

    @property
    def is_open(self) -> bool:
        """Whether respondents may still save and submit: not closed, and before the end of the deadline day
        unless late reports are allowed (the same rule as `responses.claim_for_writing`)."""
        return self.closed_at is None and (self.allow_late or date.today() <= self.deadline)

    def __repr__(self) -> str:
        return f"<Round {self.number} {self.name!r}>"


class Response(Base):
    """One organisation's progress report in one round; its answers are rows of `answers`."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id"),
        Index("ix_responses_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[ResponseStatus] = mapped_column(state_column(ResponseStatus, 20), default=ResponseStatus.NOT_STARTED)
    started_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    declaration_name: Mapped[str | None] = mapped_column(String(200))
    reopened_reason: Mapped[str | None] = mapped_column(Text)

    round: Mapped[Round] = relationship()
    organisation: Mapped[Organisation] = relationship()
    submitted_by: Mapped[Contact | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", order_by="Answer.id")

    @property
    def is_editable(self) -> bool:
        """Whether respondents may change answers (not submitted and the round is open)."""
        return self.status != ResponseStatus.SUBMITTED and self.round.is_open

    def __repr__(self) -> str:
        return f"<Response {self.reference} {self.status}>"


class ReopenRequest(Base):
    """A respondent's request that the lead re-open a submitted report, with the reason they gave."""

    __tablename__ = "reopen_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    response: Mapped[Response] = relationship()
    contact: Mapped[Contact | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReopenRequest {self.response_id} {'resolved' if self.resolved_at else 'open'}>"


class SectionState(Base):
    """A section's status on one response's task list: a row each, so colleagues completing different sections at
    the same moment never overwrite each other's (a JSON map on the response lost a third of them)."""

    __tablename__ = "section_states"
    __table_args__ = (UniqueConstraint("response_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[SectionStatus] = mapped_column(state_column(SectionStatus, 20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)

    def __repr__(self) -> str:
        return f"<SectionState {self.response_id} {self.section_key} {self.status}>"


class Answer(Base):
    """The current value of one question of one response; every save bumps `revision`."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "field_key"),
        Index("ix_answers_tagging", "tagging", "id"),
        Index("ix_answers_round_id_id", "round_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    # The response's round, denormalised so a round's answers are one index range (the review list's keyset).
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    # field_key is the question key qualified by commitment ("c2.actions"); question_key is stable across rounds.
    field_key: Mapped[str] = mapped_column(String(120))
    question_key: Mapped[str] = mapped_column(String(80), index=True)
    commitment_number: Mapped[int | None]
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    # Plain text of a free-text answer, kept apart from `value` so tagging and search read one column.
    text: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tagging: Mapped[TaggingState] = mapped_column(state_column(TaggingState, 10), default=TaggingState.NONE)

    response: Mapped[Response] = relationship(back_populates="answers")
    updated_by: Mapped[Contact | None] = relationship()

    # Optimistic locking: an UPDATE names the revision it read, so a colleague's save in between is detected.
    __mapper_args__ = {"version_id_col": revision}

    def __repr__(self) -> str:
        return f"<Answer {self.field_key} r{self.revision}>"


@event.listens_for(Answer, "before_insert")
def _answer_round(mapper: Any, connection: Any, answer: Answer) -> None:
    """An answer made without its round takes its response's (bulk inserts name it themselves)."""
    if answer.round_id is None:
        answer.round_id = connection.scalar(select(Response.round_id).where(Response.id == answer.response_id))


class AnswerRevision(Base):
    """Every save of an answer, applied or not: a conflicting save is kept here so nothing is lost."""

    __tablename__ = "answer_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[RevisionOutcome] = mapped_column(state_column(RevisionOutcome, 12), default=RevisionOutcome.APPLIED)
    base_revision: Mapped[int | None]

    answer: Mapped[Answer] = relationship()
    contact: Mapped[Contact | None] = relationship()

    def __repr__(self) -> str:
        return f"<AnswerRevision {self.answer_id} r{self.revision} {self.outcome}>"
