"""SMTP plumbing: one connection for a batch of messages, each sent step by step so that what went wrong says
whether the message may have been delivered. Knows nothing of the outbox table (`survey/services/outbox.py`)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from enum import StrEnum

TIMEOUT = 20


class Outcome(StrEnum):
    """What became of one message at the SMTP server."""

    SENT = "sent"  # accepted (250 after the data)
    REFUSED = "refused"  # refused for good (5xx): retrying would be refused again
    RETRY = "retry"  # not delivered, and worth another try later (4xx, connection lost before the data ended)
    UNKNOWN = "unknown"  # the connection was lost after the data was sent: it may have been delivered


@dataclass(frozen=True)
class Delivery:
    """One message's outcome and the server's words."""

    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class SmtpSettings:
    """Where to send: the app's MAIL_* settings."""

    host: str
    port: int
    use_tls: bool = False


class Connection:
    """An open SMTP session that sends messages one at a time."""

    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> Delivery:
        """Send one message: MAIL, RCPT and DATA apart, so a refusal and a lost connection are told apart."""
        try:
            code, reply = self.smtp.mail(sender)
            if code != 250:
                return _refusal(code, reply)
            code, reply = self.smtp.rcpt(recipient)
            if code not in (250, 251):
                self.smtp.rset()
                return _refusal(code, reply)
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery(Outcome.RETRY, f"{type(exc).__name__}: {exc}")
        try:
            code, reply = self.smtp.data(message.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPDataError as exc:
            return _refusal(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPException, OSError) as exc:
            # The data may have reached the server before the connection dropped: never send it again by itself.
            return Delivery(Outcome.UNKNOWN, f"{type(exc).__name__}: {exc}")
        if code != 250:
            return _refusal(code, reply)
        return Delivery(Outcome.SENT, f"{code} {reply.decode(errors='replace')}")


def _refusal(code: int, reply: bytes | str) -> Delivery:
    """A 5xx reply is final, anything else is worth another try."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return Delivery(Outcome.REFUSED if 500 <= code < 600 else Outcome.RETRY, f"{code} {text}")


@contextmanager
def connect(settings: SmtpSettings) -> Iterator[Connection]:
    """An SMTP connection for the block (STARTTLS when asked); connection errors propagate (nothing was sent)."""
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT)
    try:
        smtp.ehlo_or_helo_if_needed()
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        yield Connection(smtp)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
