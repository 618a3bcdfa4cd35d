"""The outbox against a real SMTP server (aiosmtpd, in process): invitations that arrive with a working link,
nothing written or sent twice, refusals and dropped connections recorded, reminders only to those who have not
submitted within the cap and gap, revoking, receipts and where they went, and a lost link asked for again."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from survey import mail_jobs
from survey.models import AuditEvent, Invitation, Job, OutboxMessage, ReminderPolicy, Response, utcnow
from survey.services import outbox, sending
from tests.staff_login import sign_in

LINK = re.compile(r"https?://[^/\s]+(/r/[A-Za-z0-9_-]+)")


def _round(factory, db, organisations: int = 3):
    """A round with organisations of two contacts each, with their responses (committed)."""
    rnd = factory.round()
    responses = [factory.response(rnd, factory.organisation()) for _ in range(organisations)]
    db.session.commit()
    return rnd, responses


def _statuses(db) -> dict[str, str]:
    """Each message's status by key, as committed."""
    db.session.rollback()
    return {m.key: m.status for m in db.session.scalars(select(OutboxMessage))}


def _invite(db, rnd) -> int:
    written = outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    return written


def test_invitations_arrive_once_with_a_link_that_opens_the_report_and_is_stored_nowhere(factory, db, smtp, client):
    rnd, responses = _round(factory, db)
    assert _invite(db, rnd) == 6
    assert outbox.invite_round(rnd.id, actor_id=None) == 0  # everyone is invited already: nothing written
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(
        f"p{i}.org{r.organisation_id}@trust.example" for r in responses for i in range(2)
    )
    first = smtp.inbox.to(f"p0.org{responses[0].organisation_id}@trust.example")[0]
    assert first["Subject"] == "Round 1: report Test Trust 1's progress on the pledge"
    assert first["X-Pledge-Outbox"] == f"{rnd.id}:{first_contact(db, responses[0])}:invitation:1"
    path = LINK.search(first.get_content()).group(1)
    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["location"].endswith(f"/respond/{responses[0].id}/start")
    token = path.removeprefix("/r/")
    stored = (
        db.session.scalars(select(OutboxMessage.body)).all() + db.session.scalars(select(Invitation.token_hash)).all()
    )
    assert all(token not in text for text in stored) and "[[link]]" in stored[0]  # the marker, never the token
    assert set(_statuses(db).values()) == {"sent"}


def first_contact(db, response: Response) -> int:
    """The id of the organisation's first contact."""
    return min(c.id for c in response.organisation.contacts)


def test_a_batch_run_again_sends_nothing_twice(factory, db, smtp):
    rnd, _ = _round(factory, db, organisations=2)
    outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    ids = list(db.session.scalars(select(OutboxMessage.id)))
    assert sending.send_messages(ids) == 4
    assert sending.send_messages(ids) == 0  # a retried or duplicated batch: every message is claimed already
    assert len(smtp.inbox.messages) == 4


def test_a_refused_recipient_is_recorded_and_shown_while_the_others_are_sent(factory, db, smtp, client, lead):
    rnd, responses = _round(factory, db, organisations=2)
    refused = f"p1.org{responses[0].organisation_id}@trust.example"
    smtp.inbox.refuse.add(refused)
    _invite(db, rnd)
    assert len(smtp.inbox.messages) == 3 and not smtp.inbox.to(refused)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == refused))
    assert (message.status, message.error) == ("refused", "550 5.1.1 No such mailbox here")
    assert db.session.scalar(select(Job.status).where(Job.kind == "mail")) == "finished"
    sign_in(client, *lead)
    page = client.get(f"/manage/rounds/{rnd.id}/mail?status=problems")
    assert "Refused by the mail server" in page.text and "550 5.1.1 No such mailbox here" in page.text
    assert refused in page.text and page.text.count("nhsuk-table__row") == 2  # the header and the one problem
    dashboard = client.get(f"/manage/rounds/{rnd.id}/dashboard")
    assert re.search(r'data-state="mail_failed">1<', dashboard.text)


def test_a_server_that_drops_the_connection_before_the_data_loses_nothing(factory, db, smtp):
    rnd, _ = _round(factory, db, organisations=1)
    smtp.inbox.mode = "drop_before_data"
    _invite(db, rnd)  # inline, every attempt is the last: the messages are marked failed, none lost silently
    assert smtp.inbox.messages == []
    job = db.session.scalar(select(Job).where(Job.kind == "mail"))
    assert job.status == "failed" and "MailDeferred" in job.error
    assert set(_statuses(db).values()) == {"failed"}


def test_a_server_that_drops_the_connection_after_the_data_is_never_sent_to_again(factory, db, smtp):
    rnd, _ = _round(factory, db, organisations=1)
    smtp.inbox.mode = "drop_after_data"
    outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    ids = list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    with pytest.raises(sending.MailDeferred):
        sending.send_messages(ids)
    smtp.inbox.mode = None
    assert sending.send_messages(ids) == 1  # the retry sends the second message only
    assert len(smtp.inbox.messages) == 2  # the first arrived once, though its sender never heard it was accepted
    statuses = list(_statuses(db).values())
    assert statuses == ["sending", "sent"]  # "sending": not confirmed, shown as such, never resent by itself


def test_a_busy_server_4xx_puts_the_message_back_in_the_queue(factory, db, smtp):
    rnd, _ = _round(factory, db, organisations=1)
    smtp.inbox.mode = "busy"
    outbox.invite_round(rnd.id, actor_id=None)
    db.session.commit()
    ids = list(db.session.scalars(select(OutboxMessage.id)))
    with pytest.raises(sending.MailDeferred, match="451 4.3.0 Try again later"):
        sending.send_messages(ids)
    assert list(_statuses(db).values()) == ["queued", "queued"]
    smtp.inbox.mode = None
    assert sending.send_messages(ids) == 2 and len(smtp.inbox.messages) == 2


def test_reminders_reach_only_those_who_have_not_submitted_within_the_cap_and_gap(factory, db, smtp):
    rnd, responses = _round(factory, db)
    _invite(db, rnd)
    responses[0].status, responses[0].submitted_at = "submitted", utcnow()
    factory.response(rnd, factory.organisation())  # not invited: not reminded either
    outbox.set_policy(rnd.id, [7, 2], max_per_contact=2, min_gap_days=3)
    db.session.commit()
    smtp.inbox.messages.clear()
    assert outbox.remind_unsubmitted(rnd.id, actor_type="user", actor_id=None) == 4
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    reminded = sorted(m["To"] for m in smtp.inbox.messages)
    assert reminded == sorted(f"p{i}.org{r.organisation_id}@trust.example" for r in responses[1:] for i in range(2))
    assert all(m["Subject"].startswith("Reminder:") and LINK.search(m.get_content()) for m in smtp.inbox.messages)
    # The same invitation link: the reminder repeats it rather than issuing another.
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 6
    assert outbox.remind_unsubmitted(rnd.id, actor_type="user", actor_id=None) == 0  # within the 3-day gap
    later = utcnow() + timedelta(days=4)
    assert outbox.remind_unsubmitted(rnd.id, actor_type="system", actor_id=None, now=later) == 4
    much_later = later + timedelta(days=4)
    assert outbox.remind_unsubmitted(rnd.id, actor_type="system", actor_id=None, now=much_later) == 0  # cap of 2
    events = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "mail.reminded")).all()
    assert [e["count"] for e in events] == [4, 0, 4, 0]


def test_revoking_stops_the_link_and_cancels_unsent_messages_and_resend_repeats_a_live_link(factory, db, smtp, client):
    rnd, responses = _round(factory, db, organisations=1)
    _invite(db, rnd)
    contact_id = first_contact(db, responses[0])
    first = LINK.search(smtp.inbox.messages[0].get_content()).group(1)
    outbox.resend(rnd.id, contact_id, actor_id=None)
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    assert LINK.search(smtp.inbox.messages[-1].get_content()).group(1) == first  # same link, sent again
    outbox.resend(rnd.id, contact_id, actor_id=None)
    assert outbox.revoke(rnd.id, contact_id, actor_id=None) == 1
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    assert len(smtp.inbox.messages) == 3  # the queued resend was cancelled, not sent
    assert client.get(first).status_code == 410
    assert outbox.remind_unsubmitted(rnd.id, actor_type="user", actor_id=None) == 1  # the other contact only
    db.session.rollback()
    fresh = outbox.resend(rnd.id, contact_id, actor_id=None)  # a revoked link is replaced by a new one
    db.session.commit()
    mail_jobs.send_round(rnd.id)
    assert (
        fresh.sequence == 4
        and client.get(LINK.search(smtp.inbox.messages[-1].get_content()).group(1)).status_code == 302
    )


def test_a_closed_round_sends_nothing(factory, db, smtp):
    rnd = factory.round(closed=True)
    factory.response(rnd, factory.organisation())
    db.session.commit()
    with pytest.raises(outbox.MailError, match="Round 1 is closed"):
        outbox.invite_round(rnd.id, actor_id=None)
    with pytest.raises(outbox.MailError, match="is closed"):
        outbox.remind_unsubmitted(rnd.id, actor_type="user", actor_id=None)


def test_a_lost_link_is_sent_to_a_known_address_only_with_the_same_answer_and_a_limit(factory, db, smtp, client):
    rnd, responses = _round(factory, db, organisations=1)
    known = f"p1.org{responses[0].organisation_id}@trust.example"
    client.get("/lost-link")
    answers = [client.post("/lost-link", {"email": e}) for e in (known.upper(), "nobody@trust.example")]
    assert [a.headers["location"] for a in answers] == ["/lost-link/sent", "/lost-link/sent"]
    assert [m["To"] for m in smtp.inbox.messages] == [known]
    assert client.get(LINK.search(smtp.inbox.messages[0].get_content()).group(1)).status_code == 302
    client.post("/lost-link", {"email": known})  # within ten minutes of the last: nothing more
    assert len(smtp.inbox.messages) == 1
    client.get("/lost-link")  # opening the link began a new session (and CSRF token)
    wrong = client.post("/lost-link", {"email": "not an address"})
    assert wrong.status_code == 200 and "Enter an email address in the correct format" in wrong.text


def test_a_bounce_report_marks_its_message_bounced_and_the_page_shows_it(factory, db, smtp, app, client, lead):
    rnd, _ = _round(factory, db, organisations=1)
    _invite(db, rnd)
    sent = smtp.inbox.messages[0]
    headers = "".join(f"{k}: {v}\r\n" for k, v in sent.items())
    report = (  # a delivery status notification as a mail server sends one (RFC 3464)
        "From: MAILER-DAEMON@mx.trust.example\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.trust.example\r\n\r\n"
        "Final-Recipient: rfc822; someone@trust.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--B--\r\n"
    ).encode()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail", "bounce"], input=report)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{sent['To']}: bounced (5.1.1 smtp; 550 5.1.1 User unknown)"
    assert _statuses(db)[sent["X-Pledge-Outbox"]] == "bounced"
    junk = runner.invoke(args=["mail", "bounce"], input=b"Subject: hello\n\nnot a report")
    assert junk.exit_code == 1 and "not a delivery status notification" in junk.output
    sign_in(client, *lead)
    assert "550 5.1.1 User unknown" in client.get(f"/manage/rounds/{rnd.id}/mail?status=bounced").text


def test_the_start_page_asks_for_a_lost_link_and_too_many_requests_are_refused(factory, db, smtp, client, app):
    rnd, responses = _round(factory, db, organisations=1)
    known = f"p0.org{responses[0].organisation_id}@trust.example"
    limiter = app.extensions.get("link_limiter")
    if limiter is not None:
        limiter.storage.reset()  # other tests asked from this address too
    home = client.get("/")
    assert 'action="/lost-link"' in home.text and "Send me a link" in home.text
    assert client.post("/lost-link", {"email": known}).headers["location"] == "/lost-link/sent"
    assert [m["To"] for m in smtp.inbox.messages] == [known]
    replies = [client.post("/lost-link", {"email": f"n{i}@trust.example"}).status_code for i in range(10)]
    assert replies == [302] * 9 + [429]  # ten an hour from one network address
    client.get("/lost-link")
    refused = client.post("/lost-link", {"email": known})
    assert refused.status_code == 429 and "Too many requests from your network" in refused.text
    app.extensions["link_limiter"].storage.reset()


def test_the_reminder_policy_is_saved_whole_or_not_at_all(factory, db, client, lead):
    rnd, _ = _round(factory, db, organisations=1)
    sign_in(client, *lead)
    url = f"/manage/rounds/{rnd.id}/mail"
    client.get(url)
    bad = client.post(f"{url}/policy", {"days_before": "7, soon", "max_per_contact": "2", "min_gap_days": "0"})
    assert bad.status_code == 200 and "There is a problem" in bad.text
    assert "Enter days before the deadline as whole numbers from 1 to 120 separated by commas" in bad.text
    assert "Enter the fewest days between two reminders, from 1 to 60" in bad.text
    assert "at most 3 reminder(s), at least 3 day(s) apart" in bad.text  # the saved (default) policy, unchanged
    assert db.session.get(ReminderPolicy, rnd.id) is None
    good = client.post(f"{url}/policy", {"days_before": "2, 14,7", "max_per_contact": "2", "min_gap_days": "5"})
    assert good.status_code == 302
    page = client.get(url).text
    assert "Automatic reminders are not scheduled: the job queue is not set up" in page  # no Redis here
    assert "at most 2 reminder(s), at least 5 day(s) apart" in page and 'value="14, 7, 2"' in page
    db.session.rollback()
    assert db.session.get(ReminderPolicy, rnd.id).days_before == [14, 7, 2]
