"""CLI group `flask --app survey mail ...`: record a bounce from a delivery status notification, send what waits."""

from __future__ import annotations

import email
import email.policy
import sys
from email.message import Message

import click
from flask import Flask
from flask.cli import AppGroup

from survey import mail_jobs
from survey.extensions import db
from survey.services import outbox

mail_cli = AppGroup("mail", help="E-mail to respondents.")


def bounce_of(raw: bytes) -> tuple[str, str] | None:
    """The Message-ID a delivery status notification (RFC 3464) returns, and why: None when it is not one."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    message_id, reason = None, ""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if isinstance(block, Message):
                    reason = reason or " ".join(
                        v for k in ("Status", "Diagnostic-Code") if (v := str(block.get(k, "")).strip())
                    )
        elif kind in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) else email.message_from_string(str(payload))
            message_id = message_id or returned.get("Message-ID")
    return (message_id.strip(), reason or "Returned undeliverable.") if message_id else None


@mail_cli.command("bounce")
def bounce_command() -> None:
    """Read a delivery status notification on standard input and mark the message it returns bounced."""
    found = bounce_of(sys.stdin.buffer.read())
    if found is None:
        raise click.ClickException("That is not a delivery status notification naming a message (no Message-ID).")
    message = outbox.record_bounce(*found)
    if message is None:
        raise click.ClickException(f"No message in the outbox has the Message-ID {found[0]}.")
    db.session.commit()
    click.echo(f"{message.to_address}: bounced ({found[1]})")


@mail_cli.command("send")
@click.argument("round_id", type=int)
def send_command(round_id: int) -> None:
    """Queue the sending of a round's waiting messages (inline without Redis)."""
    queued = mail_jobs.send_round(round_id)
    click.echo("queued" if queued else "Redis is unreachable: the messages wait for the worker's sweep")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(mail_cli)
