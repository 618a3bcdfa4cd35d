"""The respondent's start page and the footer's privacy, accessibility and cookies pages (issue 14, item 6)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from survey.blueprints import public
from survey.models import Round

FOOTER_PAGES = ("/privacy", "/accessibility", "/cookies")


def nonce(html: str) -> str:
    found = re.findall(r'nonce="([^"]+)"', html)
    assert found and len(set(found)) == 1, found
    return found[0]


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "no sign-out form"
    return found.group(1)


@pytest.fixture()
def signed_in(client, factory, db):
    """A respondent whose round has a contact and a privacy notice, signed in through the invitation."""
    rnd = factory.round()
    rnd.name, rnd.deadline = "Round 5, spring 2027", date(2027, 4, 30)
    rnd.contact_name, rnd.contact_email = "Joy Adebayo", "pledge-team@pledge.example"
    rnd.privacy_notice = "We keep your answers for six years.\n\nOnly the pledge team & reviewers read them."
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Trust"))
    link = factory.invite(resp)
    return client, resp, link


def test_invitation_opens_the_start_page_once_per_browser_session(signed_in):
    client, resp, link = signed_in
    r = client.get(link)
    assert r.status_code == 302 and r.headers["location"] == f"/respond/{resp.id}/start"
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    text = page.text
    assert "Round 5, spring 2027" in text and "30 April 2027" in text
    assert 'href="mailto:pledge-team@pledge.example"' in text and "Joy Adebayo" in text
    assert f'href="/respond/{resp.id}/"' in text and "Start now" in text
    # The seven commitments, listed from the pledge, and what to prepare, from the questionnaire.
    assert len(re.findall(r"<li>Initiate fundamental service level changes|<li>Measure, monitor", text)) == 2
    assert text.count("</li>") >= 7
    for needed in (
        "not started, planning, early progress, good progress, embedded",
        "Community treatment orders",
        "Black, Black British, Caribbean or African",
        "their own invitation links",
        "Every save records who made",
        "2 to 4 hours",
        "A copy of the questions to draft from will be available here.",
    ):
        assert needed in text, needed
    assert f'href="/respond/{resp.id}/questionnaire.pdf"' in text  # a blank copy of the questions to draft from
    # Opening the link again in the same browser goes straight back to the task list.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["location"] == f"/respond/{resp.id}/"
    # Every respondent page links back to it.
    tasks = client.get(f"/respond/{resp.id}/")
    assert f'href="/respond/{resp.id}/start">About this report</a>' in tasks.text


def test_start_page_without_a_contact_says_to_reply_to_the_invitation(client, factory, db):
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    page = client.get(f"/respond/{resp.id}/start")
    assert "Reply to the invitation email the pledge team sent you." in page.text
    assert "mailto:" not in page.text


def test_start_page_needs_the_respondents_own_session(client, factory, db):
    rnd = factory.round()
    mine = factory.response(rnd, factory.organisation())
    theirs = factory.response(rnd, factory.organisation())
    db.session.commit()
    assert client.get(f"/respond/{mine.id}/start").status_code == 401
    client.get(factory.invite(mine))
    assert client.get(f"/respond/{theirs.id}/start").status_code == 404


def test_footer_of_every_page_links_the_three_pages(signed_in):
    client, resp, link = signed_in
    client.get(link)
    for url in ("/", f"/respond/{resp.id}/start", f"/respond/{resp.id}/", *FOOTER_PAGES):
        footer = client.get(url).text.split('<footer class="nhsuk-footer"', 1)[1]
        for href in FOOTER_PAGES:
            assert f'href="{href}"' in footer, (url, href)


def test_privacy_notice_is_the_rounds_own_when_signed_in(signed_in):
    client, resp, link = signed_in
    default = client.get("/privacy")
    assert default.status_code == 200
    for what in (
        "name, role and email address",
        "who saved each answer",
        "The pledge team and the reviewers",
        "only if you agreed",
        "kept for 6 years",
    ):
        assert what in default.text, what
    assert "reply to the invitation email" in default.text  # no round: the contact falls back
    client.get(link)
    own = client.get("/privacy")
    assert "<p>We keep your answers for six years.</p>" in own.text
    assert "<p>Only the pledge team &amp; reviewers read them.</p>" in own.text  # escaped, paragraph per block
    assert "kept for 6 years" not in own.text


def test_privacy_default_when_the_round_has_none(client, factory, db):
    rnd = factory.round()
    rnd.contact_email = "team@pledge.example"
    resp = factory.response(rnd, factory.organisation())
    client.get(factory.invite(resp))
    page = client.get("/privacy")
    assert "kept for 6 years" in page.text and 'href="mailto:team@pledge.example"' in page.text


def test_accessibility_and_cookies_pages(signed_in):
    client, _, link = signed_in
    page = client.get("/accessibility")
    for what in (
        "WCAG",
        "2.2 at level AA",
        "axe-core",
        "Chromium",
        "keyboard",
        "screen reader",
        "PDF downloads",
        "not tagged",
        "reply to the invitation email",
    ):
        assert what in page.text, what
    client.get(link)
    assert 'href="mailto:pledge-team@pledge.example"' in client.get("/accessibility").text
    cookies = client.get("/cookies")
    assert "<code>session</code>" in cookies.text
    assert "strictly necessary" in cookies.text and "no cookie banner" in cookies.text
    assert "12 hours without using the service" in cookies.text and "close your browser" in cookies.text


def test_cached_pages_carry_a_fresh_nonce_and_token_each_request(signed_in, db):
    client, resp, link = signed_in
    client.get(link)
    public._static_blocks.cache_clear()
    start = f"/respond/{resp.id}/start"
    for url in (start, *FOOTER_PAGES):
        first, second = client.get(url), client.get(url)
        assert first.status_code == second.status_code == 200
        assert nonce(first.text) != nonce(second.text), url
        assert f"'nonce-{nonce(second.text)}'" in second.headers["Content-Security-Policy"], url
    info = public._static_blocks.cache_info()
    assert info.misses == 4 and info.hits == 4, info
    assert csrf(client.get(start).text)  # the sign-out form is rendered per request, outside the cached block
    # A changed setting is a new key: the lead's edit shows at once, without a restart.
    rnd = db.session.get(Round, resp.round_id)
    rnd.contact_email = "new-team@pledge.example"
    db.session.commit()
    assert "new-team@pledge.example" in client.get(start).text


def test_signed_out_visitors_get_the_cached_pages_too(client, db):
    public._static_blocks.cache_clear()
    pages = [client.get(url) for url in FOOTER_PAGES * 2]
    assert all(p.status_code == 200 for p in pages)
    assert len({nonce(p.text) for p in pages}) == 6
    assert public._static_blocks.cache_info().hits == 3


def test_demo_rounds_have_a_contact_and_privacy_notice(factory, db):
    """New demo rounds get the settings; a demo seeded before they existed gets them once, then stays as it is."""
    from survey.demo import seed

    assert all(seed.ROUND_SETTINGS.values())
    old = factory.round(1)
    found, created = seed._round(factory.pledge, [], 1, "Round 1", date(2026, 3, 1), date(2026, 4, 30), True)
    assert found is old and not created
    assert {k: getattr(old, k) for k in seed.ROUND_SETTINGS} == seed.ROUND_SETTINGS
    old.contact_name = "Changed by the lead"
    seed._round(factory.pledge, [], 1, "Round 1", date(2026, 3, 1), date(2026, 4, 30), True)
    assert old.contact_name == "Changed by the lead"
    new, created = seed._round(factory.pledge, [], 2, "Round 2", date(2026, 10, 1), date(2026, 12, 18), False)
    assert created and new.privacy_notice == seed.ROUND_SETTINGS["privacy_notice"]
