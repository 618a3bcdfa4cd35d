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
    """An aiosmtpd handler keeping every message it accepts, parsed; `refuse` makes it refuse every recipient."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = refuse
        self.refused: list[str] = []

    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, options: list[str]
    ) -> str:  # noqa: N802,E501
        """Take the recipient, or refuse it as a server with no such mailbox does."""
        if self.refuse:
            self.refused.append(address)
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

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
    yield from _serve(app, Inbox())


@pytest.fixture()
def smtp_refusing(app: Flask) -> Iterator[Inbox]:
    """The app's MAIL_SERVER pointed at a real SMTP server that refuses every recipient."""
    yield from _serve(app, Inbox(refuse=True))


def _serve(app: Flask, inbox: Inbox) -> Iterator[Inbox]:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield inbox
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        controller.stop()
