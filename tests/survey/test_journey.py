"""The respondent's journey over real HTTP: invitation link, task list, sections, check answers, submit."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Answer, AnswerRevision, Response
from tests.answers import fill_in_report


def test_invitation_opens_start_page_then_task_list(client, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Trust"))
    link = factory.invite(resp)
    r = client.get(link)
    assert r.status_code == 302
    assert r.headers["location"] == f"/respond/{resp.id}/start"  # the start page first (issue 14, item 6)
    assert r.headers["Referrer-Policy"] == "no-referrer"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get(f"/respond/{resp.id}/")
    assert page.status_code == 200
    assert "Northmoor NHS Trust" in page.text
    assert "Commitment 7" in page.text
    assert "nonce-" in page.headers["Content-Security-Policy"]


def test_whole_journey_submits_with_reference(client, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    fill_in_report(client, resp.id)
    page = client.get(f"/respond/{resp.id}/check")
    assert "Sections still to complete" not in page.text
    r = client.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": "Ada Obi"})
    assert r.status_code == 302 and r.headers["location"].endswith("/confirmation")
    done = client.get(r.headers["location"])
    db.session.expire_all()
    row = db.session.get(Response, resp.id)
    assert row.status == "submitted" and row.declaration_name == "Ada Obi"
    assert row.reference in done.text
    counts = db.session.get(Response, resp.id)
    table = db.session.scalar(
        select(Answer).where(Answer.response_id == counts.id, Answer.field_key == "c2.ethnicity_counts")
    )
    assert table.value == {
        "black": {"detentions": 40, "population": 20000},
        "white": {"detentions": 60, "population": 150000},
    }
    # After submission the report is read-only.
    again = client.get(f"/respond/{resp.id}/sections/about")
    assert again.status_code == 302 and again.headers["location"].endswith("/report")
    assert db.session.scalar(select(AnswerRevision).limit(1)) is not None
