"""Sending e-mail over SMTP with the MAIL_* settings: one function, so every message can later go through the
outbox instead."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20


class MailError(RuntimeError):
    """A message could not be handed to the SMTP server; str() says why."""


def send_message(to: str, subject: str, body: str) -> str:
    """Send one plain-text message now; returns its Message-ID, raises MailError when it could not be sent."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailError("no mail server is configured (set MAIL_SERVER)")
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_SENDER"].rpartition("@")[2] or None)
    message.set_content(body)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=TIMEOUT_SECONDS) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the mail server did not take the message: {exc}") from exc
    logger.info("mail sent to %s: %s", to, subject)
    return message["Message-ID"]
