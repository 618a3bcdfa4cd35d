"""The lead runs a round: create (from the previous round), settings, late reports, close (links stop), re-open a
submitted report with a reason, respondents' requests in the lead's list; organisations added, edited, archived;
the audit log page, filtered and exported."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from redis import Redis
from rq.job import Job as RqJob
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from survey import mail_jobs
from survey.models import AuditEvent, Organisation, OutboxMessage, ReopenRequest, Response, Round, utcnow
from survey.services import outbox, responses
from tests.staff_login import sign_in


def text_of(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def round_form(name: str, **extra: str) -> dict[str, str]:
    today = date.today()
    return {
        "name": name, "opens_on": today.isoformat(), "deadline": (today + timedelta(days=30)).isoformat(),
        "allow_late": "yes", "contact_name": "Pledge team", "contact_email": "team@pledge.example",
        "privacy_notice": "We keep reports for five years.", **extra,
    }  # fmt: skip


def test_a_round_is_created_from_the_previous_one_with_its_organisations(client, lead, factory, db):
    first = factory.round(1, closed=True)
    kept, archived = factory.organisation("Kept Trust"), factory.organisation("Archived Trust")
    factory.organisation("Newcomer Trust")  # not in the first round: not carried over
    for org in (kept, archived):
        factory.response(first, org)
    archived.archived_at = utcnow()
    db.session.commit()
    sign_in(client, *lead)
    client.get("/manage/rounds/new")
    chosen = {"previous_round_id": str(first.id), "questionnaire_version_id": str(factory.questionnaire.id)}
    bad = client.post("/manage/rounds/new", round_form("Round 2", deadline="2000-01-01", **chosen))
    assert bad.status_code == 400 and "The deadline must be on or after the opening date" in bad.text
    r = client.post("/manage/rounds/new", round_form("Round 2", **chosen))
    assert r.status_code == 302
    db.session.rollback()
    new = db.session.scalar(select(Round).where(Round.name == "Round 2"))
    assert new.number == 2 and new.previous_round_id == first.id and new.contact_email == "team@pledge.example"
    orgs = db.session.scalars(select(Organisation.name).join(Response).where(Response.round_id == new.id)).all()
    assert orgs == ["Kept Trust"]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_type == "round")) == "round.created"


def test_closing_a_round_stops_its_invitation_links_and_late_reports_follow_the_setting(
    client, browser_factory, lead, factory, db
):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    link = factory.invite(resp)
    sign_in(client, *lead)
    client.get(f"/manage/rounds/{rnd.id}/settings")
    client.post(f"/manage/rounds/{rnd.id}/close", {})
    closed = browser_factory().get(link)
    assert closed.status_code == 410 and "This reporting round has closed" in closed.text
    client.get(f"/manage/rounds/{rnd.id}/settings")
    client.post(f"/manage/rounds/{rnd.id}/close", {})  # open again
    assert browser_factory().get(link).status_code == 302
    past = round_form("Round 1", deadline=(date.today() - timedelta(days=1)).isoformat(),
                      opens_on=(date.today() - timedelta(days=40)).isoformat(), allow_late="no")  # fmt: skip
    client.get(f"/manage/rounds/{rnd.id}/settings")
    assert client.post(f"/manage/rounds/{rnd.id}/settings", past).status_code == 302
    db.session.rollback()
    assert db.session.get(Round, rnd.id).is_open is False
    respondent = browser_factory()
    respondent.get(link)
    assert respondent.get(f"/respond/{resp.id}/sections/commitment-1").status_code == 302  # no form to fill
    respondent.get(f"/respond/{resp.id}/")  # a CSRF token: a save sent anyway is refused
    saved = respondent.post(f"/respond/{resp.id}/sections/commitment-1", {"action": "later", "actions": "Late words"})
    assert "The deadline has passed" in saved.text and "late reports are not accepted" in text_of(saved)
    assert db.session.scalar(select(Response.last_activity_at).where(Response.id == resp.id)) is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "round")).all()
    assert actions == ["round.closed", "round.reopened", "round.changed"]


def test_a_submitted_report_is_reopened_with_a_reason_from_the_request_list(client, lead, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation("Fenbridge Trust"))
    resp.status, resp.submitted_at = "submitted", utcnow()
    db.session.flush()
    responses.request_reopen(resp, resp.organisation.contacts[0].id, "We reported the wrong year's figures.")
    db.session.commit()
    sign_in(client, *lead)
    listed = client.get("/manage/reopen-requests")
    assert "Fenbridge Trust" in listed.text and "the wrong year" in listed.text
    page = client.get(f"/manage/responses/{resp.id}/reopen")
    assert "the wrong year" in page.text
    empty = client.post(f"/manage/responses/{resp.id}/reopen", {"reason": "  "})
    assert empty.status_code == 400 and "Enter the reason for re-opening the report" in empty.text
    done = client.post(f"/manage/responses/{resp.id}/reopen", {"reason": "Figures were for 2024, not 2025."})
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(Response, resp.id).status == "reopened"
    assert db.session.scalar(select(ReopenRequest.resolved_at)) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.reopened"))
    assert event.summary == "Figures were for 2024, not 2025." and event.actor_type == "user"
    assert "No requests are waiting" in client.get("/manage/reopen-requests").text


def test_organisations_are_added_edited_archived_with_their_contacts(client, lead, factory, db):
    db.session.commit()
    sign_in(client, *lead)
    client.get("/manage/organisations/new")
    bad = client.post("/manage/organisations/new", {"name": "=cmd()", "kind": "council"})
    assert bad.status_code == 400 and "which a spreadsheet runs as a formula" in text_of(bad)
    r = client.post("/manage/organisations/new", {"name": "Ashcombe  Council", "kind": "council", "region": "Kent"})
    org_id = int(r.headers["location"].rsplit("/", 1)[1])
    client.get("/manage/organisations/new")
    twin = client.post("/manage/organisations/new", {"name": "ashcombe council", "kind": "council"})
    assert "There is already an organisation called" in text_of(twin)
    client.get(f"/manage/organisations/{org_id}")
    bad_mail = client.post(f"/manage/organisations/{org_id}", {"name": "Ada", "email": "ada@"})
    assert bad_mail.status_code == 400 and "is not a valid e-mail address" in text_of(bad_mail)
    assert (
        client.post(
            f"/manage/organisations/{org_id}", {"name": "Ada", "role": "Chair", "email": "ada@ash.example"}
        ).status_code
        == 302
    )
    page = client.get(f"/manage/organisations/{org_id}")
    assert "ada@ash.example" in page.text and "Ashcombe Council" in page.text
    archived = client.post(f"/manage/organisations/{org_id}/archive", {})
    assert "Ashcombe Council is archived" in client.get(archived.headers["location"]).text
    assert "Ashcombe Council" not in client.get("/manage/organisations").text
    assert "Ashcombe Council" in client.get("/manage/organisations?archived=1").text
    assert "Ashcombe Council" in client.get("/manage/organisations?archived=1&q=ada%40ash").text


def test_the_audit_log_shows_filters_and_exports_who_did_what(client, browser_factory, lead, db):
    sign_in(browser_factory(), lead[0], "a wrong password here")
    sign_in(client, *lead)
    page = client.get("/manage/audit?action=user.sign_in_failed")
    assert page.status_code == 200 and "user.sign_in_failed" in page.text and "user.signed_in" not in page.text
    everyone = client.get("/manage/audit?actor=pat")
    assert "user.signed_in" in everyone.text and "Pat Lead" in everyone.text
    bad = client.get("/manage/audit?since=31-12-2026")
    assert bad.status_code == 400 and "From: enter a real date" in bad.text
    exported = client.get("/manage/audit.csv?action=user.")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert {r["action"] for r in rows} >= {"user.sign_in_failed", "user.signed_in", "user.created"}
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "export.audit_log"
    assert client.get("/manage/audit?until=2000-01-01").text.count('<tr class="nhsuk-table__row">') == 0


@pytest.mark.postgresql  # the append-only trigger is PostgreSQL's; on SQLite audit.record is the one writer
def test_the_database_refuses_to_change_or_delete_an_audit_event_on_postgresql(lead, db):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DatabaseError

    assert db.engine.dialect.name == "postgresql"
    for statement in (update(AuditEvent).values(summary="rewritten"), delete(AuditEvent)):
        with pytest.raises(DatabaseError, match="audit events are append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "user.created"


def test_closing_holds_unsent_invitations_back_and_opening_again_sends_them_once(client, lead, factory, db, smtp):
    rnd = factory.round()
    for _ in range(2):
        factory.response(rnd, factory.organisation())
    db.session.commit()
    assert outbox.invite_round(rnd.id, actor_id=None) == 4  # written, not yet sent
    db.session.commit()
    contact = db.session.scalar(select(OutboxMessage.contact_id).order_by(OutboxMessage.id))
    outbox.revoke(rnd.id, contact, actor_id=None)  # cancelled for another reason: stays cancelled
    db.session.commit()
    sign_in(client, *lead)
    client.get(f"/manage/rounds/{rnd.id}/settings")
    closed = client.post(f"/manage/rounds/{rnd.id}/close", {})
    assert closed.status_code == 302
    assert "3 unsent e-mail(s) are held back" in text_of(client.get(f"/manage/rounds/{rnd.id}/settings"))
    db.session.rollback()
    errors = db.session.scalars(select(OutboxMessage.error).order_by(OutboxMessage.id)).all()
    assert errors == ["The link was revoked before this message was sent."] + [outbox.CLOSED_REASON] * 3
    mail_jobs.send_round(rnd.id)
    assert smtp.inbox.messages == []  # nothing goes out of a closed round
    client.post(f"/manage/rounds/{rnd.id}/close", {})  # open again
    assert "3 held-back e-mail(s) are sent" in text_of(client.get(f"/manage/rounds/{rnd.id}/settings"))
    db.session.rollback()
    statuses = db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
    assert statuses == ["cancelled", "sent", "sent", "sent"] and len(smtp.inbox.messages) == 3
    client.post(f"/manage/rounds/{rnd.id}/close", {})
    client.get(f"/manage/rounds/{rnd.id}/settings")
    client.post(f"/manage/rounds/{rnd.id}/close", {})  # closed and opened again: nothing left to send twice
    mail_jobs.send_round(rnd.id)
    assert len(smtp.inbox.messages) == 3


def test_moving_the_deadline_moves_the_scheduled_reminders_and_a_stale_one_sends_nothing(
    client, lead, factory, db, smtp, redis_url
):
    rnd = factory.round()
    factory.response(rnd, factory.organisation())
    db.session.commit()
    outbox.invite_round(rnd.id, actor_id=None)
    outbox.set_policy(rnd.id, [3], max_per_contact=2, min_gap_days=0)
    db.session.commit()
    old = rnd.deadline
    assert list(mail_jobs.schedule_reminders(rnd.id)) == [3]
    conn = Redis.from_url(redis_url)
    scheduled = ScheduledJobRegistry("default", connection=conn)
    (job_id,) = scheduled.get_job_ids()
    assert RqJob.fetch(job_id, connection=conn).args == (rnd.id, old.isoformat())
    sign_in(client, *lead)
    client.get(f"/manage/rounds/{rnd.id}/settings")
    new = old + timedelta(days=7)
    opens = rnd.opens_on.isoformat()
    moved = client.post(
        f"/manage/rounds/{rnd.id}/settings", round_form(rnd.name, opens_on=opens, deadline=new.isoformat())
    )
    assert moved.status_code == 302
    assert "Its automatic reminders move with the deadline" in text_of(client.get(f"/manage/rounds/{rnd.id}/settings"))
    (job_id,) = scheduled.get_job_ids()
    assert RqJob.fetch(job_id, connection=conn).args == (rnd.id, new.isoformat())
    when = datetime.fromtimestamp(scheduled.get_scheduled_time(job_id).timestamp(), UTC)
    assert when.astimezone(mail_jobs.UK).date() == new - timedelta(days=3)
    db.session.rollback()
    assert mail_jobs.due_reminders(rnd.id, old.isoformat()) == 0  # a job that outlived its deadline: nothing
    assert db.session.scalar(select(func.count()).where(OutboxMessage.kind == "reminder")) == 0
    assert mail_jobs.due_reminders(rnd.id, new.isoformat()) == 2
    client.get(f"/manage/rounds/{rnd.id}/settings")
    client.post(f"/manage/rounds/{rnd.id}/close", {})
    assert scheduled.get_job_ids() == []  # a closed round has no reminders to come
    conn.close()
