"""Forms of the lead's round pages: a round's dates and settings, and re-opening a submitted report."""

from __future__ import annotations

from wtforms import DateField, EmailField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forms.base import Form, strip
from survey.validate import clean_text

TEXT = [clean_text, strip]
YES_NO = [
    SelectChoice("yes", "Yes: reports can be submitted after the deadline"),
    SelectChoice("no", "No: reports lock at the end of the deadline day"),
]


class RoundSettingsForm(Form):
    """A round's dates, late submissions, and what respondents see: the team contact and the privacy notice."""

    name = StringField(
        "Name of the round", validators=[DataRequired("Enter a name for the round"), Length(max=200)], filters=TEXT
    )
    opens_on = DateField("Opening date", validators=[DataRequired("Enter the opening date as a real date")])
    deadline = DateField("Deadline", validators=[DataRequired("Enter the deadline as a real date")])
    allow_late = RadioField(
        "Accept late reports?", choices=YES_NO, validators=[DataRequired("Choose whether late reports are accepted")]
    )
    contact_name = StringField(
        "Pledge team contact name (shown to respondents)", validators=[Length(max=200)], filters=TEXT
    )
    contact_email = EmailField(
        "Pledge team contact email (shown to respondents)", validators=[Length(max=320)], filters=TEXT
    )
    privacy_notice = TextAreaField(
        "Privacy notice for this round (shown to respondents)", validators=[Length(max=20000)], filters=TEXT
    )


class NewRoundForm(RoundSettingsForm):
    """A new round: its settings, the questionnaire version, and optionally the round it follows."""

    previous_round_id = SelectField("Start from an earlier round", coerce=str, validators=[Optional()])
    questionnaire_version_id = SelectField(
        "Questionnaire version", coerce=str, validators=[DataRequired("Choose a questionnaire version")]
    )


class ReopenForm(Form):
    """Why a submitted report is being re-opened (kept in the audit log and shown to the organisation)."""

    reason = TextAreaField(
        "Why is the report being re-opened?",
        validators=[DataRequired("Enter the reason for re-opening the report"), Length(max=2000)],
        filters=TEXT,
    )
