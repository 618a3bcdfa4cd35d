"""The SMTP layer against a real server: what goes over the wire is what RFC 5321 allows."""

from __future__ import annotations

from email.message import EmailMessage

from survey import mailer
from tests.survey.mail_server import SmtpServer, free_port

NAME = "Zakład Opieki Zdrowotnej w Łodzi – Śląskie Centrum Zdrowia Psychicznego dla Dzieci i Młodzieży " * 3


def test_a_long_message_goes_with_crlf_line_ends_and_short_lines() -> None:
    server = SmtpServer(free_port())
    server.start()
    try:
        message = EmailMessage()
        message["From"] = "pledge@example.org"
        message["To"] = "director@trust.example"
        message["Subject"] = f"Invitation to report: {NAME}"
        body = f"Dear colleague at {NAME},\n\n" + "Our actions this year were many. " * 120 + "\n\nThank you.\n"
        message.set_content(body)
        with mailer.connect(mailer.SmtpSettings("127.0.0.1", server.port)) as connection:
            delivery = connection.send(message, "pledge@example.org", "director@trust.example")
    finally:
        server.stop()
    assert delivery.outcome == mailer.Outcome.SENT, delivery.detail
    (raw,) = server.inbox.raw
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF went over the wire"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    (received,) = server.messages
    assert received["Subject"] == f"Invitation to report: {NAME}"
    assert received.get_content().replace("\r\n", "\n") == body
