"""Bulk decisions over a filtered list: a preview naming the count, and a refusal when the list changed."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from survey.models import AuditEvent, Code, CodeDecision
from tests.staff_login import sign_in
from tests.survey.review_data import coded_answers

ONE_THEME = (
    ("Carers joined the board.", [("carers_families", "proposed", 0.9, ["Carers"])]),
    ("We support carers at home.", [("carers_families", "possible", 0.4, ["carers"])]),
    ("Carers and families were asked.", [("carers_families", "proposed", 0.8, ["Carers and families"])]),
)


def _statuses(db):
    db.session.rollback()
    return sorted(db.session.scalars(select(Code.status).where(Code.theme_key == "carers_families")))


def test_bulk_accept_names_the_count_and_refuses_a_changed_list(browser_factory, submitted, reviewer, lead, db):
    answers = coded_answers(submitted, ONE_THEME)
    round_id = answers[0].response.round_id
    robin, pat = browser_factory(), browser_factory()
    sign_in(robin, *reviewer)
    sign_in(pat, *lead)
    preview = robin.get(f"/review/bulk?round={round_id}&theme=carers_families&commitment=1&level=proposed")
    assert preview.status_code == 200
    assert "What should happen to these 2 codes of “Carers and families”?" in html.unescape(preview.text)
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview.text).group(1)
    form = {
        "round": round_id,
        "theme": "carers_families",
        "commitment": 1,
        "level": "proposed",
        "fingerprint": fingerprint,
        "decision": "accepted",
    }

    # Meanwhile Pat decides one of them: the list Robin previewed no longer holds.
    pat.get(f"/review/answers/{answers[0].id}")
    code = db.session.scalar(select(Code).where(Code.answer_id == answers[0].id))
    pat.post(f"/review/answers/{answers[0].id}/codes/{code.id}", {"decision": "rejected", "seen": 0})
    refused = robin.post("/review/bulk", form)
    assert refused.status_code == 409
    assert (
        "The list changed after you previewed it" in refused.text
        and "it now holds 1 undecided codes" in refused.text
        and "Nothing was changed" in refused.text
    )
    assert _statuses(db) == ["proposed", "proposed", "rejected"]

    # Confirming the new count applies it: one decision row and audit event per code.
    form["fingerprint"] = re.search(r'name="fingerprint" value="(\w+)"', refused.text).group(1)
    done = robin.post("/review/bulk", form)
    assert done.status_code == 302
    assert _statuses(db) == ["accepted", "proposed", "rejected"]
    assert db.session.scalar(select(func.count()).select_from(CodeDecision)) == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "code.decided")) == 2
    after = robin.get(done.headers["location"])
    assert "1 code of “Carers and families” was accepted." in html.unescape(after.text)
    assert "There are no undecided codes of this theme in this list." in after.text


def test_bulk_needs_a_round_a_theme_and_a_decision(client, submitted, reviewer, db):
    answers = coded_answers(submitted, ONE_THEME)
    sign_in(client, *reviewer)
    assert "Choose the round" in client.get("/review/bulk?theme=carers_families").text
    no_theme = client.get(f"/review/bulk?round={answers[0].response.round_id}").text
    assert "Choose the theme" in no_theme
    assert '<option value="carers_families">Carers and families</option>' in no_theme  # the filter form's themes
    assert (
        "Choose a level from the list"
        in client.get(f"/review/bulk?round={answers[0].response.round_id}&theme=carers_families&level=huge").text
    )
    page = client.get(f"/review/bulk?round={answers[0].response.round_id}&theme=carers_families")
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', page.text).group(1)
    missing = client.post(
        "/review/bulk", {"round": answers[0].response.round_id, "theme": "carers_families", "fingerprint": fingerprint}
    )
    assert missing.status_code == 400 and "Choose whether to accept or reject these codes." in missing.text
    assert _statuses(db) == ["proposed", "proposed", "proposed"]
