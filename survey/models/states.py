"""Every state a row can be in, as a type: a `StrEnum` here, a CHECK constraint in the database.

Members are strings, so they compare equal to the values stored and shown; `state_column` gives the column type.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class ResponseStatus(StrEnum):
    """Where an organisation's report is in a round (the tracking dashboard groups by it)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REOPENED = "reopened"


class SectionStatus(StrEnum):
    """A section's line on the task list."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class TaggingState(StrEnum):
    """A free-text answer's tagging: pending from submission until a tagging job has written its codes."""

    NONE = "none"
    PENDING = "pending"
    TAGGED = "tagged"
    FAILED = "failed"


class RevisionOutcome(StrEnum):
    """What became of one save of an answer."""

    APPLIED = "applied"  # became the answer
    CONFLICT = "conflict"  # based on an older revision: held for the person to decide
    RESOLVED = "resolved"  # a conflict the person decided
    SUPERSEDED = "superseded"  # a conflict replaced by the same person's newer attempt
    LATE = "late"  # arrived after the report was submitted: kept, never applied


class JobStatus(StrEnum):
    """A background job's life."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class CodeSource(StrEnum):
    """Who attached a theme to an answer."""

    RULE = "rule"  # the codebook's patterns
    REVIEWER = "reviewer"  # a person added it
    MODEL = "model"  # the classifier suggested it


class CodeStatus(StrEnum):
    """A code's standing after review: proposed until a reviewer decides."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class CodeLevel(StrEnum):
    """How strong a machine code's evidence is: proposed (strong), possible (weak; never counted as raised in a
    published synthesis until a reviewer accepts it)."""

    PROPOSED = "proposed"
    POSSIBLE = "possible"


class Decision(StrEnum):
    """One reviewer's decision on one code."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Role(StrEnum):
    """A staff account's role."""

    LEAD = "lead"  # everything
    REVIEWER = "reviewer"  # review and read


def state_column(states: type[StrEnum], length: int) -> Enum:
    """A VARCHAR column holding one of `states`' values, with a CHECK constraint naming them."""
    return Enum(
        states,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=states.__name__.lower(),
    )
