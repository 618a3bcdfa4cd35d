"""Submitting sends a receipt with the reference to the submitter and the organisation's other contacts (a real
SMTP server), and the confirmation page says where it went; a refused address is said to be undelivered."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import OutboxMessage
from tests.answers import submit_report


def test_submitting_sends_the_receipt_to_every_contact_and_the_confirmation_page_says_where(client, factory, db, smtp):
    rnd = factory.round()
    db.session.commit()
    smtp.inbox.refuse.add("p1.org1@trust.example")
    resp = submit_report(client, factory, rnd)
    db.session.rollback()
    receipt = smtp.inbox.to("p0.org1@trust.example")
    assert len(receipt) == 1 and len(smtp.inbox.messages) == 1  # the other contact's address was refused
    assert receipt[0]["Subject"] == f"Receipt: Test Trust 1's progress report, reference {resp.reference}"
    body = receipt[0].get_content()
    assert f"Your reference number is {resp.reference}." in body and f"/respond/{resp.id}/report" in body
    page = client.get(f"/respond/{resp.id}/confirmation").text
    assert "We are sending a receipt with your reference number to:" in page
    assert "p0.org1@trust.example (you)" in page
    assert "p1.org1@trust.example: <strong>this e-mail could not be delivered</strong>" in page
    keys = db.session.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)).all()
    assert [k.split(":")[2] for k in keys] == ["receipt", "receipt"]
    assert client.get(f"/respond/{resp.id}/confirmation").status_code == 200  # reading it again sends nothing
    assert len(smtp.inbox.messages) == 1
