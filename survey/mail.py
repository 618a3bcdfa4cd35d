"""Staff e-mail sent at once (password resets, new accounts) over `survey/mailer.py`'s SMTP connection, with the
MAIL_* settings; respondents' mail goes through the outbox (`survey/services/outbox.py`) instead."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from survey import mailer

logger = logging.getLogger(__name__)


class MailError(RuntimeError):
    """A message could not be handed to the SMTP server; str() says why."""


def send_message(to: str, subject: str, body: str) -> str:
    """Send one plain-text message now; returns its Message-ID, raises MailError when it could not be sent."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailError("no mail server is configured (set MAIL_SERVER)")
    sender = config["MAIL_SENDER"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    settings = mailer.SmtpSettings(config["MAIL_SERVER"], config["MAIL_PORT"], bool(config.get("MAIL_USE_TLS")))
    try:
        with mailer.connect(settings) as connection:
            delivery = connection.send(message, sender, to)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the mail server did not take the message: {exc}") from exc
    if delivery.outcome != mailer.Outcome.SENT:
        raise MailError(f"the mail server did not take the message: {delivery.detail}")
    logger.info("mail sent to %s: %s", to, subject)
    return message["Message-ID"]
