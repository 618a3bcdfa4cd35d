"""The data model: one module per concern, every class importable from here."""

from survey.models.access import AuditEvent, Invitation, RespondentSession, StaffSession, User
from survey.models.accounts import PasswordReset, RecoveryCode
from survey.models.base import Base, utcnow
from survey.models.coding import AnswerReview, Code, CodebookVersion, CodeDecision, Theme
from survey.models.directory import ImportStatus, OrganisationImport
from survey.models.jobs import Job
from survey.models.pledge import ORGANISATION_KINDS, Commitment, Contact, Organisation, Pledge
from survey.models.rounds import (
    Answer,
    AnswerRevision,
    QuestionnaireVersion,
    ReopenRequest,
    Response,
    Round,
    SectionState,
)

__all__ = [
    "ORGANISATION_KINDS",
    "Answer",
    "AnswerReview",
    "AnswerRevision",
    "AuditEvent",
    "Base",
    "Code",
    "CodeDecision",
    "CodebookVersion",
    "Commitment",
    "Contact",
    "Invitation",
    "Job",
    "ImportStatus",
    "Organisation",
    "OrganisationImport",
    "PasswordReset",
    "Pledge",
    "QuestionnaireVersion",
    "RecoveryCode",
    "ReopenRequest",
    "RespondentSession",
    "Response",
    "Round",
    "SectionState",
    "StaffSession",
    "Theme",
    "User",
    "utcnow",
]
