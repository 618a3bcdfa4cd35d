"""Forms of the lead's organisations pages: an organisation, a contact, an import file."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from forms.base import Form, strip
from survey.models import ORGANISATION_KINDS
from survey.validate import clean_text

TEXT = [clean_text, strip]


class OrganisationForm(Form):
    """An organisation's name, type and region."""

    name = StringField(
        "Name", validators=[DataRequired("Enter the organisation's name"), Length(max=300)], filters=TEXT
    )
    kind = RadioField(
        "Type of organisation",
        choices=[SelectChoice(k, v) for k, v in ORGANISATION_KINDS.items()],
        validators=[DataRequired("Choose the type of organisation")],
    )
    region = StringField("Region or integrated care system (optional)", validators=[Length(max=200)], filters=TEXT)


class ContactForm(Form):
    """A contact's name, role and e-mail address."""

    name = StringField(
        "Full name", validators=[DataRequired("Enter the contact's name"), Length(max=200)], filters=TEXT
    )
    role = StringField("Role (optional)", validators=[Length(max=200)], filters=TEXT)
    email = EmailField(
        "Email address", validators=[DataRequired("Enter the contact's e-mail address"), Length(max=320)], filters=TEXT
    )


class ImportForm(Form):
    """A CSV or Excel file of organisations and contacts."""

    accepts_files = True
    file = FileField("Upload a file", validators=[FileRequired("Choose a CSV or Excel (.xlsx) file to upload")])
