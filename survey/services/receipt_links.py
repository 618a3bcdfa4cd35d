"""The receipt's link to the submitted report as a PDF: signed with the app's secret, good for that submission
only (a re-opened and re-submitted report gets a new receipt and a new link) and for 90 days, and opened without a
respondent session, as a colleague who received the receipt but never opened an invitation would open it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from survey.extensions import db
from survey.models import Response
from survey.models.states import ResponseStatus

MARKER = "[[report-pdf]]"  # in a receipt's stored body: the link is made when the message is sent, never stored
MAX_AGE_DAYS = 90
_SALT = "receipt-report-pdf"


class ReceiptLinkError(ValueError):
    """Why a receipt's link opens nothing: "invalid", "expired" or "superseded" (the report was re-opened)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def url(response_id: int, submitted_stamp: int) -> str:
    """The absolute link to a submission's report PDF (`submitted_stamp`: its submission time, in whole seconds)."""
    token = _serializer().dumps([response_id, submitted_stamp])
    return f"{current_app.config.get('BASE_URL', '')}/respond/receipt/{token}/report.pdf"


@dataclass(frozen=True)
class Opened:
    """The submitted report a receipt's link opens."""

    response: Response


def open_link(token: str) -> Opened:
    """The submitted report a receipt's token stands for, or ReceiptLinkError saying why not."""
    try:
        response_id, stamp = _serializer().loads(token, max_age=MAX_AGE_DAYS * 86400)
    except SignatureExpired as exc:
        raise ReceiptLinkError("expired") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ReceiptLinkError("invalid") from exc
    response = db.session.get(Response, response_id) if isinstance(response_id, int) else None
    if response is None:
        raise ReceiptLinkError("invalid")
    current = response.submitted_at is not None and int(response.submitted_at.timestamp()) == stamp
    if response.status != ResponseStatus.SUBMITTED or not current:
        raise ReceiptLinkError("superseded")
    return Opened(response)
