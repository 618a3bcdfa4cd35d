"""Seeding the demo: the pledge, 33 fictional signatories, a closed previous round and an open current round.

Running it again changes nothing: every row is found by its natural key, and invitation tokens are derived from
SECRET_KEY so the printed links stay the same.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from survey.demo import content
from survey.extensions import db
from survey.models import Contact, Invitation, Organisation, Pledge, Response, Round, utcnow
from survey.questionnaire import Question
from survey.services import pledges, responses, rounds
from survey.services.access import token_hash

ROUNDS = (
    (1, "Round 1, spring 2026", date(2026, 3, 1), date(2026, 4, 30), True),
    (2, "Round 2, autumn 2026", date(2026, 10, 1), date(2026, 12, 18), False),
)
CURRENT_SUBMITTED = 14
CURRENT_DRAFTS = 11
PREVIOUS_MISSING = 5  # organisations that did not report in round 1 ("28 of 33")
# The round settings respondents see: the pledge team contact and the round's privacy notice (the lead's own words).
ROUND_SETTINGS = {
    "contact_name": "Joy Adebayo",
    "contact_email": "pledge-team@pledge.example",
    "privacy_notice": (
        "The pledge team keeps the name, role and email address of each person invited to report, every version "
        "of your organisation's answers, and a record of who saved each answer and when.\n\n"
        "Your colleagues with their own links can see your report while it is being written. Once it is "
        "submitted, the pledge lead and two reviewers read it to code its themes. It is published, and quoted, "
        "only as you chose in the publication section.\n\n"
        "Reports are kept for 6 years after the round closes so that rounds can be compared; contact details "
        "for 2 years after the last round a person was invited to. To see, correct or delete what we hold "
        "about you, email pledge-team@pledge.example."
    ),
}


def _organisations(pledge: Pledge) -> list[Organisation]:
    existing = {o.name: o for o in db.session.scalars(select(Organisation).where(Organisation.pledge_id == pledge.id))}
    orgs = []
    for demo in content.ORGANISATIONS:
        org = existing.get(demo.name)
        if org is None:
            org = Organisation(pledge_id=pledge.id, name=demo.name, kind=demo.kind, region=demo.region)
            db.session.add(org)
            db.session.flush()
            for c in demo.contacts:
                db.session.add(Contact(organisation_id=org.id, name=c.name, role=c.role, email=c.email))
        orgs.append(org)
    db.session.flush()
    return orgs


def _value(rng: random.Random, q: Question, demo: content.DemoOrganisation, round_number: int) -> Any:
    if q.prefill:  # the questionnaire names where the answer comes from, e.g. "organisation.kind"
        source, attribute = q.prefill.split(".", 1)
        return getattr(demo if source == "organisation" else content.respondent(demo), attribute)
    if q.key == "progress":
        return content.progress_rating(rng, commitment=q.commitment or 1, round_number=round_number)
    if q.key == "measures":
        return content.measures(rng) or None
    if q.key == "ethnicity_counts":
        return content.ethnicity_counts(rng)
    if q.key in {"publish", "quote_attribution"}:
        publish, attribution = content.publication_choice(rng)
        return ("yes" if publish else "no") if q.key == "publish" else attribution
    if q.is_free_text:
        return content.answer_text(rng, question=q.key, commitment=q.commitment, org=demo, round_number=round_number)
    return None


def _fill(response: Response, demo: content.DemoOrganisation, contact: Contact, *, sections: int | None) -> None:
    questionnaire = responses.questionnaire_for(response)
    rng = random.Random(f"{demo.name}/{response.round.number}")
    chosen = questionnaire.sections if sections is None else questionnaire.sections[:sections]
    for section in chosen:
        for q in section.questions:
            value = _value(rng, q, demo, response.round.number)
            if value is not None and not q.readonly:
                responses.write_answer(response, q, value, contact.id)
    if sections is None:
        responses.complete_sections(response, questionnaire)
        response.status = "submitted"
        response.submitted_at = response.last_activity_at = utcnow() - timedelta(days=rng.randint(1, 20))
        response.submitted_by_id = contact.id
        response.declaration_name = contact.name
        for answer in response.answers:
            answer.tagging = "pending" if answer.text else "none"
    else:
        for section in chosen:
            responses.mark_section(response, section.key, "completed")


def _round(
    pledge: Pledge, orgs: list[Organisation], number: int, name: str, opens: date, deadline: date, closed: bool
) -> tuple[Round, bool]:
    found = db.session.scalar(select(Round).where(Round.pledge_id == pledge.id, Round.number == number))
    if found is not None:
        for setting, value in ROUND_SETTINGS.items():  # a demo seeded before the settings existed
            if not getattr(found, setting):
                setattr(found, setting, value)
        return found, False
    previous = db.session.scalar(select(Round).where(Round.pledge_id == pledge.id, Round.number == number - 1))
    questionnaire = pledges.ensure_questionnaire(pledge)
    rnd = rounds.create_round(
        pledge,
        number,
        name,
        opens,
        deadline,
        questionnaire=questionnaire,
        previous=previous,
        organisations=orgs,
        **ROUND_SETTINGS,
    )
    rnd.closed_at = utcnow() if closed else None
    return rnd, True


def _populate(rnd: Round, orgs: list[Organisation]) -> None:
    by_name = {d.name: d for d in content.ORGANISATIONS}
    by_org = {r.organisation_id: r for r in db.session.scalars(select(Response).where(Response.round_id == rnd.id))}
    for index, org in enumerate(orgs):
        response = by_org[org.id]
        demo, contact = by_name[org.name], org.contacts[0]
        if rnd.closed_at is not None:
            if index >= len(orgs) - PREVIOUS_MISSING:
                continue
            _fill(response, demo, contact, sections=None)
        elif index < CURRENT_SUBMITTED:
            _fill(response, demo, contact, sections=None)
        elif index < CURRENT_SUBMITTED + CURRENT_DRAFTS:
            _fill(response, demo, contact, sections=1 + index % 8)
        db.session.flush()


def demo_token(response_id: int, contact_id: int) -> str:
    """A stable invitation token for the demo, derived from SECRET_KEY (unguessable without it)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"demo-invitation:{response_id}:{contact_id}".encode(), hashlib.sha256).hexdigest()


def _invite(response: Response, contact: Contact) -> str:
    token = demo_token(response.id, contact.id)
    if db.session.scalar(select(Invitation.id).where(Invitation.token_hash == token_hash(token))) is None:
        db.session.add(
            Invitation(
                response_id=response.id,
                contact_id=contact.id,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=365),
            )
        )
    return token


def seed_demo(base_url: str) -> dict[str, Any]:
    """Create whatever of the demo is missing; return the links and log-ins to print."""
    pledge = pledges.ensure_pledge()
    pledges.ensure_questionnaire(pledge)
    _seed_codebook(pledge)
    orgs = _organisations(pledge)
    current = None
    for number, name, opens, deadline, closed in ROUNDS:
        rnd, created = _round(pledge, orgs, number, name, opens, deadline, closed)
        if created:
            _populate(rnd, orgs)
        current = rnd
    db.session.commit()
    _tag_pending()
    logins = _staff()
    _review_and_train(pledge)
    assert current is not None
    links = []
    rows = db.session.execute(
        select(Response, Organisation)
        .join(Organisation)
        .where(Response.round_id == current.id)
        .order_by(Organisation.name)
    )
    for response, org in rows:
        for contact in org.contacts:
            token = _invite(response, contact)
            links.append(
                {
                    "organisation": org.name,
                    "status": response.status,
                    "contact": contact.name,
                    "email": contact.email,
                    "url": f"{base_url}/r/{token}",
                }
            )
    db.session.commit()
    return {"base_url": base_url, "round": current.name, "respondent_links": links, "staff_logins": logins}


def _seed_codebook(pledge: Pledge) -> None:
    from survey.services import codebooks

    codebooks.ensure_starting_codebook(pledge)


def _tag_pending() -> None:
    """Tag every submitted answer: inline without REDIS_URL, otherwise queued for the worker."""
    from survey.services import tagging

    tagging.sweep()


def _review_and_train(pledge: Pledge) -> None:
    """The closed round reviewed by the demo's reviewer, and the suggester trained on it (see `review.py`)."""
    from survey.demo import review

    review.seed_reviews(pledge)
    db.session.commit()
    review.train_suggester(pledge)  # the launch commits


DEMO_STAFF = (("lead", "Joy Adebayo", "lead@pledge.example"), ("reviewer", "Sam Patel", "reviewer@pledge.example"))


def _staff() -> list[dict[str, str]]:
    """The demo's lead and reviewer, two-factor set up, with passwords and TOTP secrets derived from SECRET_KEY so
    they stay the same."""
    import base64

    from survey.models import User
    from survey.services import staff, twofactor

    logins = []
    for role, name, email in DEMO_STAFF:
        password = demo_token(0, len(logins))[:20]
        secret = base64.b32encode(bytes.fromhex(demo_token(1, len(logins)))[:20]).decode()
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            twofactor.enrol_with_secret(staff.create_user(email, password, role=role, name=name), secret)
        logins.append(
            {
                "role": role,
                "name": name,
                "email": email,
                "password": password,
                "totp_secret": secret,
                "login_url": f"{current_app.config['BASE_URL']}/auth/login",
            }
        )
    db.session.commit()
    return logins
