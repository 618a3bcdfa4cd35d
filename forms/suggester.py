"""Forms of the suggester's panel."""

from __future__ import annotations

from forms.base import Form


class TrainSuggesterForm(Form):
    """The "Train the suggester" button: a POST with a CSRF token."""
