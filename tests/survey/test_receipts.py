"""Submitting sends a receipt with the reference to the submitter and the organisation's other contacts (a real
SMTP server), and the confirmation page says where it went; a refused address is said to be undelivered."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from pypdf import PdfReader
from sqlalchemy import select

from survey.models import OutboxMessage, Response
from survey.services import receipt_links, round_admin
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


def test_the_receipt_links_the_report_pdf_for_that_submission_only(client, browser_factory, factory, db, smtp):
    rnd = factory.round()
    db.session.commit()
    resp = submit_report(client, factory, rnd)
    db.session.rollback()
    body = smtp.inbox.to("p0.org1@trust.example")[0].get_content()
    (link,) = re.findall(r"(http\S+/respond/receipt/\S+/report\.pdf)", body)
    stored = db.session.scalars(select(OutboxMessage.body)).all()
    assert all(receipt_links.MARKER in b and "/respond/receipt/" not in b for b in stored)  # made at sending only
    colleague = browser_factory()  # a contact who never opened an invitation: no respondent session
    path = urlsplit(link).path
    pdf = colleague.get(path)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert resp.reference in text and "Test Trust 1" in text
    broken = colleague.get(path.replace("/report.pdf", "x/report.pdf"))
    assert broken.status_code == 404 and "This link does not work" in broken.text
    round_admin.reopen_response(db.session.get(Response, resp.id), "A figure was wrong", actor_id=None)
    db.session.commit()
    gone = colleague.get(path)
    assert gone.status_code == 410 and "re-opened after this receipt" in gone.text
