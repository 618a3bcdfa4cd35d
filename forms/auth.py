"""Staff sign-in and sign-out forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

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


class CodeForm(Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = StringField(
        "Security code",
        validators=[DataRequired("Enter the 6-digit code from your authenticator app"), Length(max=40)],
        filters=[clean_text, strip],
    )


class ResetRequestForm(Form):
    """Ask for a password-reset link by e-mail address."""

    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=320)],
        filters=[clean_text, strip],
    )


class NewPasswordForm(Form):
    """Choose a new password, typed twice."""

    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(min=12, max=1000, message="The password must be at least 12 characters long"),
        ],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the new password again"),
            EqualTo("password", "The two passwords are not the same"),
        ],
    )


class ButtonForm(Form):
    """A button that changes something: a POST with a CSRF token."""
