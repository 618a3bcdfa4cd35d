"""Staff sign-in and sign-out forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from forms.base import Form, strip
from survey.validate import clean_text


class LoginForm(Form):
    """E-mail address and password."""

    # Cleaned like every text: a NUL byte cannot reach the database (PostgreSQL refuses it in a string).
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=320)],
        filters=[clean_text, strip],
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1000)])


class LogoutForm(Form):
    """Sign-out is a POST with a CSRF token."""
