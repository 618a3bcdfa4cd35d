"""Forms of the e-mail pages: the lead's buttons, the reminder policy, and a respondent asking for their link."""

from __future__ import annotations

import re

from wtforms import IntegerField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange, ValidationError

from forms.base import Form, strip

DAYS = re.compile(r"^\s*\d{1,3}(\s*,\s*\d{1,3})*\s*$")


class ButtonForm(Form):
    """A button that posts: a CSRF token only."""


class ContactForm(Form):
    """A button about one contact (resend their invitation, revoke their link)."""

    contact_id = IntegerField("Contact", validators=[InputRequired(), NumberRange(min=1)])


class ReminderPolicyForm(Form):
    """When a round reminds by itself, and how often at most."""

    days_before = StringField(
        "Days before the deadline to send reminders",
        filters=[strip],
        description="Whole numbers separated by commas, for example 14, 7, 2. Leave empty for no automatic reminders.",
    )
    max_per_contact = IntegerField(
        "Most reminders one contact receives",
        validators=[
            InputRequired("Enter the most reminders one contact receives, from 0 to 10"),
            NumberRange(0, 10, "Enter the most reminders one contact receives, from 0 to 10"),
        ],
    )
    min_gap_days = IntegerField(
        "Fewest days between two reminders to the same contact",
        validators=[
            InputRequired("Enter the fewest days between two reminders, from 1 to 60"),
            NumberRange(1, 60, "Enter the fewest days between two reminders, from 1 to 60"),
        ],
    )

    def validate_days_before(self, field: StringField) -> None:
        """Whole numbers from 1 to 120, separated by commas."""
        if field.data and (not DAYS.match(field.data) or not all(1 <= d <= 120 for d in self.days())):
            raise ValidationError("Enter days before the deadline as whole numbers from 1 to 120 separated by commas")

    def days(self) -> list[int]:
        """The days before the deadline, as numbers."""
        return [int(part) for part in (self.days_before.data or "").split(",") if part.strip()]


class LinkRequestForm(Form):
    """A respondent who lost their link asks for a new one."""

    email = StringField(
        "Email address",
        filters=[strip],
        validators=[
            InputRequired("Enter the email address your invitation was sent to"),
            Length(max=320, message="Enter an email address of 320 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )
