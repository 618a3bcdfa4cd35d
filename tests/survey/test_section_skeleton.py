"""Section pages drawn from their skeleton (survey/skeleton.py) are byte for byte the pages a full render gives:
for every section, empty and answered (markup in the answers, a name, choices, counts, history links, rate
ratios), opened from check your answers, for two organisations in turn; and respondent pages read in autocommit,
so psycopg keeps the statements it prepared."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import event

from survey.extensions import db as _db
from survey.models import Contact
from survey.skeleton import _skeleton
from tests.answers import SECTIONS, fill_in_report

NONCE = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TRICKY = 'Tom & Jerry\'s "<b>plan</b>" <script>alert(1)</script>\n\nA second paragraph.'


@pytest.fixture()
def skeletons(app) -> Iterator[None]:
    """Section pages from skeletons (the default), restored after a test that switches them off."""
    app.config["SECTION_SKELETONS"] = True
    yield
    app.config["SECTION_SKELETONS"] = True


def both(app, client, url: str) -> tuple[str, str]:
    """The page drawn from the skeleton, then rendered in full, with the one nonce and token of each unified."""
    app.config["SECTION_SKELETONS"] = True
    drawn_before = _skeleton.cache_info()
    drawn = client.get(url)
    assert _skeleton.cache_info().hits + _skeleton.cache_info().misses == drawn_before.hits + drawn_before.misses + 1
    app.config["SECTION_SKELETONS"] = False
    full = client.get(url)
    assert drawn.status_code == full.status_code == 200
    pages = []
    for reply in (drawn, full):
        nonces = set(NONCE.findall(reply.text))
        assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in reply.headers["content-security-policy"]
        tokens = set(TOKEN.findall(reply.text))
        assert len(tokens) == 1 and tokens.pop()
        pages.append(TOKEN.sub("TOKEN", NONCE.sub("NONCE", reply.text)))
    return pages[0], pages[1]


def test_every_section_drawn_from_its_skeleton_is_the_full_render(app, client, factory, skeletons) -> None:
    rnd = factory.round()
    first = factory.response(rnd, factory.organisation("Smith & Sons <NHS> Trust"))
    second = factory.response(rnd, factory.organisation("Another Trust"))
    for resp in (first, second):  # the second organisation's pages come from skeletons the first one's made
        client.get(factory.invite(resp))
        for key in SECTIONS:
            drawn, full = both(app, client, f"/respond/{resp.id}/sections/{key}")
            assert drawn == full, key
            assert f"/respond/{resp.id}/" in drawn and str(escape(resp.organisation.name)) in drawn
        fill_in_report(
            client,
            resp.id,
            {"commitment-1": {"actions": TRICKY}, "about": {"respondent_role": "Lead & <i>Chair</i>"}},
        )
        for key in SECTIONS:
            drawn, full = both(app, client, f"/respond/{resp.id}/sections/{key}")
            assert drawn == full, key
        page = client.get(f"/respond/{resp.id}/sections/commitment-2").text
        assert 'value="mha_detentions" checked' in page and 'value="20000"' in page
        assert "Your detention rates compared with" in page and "History of the answer" in page
        assert (
            "Tom &amp; Jerry&#39;s &#34;&lt;b&gt;plan&lt;/b&gt;&#34;"
            in client.get(f"/respond/{resp.id}/sections/commitment-1").text
        )


def test_a_change_from_check_answers_is_drawn_with_its_way_back(app, client, factory, skeletons) -> None:
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    fill_in_report(client, resp.id)
    back = {
        "?return=check&return_answer=impact": f'href="/respond/{resp.id}/check#answer-c1-impact">Back to check',
        "?return=check": f'href="/respond/{resp.id}/check#section-commitment-1">Back to check',
        "?return=elsewhere&return_answer=impact": f'href="/respond/{resp.id}/">Back to your report',
    }
    for query, link in back.items():
        drawn, full = both(app, client, f"/respond/{resp.id}/sections/commitment-1{query}")
        assert drawn == full, query
        assert link in drawn, query


def test_the_names_in_the_header_are_this_requests(app, client, factory, skeletons, db) -> None:
    resp = factory.response(factory.round(), factory.organisation("Trust One"))
    client.get(factory.invite(resp, 0))
    page = client.get(f"/respond/{resp.id}/sections/about").text
    contact = _db.session.get(Contact, resp.organisation.contacts[0].id)
    assert f"Signed in as {contact.name}, Trust One." in " ".join(page.split())
    other = factory.response(factory.round(2), factory.organisation("Trust Two"))
    client.get(factory.invite(other, 1))
    page = client.get(f"/respond/{other.id}/sections/about").text
    colleague = _db.session.get(Contact, other.organisation.contacts[1].id)
    assert f"Signed in as {colleague.name}, Trust Two." in " ".join(page.split())
    assert "Trust One" not in page and f"/respond/{resp.id}/" not in page


def test_respondent_pages_read_in_autocommit_and_a_save_writes_in_one_transaction(client, factory, db) -> None:
    """A GET sends no BEGIN, COMMIT or ROLLBACK (psycopg forgets its prepared statements on a ROLLBACK, and the
    session query was planned again at every page); a save is still one transaction."""
    resp = factory.response(factory.round(), factory.organisation())
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-1"
    isolation: list[str | None] = []

    def record(conn: Any, *args: Any) -> None:
        isolation.append(conn.get_execution_options().get("isolation_level"))

    event.listen(_db.engine, "before_cursor_execute", record)
    try:
        for page in (url, f"/respond/{resp.id}/", f"/respond/{resp.id}/check", f"/respond/{resp.id}/start"):
            assert client.get(page).status_code == 200
        reads, isolation[:] = list(isolation), []
        saved = client.post(url, {"actions": "We met the advisory board.", "action": "later"})
        assert saved.status_code == 302 and saved.headers["location"] == f"/respond/{resp.id}/"
    finally:
        event.remove(_db.engine, "before_cursor_execute", record)
    assert len(reads) >= 8 and set(reads) == {"AUTOCOMMIT"}, reads
    assert len(isolation) >= 5 and "AUTOCOMMIT" not in isolation, isolation
