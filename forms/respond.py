"""Forms of the respondent journey other than the questionnaire sections."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from forms.base import Form, RevisionField, strip
from survey.questionnaire import Question
from survey.validate import ValidationError, check_length, clean_text


class DeclarationForm(Form):
    """The declaration on the check-your-answers page."""

    confirm = BooleanField(
        "I confirm that this report is accurate and that I am authorised to submit it for my organisation",
        [DataRequired("Confirm that the report is accurate and that you may submit it")],
    )
    full_name = StringField(
        "Your full name",
        [InputRequired("Enter your full name"), Length(max=200, message="Your name must be 200 characters or fewer")],
        filters=[clean_text, strip],
    )


class ConflictForm(Form):
    """A decision on a conflicting save: keep mine, keep theirs, or save a merged text."""

    choice = RadioField(
        "Which version do you want to keep?",
        [InputRequired("Select which version to keep")],
        choices=[
            SelectChoice("mine", "Keep my version"),
            SelectChoice("theirs", "Keep my colleague's version"),
            SelectChoice("merged", "Save combined answer"),
        ],
    )
    merged = TextAreaField("Combined answer", filters=[clean_text])
    seen_revision = RevisionField()

    def check_merge(self, question: Question) -> bool:
        """A merged text is only for free-text answers, and keeps to the question's limit."""
        if self.choice.data != "merged":
            return True
        if not question.is_free_text:
            self.choice.errors = ["Choose your version or your colleague's version for this answer"]
            return False
        if not (self.merged.data or "").strip():
            self.merged.errors = ["Enter the combined answer"]
            return False
        try:
            check_length(self.merged.data or "", question.max_chars)
        except ValidationError as exc:
            self.merged.errors = [str(exc)]
            return False
        return True


class ReopenRequestForm(Form):
    """A request that the pledge team re-open a submitted report, with the reason."""

    REASON_LIMIT = 2000

    reason = TextAreaField(
        "What do you need to change, and why?",
        [
            DataRequired("Enter what you need to change and why"),
            Length(max=REASON_LIMIT, message=f"Your reason must be {REASON_LIMIT:,} characters or fewer"),
        ],
        filters=[clean_text, strip],
    )


class PrefillForm(Form):
    """The button that starts a section from last round's answers (CSRF only)."""


class SignOutForm(Form):
    """The sign-out button (CSRF only)."""
