"""Logging that never writes a secret: invitation tokens travel in URL paths (`/r/<token>`), so every log line
that can carry a path — gunicorn's access log, the development server's request log — has them replaced."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask
from gunicorn.glogging import Logger as GunicornBaseLogger

# Paths whose last segment is a bearer token.
_TOKEN_PATHS = re.compile(r"(/r/|/auth/reset/)[^/\s?#\"']+")
REDACTED = "[token]"


def redact(text: str) -> str:
    """The text with every token in a path replaced."""
    return _TOKEN_PATHS.sub(rf"\g<1>{REDACTED}", text)


class RedactTokens(logging.Filter):
    """A filter that redacts tokens from a record's message before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message; keep the record."""
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class GunicornLogger(GunicornBaseLogger):
    """Gunicorn's logger with the request line, path and query redacted in the access log (`--logger-class`)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        """The access-log fields, with tokens replaced."""
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms


def init_app(app: Flask) -> None:
    """Redact the development server's request log (gunicorn's access log uses GunicornLogger)."""
    werkzeug_logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in werkzeug_logger.filters):
        werkzeug_logger.addFilter(RedactTokens())
