"""Forms of the lead's staff-accounts pages."""

from __future__ import annotations

from wtforms import EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from forms.base import Form, strip
from survey.validate import clean_text

ROLE_CHOICES = [
    SelectChoice("reviewer", "Reviewer: reviews and reads reports"),
    SelectChoice("lead", "Lead: everything, including accounts"),
]


class NewUserForm(Form):
    """A new staff account: who, and their role; they choose their password from an e-mailed link."""

    name = StringField(
        "Full name", validators=[DataRequired("Enter their full name"), Length(max=200)], filters=[clean_text, strip]
    )
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter their email address"), Length(max=320)],
        filters=[clean_text, strip],
    )
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role")])


class RoleForm(Form):
    """Change an account's role."""

    role = RadioField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role")])
