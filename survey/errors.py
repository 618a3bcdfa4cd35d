"""Error pages: every error status the app answers with gets an NHS.UK page that says what to do next."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

logger = logging.getLogger(__name__)

# Statuses with a page of their own; any other HTTP error uses the generic page with its own description.
PAGES = {
    400: "errors/400.html",
    401: "errors/401.html",
    403: "errors/403.html",
    404: "errors/404.html",
    409: "errors/409.html",
    413: "errors/413.html",
    500: "errors/500.html",
}


def _http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    return render_template(PAGES.get(status, "errors/generic.html"), error=error), status


def _unhandled(error: Exception) -> tuple[str, int]:
    logger.exception("unhandled error", exc_info=error)
    return render_template("errors/500.html", error=InternalServerError()), 500


def init_app(app: Flask) -> None:
    """Register the error pages."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unhandled)
