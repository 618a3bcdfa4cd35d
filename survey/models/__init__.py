"""The data model: one module per concern, every class importable from here."""

from survey.models.access import AuditEvent, Invitation, RespondentSession, StaffSession, User
from survey.models.accounts import PasswordReset, RecoveryCode
from survey.models.base import Base, utcnow
from survey.models.coding import AnswerReview, Code, CodebookVersion, CodeDecision, Theme
from survey.models.directory import ImportStatus, OrganisationImport
from survey.models.jobs import Job
from survey.models.mail import MailKind, MailStatus, OutboxMessage, ReminderPolicy
from survey.models.pledge import ORGANISATION_KINDS, Commitment, Contact, Organisation, Pledge
from survey.models.review import CodebookDraft, DoubleCoding, PreviewRow
from survey.models.rounds import (
    Answer,
    AnswerRevision,
    QuestionnaireVersion,
    ReopenRequest,
    Response,
    Round,
    SectionState,
)
from survey.models.suggester import ClassifierModel
from survey.models.syntheses import Synthesis, SynthesisKind

__all__ = [
    "ORGANISATION_KINDS",
    "Answer",
    "ClassifierModel",
    "AnswerReview",
    "AnswerRevision",
    "AuditEvent",
    "Base",
    "Code",
    "CodeDecision",
    "CodebookDraft",
    "CodebookVersion",
    "Commitment",
    "Contact",
    "DoubleCoding",
    "Invitation",
    "Job",
    "ImportStatus",
    "MailKind",
    "MailStatus",
    "OutboxMessage",
    "ReminderPolicy",
    "Organisation",
    "OrganisationImport",
    "PasswordReset",
    "Pledge",
    "PreviewRow",
    "QuestionnaireVersion",
    "RecoveryCode",
    "ReopenRequest",
    "RespondentSession",
    "Response",
    "Round",
    "SectionState",
    "StaffSession",
    "Synthesis",
    "SynthesisKind",
    "Theme",
    "User",
    "utcnow",
]

# The browse page's indexes, declared beside their queries, and the review data's version.
from survey.models import browse, search  # noqa: E402, F401
