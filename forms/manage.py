"""Forms of the pledge lead's pages."""

from __future__ import annotations

from flask_wtf import FlaskForm


class RetagForm(FlaskForm):
    """The "Re-tag this round" button: a POST with a CSRF token."""
