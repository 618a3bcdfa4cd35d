"""A real SMTP server in the test process (aiosmtpd) that keeps what it receives, and can refuse recipients,
refuse for a while (4xx), or drop the connection before or after the data."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: what arrived, and how to misbehave (`refuse`: addresses answered 550; `mode`: None,
    "drop_before_data" (the connection closes at MAIL), "drop_after_data" (closes once the data arrived, before
    answering), "busy" (451 to every message))."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # each message's bytes as they came over the wire
        self.refuse: set[str] = set()
        self.refuse_all = False
        self.refused: list[str] = []
        self.mode: str | None = None

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.mode == "drop_before_data":
            server.transport.close()
            return "421 closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse_all or address in self.refuse:
            self.refused.append(address)
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mode == "busy":
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.raw.append(envelope.original_content)
        self.messages.append(message)  # type: ignore[arg-type]
        if self.mode == "drop_after_data":
            server.transport.close()
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages that arrived for one address."""
        return [m for m in self.messages if m["To"] == address]


class SmtpServer:
    """A running aiosmtpd server on a loopback port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        """Start listening (again)."""
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived."""
        return self.inbox.messages

    @property
    def refused(self) -> list[str]:
        """The recipients refused."""
        return self.inbox.refused

    def to(self, address: str) -> list[EmailMessage]:
        """The messages that arrived for one address."""
        return self.inbox.to(address)

    def stop(self) -> None:
        """Stop listening: connections are refused."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _serve(app: Flask, *, refuse_all: bool = False) -> Iterator[SmtpServer]:
    """A started SMTP server, and the app's MAIL_* settings pointing at it for one test."""
    server = SmtpServer(free_port())
    server.inbox.refuse_all = refuse_all
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    app.config.update(MAIL_SERVER=None, MAIL_PORT=25)


@pytest.fixture()
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A started SMTP server, and the app's MAIL_* settings pointing at it for one test."""
    yield from _serve(app)


@pytest.fixture()
def smtp_refusing(app: Flask) -> Iterator[SmtpServer]:
    """A started SMTP server that refuses every recipient, as a server with no such mailbox does."""
    yield from _serve(app, refuse_all=True)
