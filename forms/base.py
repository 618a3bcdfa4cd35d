"""What every form shares: a body of text fields only, text without control characters, revision numbers."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest
from wtforms import HiddenField

from survey.validate import clean_text

# answers.revision is a 32-bit integer column: a larger number cannot name a revision (and the database refuses it).
MAX_REVISION = 2**31 - 1
_REVISION = re.compile(r"[0-9]{1,10}")


def strip(value: str | None) -> str | None:
    """Leading and trailing white space removed; a field that was not sent stays None."""
    return value.strip() if value is not None else None


def clean_choices(value: Any) -> Any:
    """A choice value (or a list of them) without control characters: even a value no question offers may be
    stored (a save that arrives after submission is kept as sent), and PostgreSQL refuses NUL."""
    if isinstance(value, list):
        return [clean_text(v) if isinstance(v, str) else v for v in value]
    return clean_text(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Base of every form: a submission is the urlencoded (or multipart) text fields of a page.

    No page has a file input or speaks JSON, so a file part or a JSON body is a forged request: a 400 here, before
    a field meets a value of a type it was never built for (Flask-WTF would pass both through to the fields).
    """

    accepts_files = False  # the one page with a file input (the organisations import) says so

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not args and "formdata" not in kwargs and request.method in {"POST", "PUT", "PATCH", "DELETE"}:
            if request.files and not self.accepts_files:
                raise BadRequest("This page does not accept files. Go back and type your answer into the box.")
            if request.is_json:
                raise BadRequest("This page accepts only the form it shows. Go back and use the form.")
        super().__init__(*args, **kwargs)


def parse_revision(raw: Any) -> int:
    """A revision number as a page sends it; anything else is a forged request (400)."""
    if not isinstance(raw, str) or not _REVISION.fullmatch(raw) or int(raw) > MAX_REVISION:
        raise BadRequest("The page sent a revision number that is not valid. Reload the page and save again.")
    return int(raw)


class RevisionField(HiddenField):
    """The hidden revision a page was drawn from: a whole number from 0 to MAX_REVISION, or None when not sent."""

    def process_data(self, value: Any) -> None:
        """The revision the view passed (an int or its text)."""
        self.data = None if value is None or value == "" else int(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        """Parse the first value sent; an empty one counts as not sent."""
        if valuelist and valuelist[0] != "":
            self.data = parse_revision(valuelist[0])

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)
