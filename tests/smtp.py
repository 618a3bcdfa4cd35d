"""A real SMTP server in the test process (aiosmtpd) that keeps what it receives, for the mail tests."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Inbox:
    """An aiosmtpd handler keeping every message it accepts, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd's name)
        """Keep the message and accept it."""
        raw = envelope.content  # type: ignore[attr-defined]
        self.messages.append(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to `address`."""
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp(app: Flask) -> Iterator[Inbox]:
    """The app's MAIL_SERVER pointed at a real SMTP server on a free loopback port for one test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        controller.stop()
