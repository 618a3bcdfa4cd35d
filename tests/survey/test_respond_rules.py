"""Bad input on the respondent's pages: each gets a clear, specific error and nothing saved is lost."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from survey.models import Answer, Invitation, utcnow
from tests.answers import answers_for


def errors(html: str) -> list[str]:
    """The error messages shown next to fields."""
    flat = html_lib.unescape(" ".join(html.split()))
    found = re.findall(
        r'nhsuk-error-message"[^>]*> <span class="nhsuk-u-visually-hidden">Error: </span>(.*?) ?</span>', flat
    )
    return found


@pytest.fixture()
def started(client, factory, db):
    """A signed-in respondent on a fresh response; returns (client, response)."""
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    return client, resp


def answer(db, resp, key):
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.response_id == resp.id, Answer.field_key == key))


def test_required_answers_on_continue_but_not_on_save_later(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    r = client.post(url, {"action": "continue", "actions": "Some actions"})
    assert r.status_code == 200
    assert "There is a problem" in r.text
    assert any("How would you rate your progress" in e for e in errors(r.text))
    assert 'href="#progress"' in r.text
    assert r.text.count("<title>Error:") == 1
    r = client.post(url, {"action": "later", "actions": "Some actions"})
    assert r.status_code == 302 and r.headers["location"] == f"/respond/{resp.id}/"
    assert answer(db, resp, "c1.actions").value == "Some actions"
    assert "In progress" in client.get(f"/respond/{resp.id}/").text


def test_answer_over_the_limit_names_limit_and_length_and_keeps_text(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    client.post(url, {"action": "later", "actions": "Saved earlier"})
    client.get(url)
    pasted = "Forty pages from Word. " * 1000  # 4,000 words, 23,000 characters
    r = client.post(url, {"action": "later", "actions": pasted, "rev__actions": "1"})
    assert r.status_code == 200
    [message] = errors(r.text)
    assert "4,000 words long" in message and "limit is 750 words" in message
    assert pasted.strip() in r.text  # still in the box to be cut
    assert answer(db, resp, "c1.actions").value == "Saved earlier"  # nothing saved is lost


def test_text_is_cleaned_but_scripts_and_emoji_are_kept(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    raw = "Cafe\u0301 work\x00 with\x07 partners\r\n\tIndented line\nمرحبا بالعالم 🙂 שלום"
    client.post(url, {"action": "later", "actions": raw})
    stored = answer(db, resp, "c1.actions").value
    assert stored == "Café work with partners\n\tIndented line\nمرحبا بالعالم 🙂 שלום"


def test_forged_field_names_and_choices_are_rejected(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    r = client.post(url, {"action": "later", "actions": "x", "is_admin": "1"})
    assert r.status_code == 400 and "is_admin" in r.text
    r = client.post(url, {"action": "continue", "progress": "perfect", "actions": "x"})
    assert r.status_code == 200 and any("Not a valid choice" in e for e in errors(r.text))
    assert answer(db, resp, "c1.actions") is None


def test_post_without_csrf_token_is_refused(started, db):
    client, resp = started
    r = client.post(f"/respond/{resp.id}/sections/commitment-1", {"action": "later", "actions": "x"}, csrf=False)
    assert r.status_code == 400 and "CSRF" in r.text
    assert answer(db, resp, "c1.actions") is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            {"black__detentions": "500", "black__population": "400"},
            "Detentions for Black, Black British, Caribbean or African (500) cannot be more than the population (400)",
        ),
        (
            {"asian__detentions": "5"},
            "Enter the population for Asian or Asian British, or remove the number of detentions",
        ),
        (
            {"white__detentions": "3", "white__population": "0"},
            "Population for White must be more than 0 when detentions are given",
        ),
        ({"mixed__population": "-4"}, "Population for Mixed or multiple ethnic groups must be 0 or more"),
        (
            {"other__detentions": "twelve", "other__population": "100"},
            "Detentions for Other ethnic group must be a whole number, like 12",
        ),
        # A population over 100 million is a typing slip, and digits of other scripts or with "_" are not read
        # as numbers (Python's int() would take both).
        (
            {"white__population": "150,000,000"},
            "Population for White must be 100,000,000 or less: check the number",
        ),
        ({"white__population": "١٢٠٠٠"}, "Population for White must be a whole number, like 12"),
        ({"white__population": "12_000"}, "Population for White must be a whole number, like 12"),
        ({"white__population": "1,20,000"}, "Population for White must be a whole number, like 12"),
    ],
)
def test_ethnicity_counts_each_have_their_own_error(started, db, cells, message):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-2"
    client.get(url)
    data = {f"ethnicity_counts__{k}": v for k, v in cells.items()}
    r = client.post(url, {"action": "later", **data})
    assert r.status_code == 200
    assert message in errors(r.text)
    assert answer(db, resp, "c2.ethnicity_counts") is None


def test_counts_accept_thousands_separators(started, db):
    client, resp = started
    url = f"/respond/{resp.id}/sections/commitment-2"
    client.get(url)
    r = client.post(
        url,
        {
            "action": "later",
            "ethnicity_counts__black__detentions": "1,204",
            "ethnicity_counts__black__population": "310,000",
        },
    )
    assert r.status_code == 302
    assert answer(db, resp, "c2.ethnicity_counts").value == {"black": {"detentions": 1204, "population": 310000}}


def test_every_route_of_another_organisations_response_is_404(client, factory, db, app):
    rnd = factory.round()
    mine = factory.response(rnd, factory.organisation("Mine"))
    theirs = factory.response(rnd, factory.organisation("Theirs"))
    client.get(factory.invite(mine))
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("respond.") and "response_id" in r.arguments]
    assert len(routes) >= 7
    for rule in routes:
        url = rule.build({"response_id": theirs.id, "key": "about"}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "POST":
                client.get(f"/respond/{mine.id}/")
                r = client.post(url, {"action": "later"})
            else:
                r = client.get(url)
            assert r.status_code == 404, (method, url, r.status_code)
            assert "Theirs" not in r.text


def test_without_a_session_the_pages_ask_for_the_link(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    db.session.commit()
    r = client.get(f"/respond/{resp.id}/")
    assert r.status_code == 401 and "Open your invitation link" in r.text


def test_bad_links_each_explain_what_to_do(client, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    assert client.get("/r/not-a-real-token").status_code == 404
    expired = factory.invite(resp)
    inv = db.session.scalars(select(Invitation).order_by(Invitation.id.desc())).first()
    inv.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    r = client.get(expired)
    assert (
        r.status_code == 410
        and "This link has expired" in r.text
        and "Answers you have already saved are kept" in r.text
    )
    revoked = factory.invite(resp, 1)
    from survey.services import access

    access.revoke_invitation(db.session.scalars(select(Invitation).order_by(Invitation.id.desc())).first())
    db.session.commit()
    r = client.get(revoked)
    assert r.status_code == 410 and "cancelled" in r.text


def test_revoking_a_link_ends_its_session(started, db):
    client, resp = started
    from survey.services import access

    assert client.get(f"/respond/{resp.id}/").status_code == 200
    access.revoke_invitation(db.session.scalars(select(Invitation)).one())
    db.session.commit()
    assert client.get(f"/respond/{resp.id}/").status_code == 401


def test_sign_out_ends_the_session(started, db):
    client, resp = started
    client.get(f"/respond/{resp.id}/")
    r = client.post("/respond/sign-out", {})
    assert r.status_code == 302
    assert client.get(f"/respond/{resp.id}/").status_code == 401


def test_cannot_submit_with_sections_missing(started, db):
    client, resp = started
    client.get(f"/respond/{resp.id}/sections/about")
    client.post(f"/respond/{resp.id}/sections/about", answers_for("about") | {"action": "continue"})
    page = client.get(f"/respond/{resp.id}/check")
    assert "Sections still to complete" in page.text
    r = client.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": "Ada"})
    assert r.status_code == 200 and "Complete every section before you submit" in r.text
    r = client.post(f"/respond/{resp.id}/check", {"full_name": ""})
    assert "Confirm that the report is accurate" in r.text and "Enter your full name" in r.text
