"""Forms of the pledge lead's pages."""

from __future__ import annotations

from forms.base import Form


class RetagForm(Form):
    """The "Re-tag this round" button: a POST with a CSRF token."""
