"""Staff sign-in and sign-out forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """E-mail address and password."""

    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=1000)])


class LogoutForm(FlaskForm):
    """Sign-out is a POST with a CSRF token."""
