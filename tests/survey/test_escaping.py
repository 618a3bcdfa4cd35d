"""What people type is shown as text, never as markup: every user-controlled value on every page that shows it.

Each value carries its own tag in a payload that would break out of an element (`</textarea>`), add markup
(`<h1>`, `<script>`) or break out of an attribute (`"><img ...>`), so a failure names the value and the page.
"""

from __future__ import annotations

from sqlalchemy import select

from survey.models import Contact
from survey.services import staff
from tests.answers import fill_in_report
from tests.staff_login import sign_in
from tests.survey.test_collaboration import clash


def payload(tag: str) -> str:
    """A hostile value that names where it came from."""
    return f'</textarea><h1 id="{tag}">x</h1><script>alert("{tag}")</script>"><img src=x onerror=alert("{tag}")>'


def assert_escaped(page, *tags: str, status: int = 200) -> None:
    """Each tagged payload appears on the page, escaped; none of its markup does."""
    assert page.status_code == status, (page.url, page.status_code)
    for tag in tags:
        assert f'<h1 id="{tag}">' not in page.text, (page.url, tag, "raw <h1>")
        assert f'<script>alert("{tag}")' not in page.text, (page.url, tag, "raw <script>")
        assert f'<img src=x onerror=alert("{tag}")>' not in page.text, (page.url, tag, "raw <img>")
        assert f"&lt;h1 id=&#34;{tag}&#34;&gt;" in page.text, (page.url, tag, "not shown")
        assert f"&lt;img src=x onerror=alert(&#34;{tag}&#34;)&gt;" in page.text, (page.url, tag, "not shown")


def hostile_response(factory, db):
    """An organisation, round and contacts whose names (and roles, region) are payloads; returns the response."""
    rnd = factory.round()
    rnd.name = payload("round")
    org = factory.organisation(payload("org"), contacts=2)
    org.region = payload("region")
    contacts = db.session.scalars(select(Contact).where(Contact.organisation_id == org.id).order_by(Contact.id))
    for i, contact in enumerate(contacts):
        contact.name = payload(f"contact{i}")
        contact.role = payload(f"role{i}")
    resp = factory.response(rnd, org)
    db.session.commit()
    return resp


HOSTILE_ANSWERS = {
    "about": {
        "region": payload("region-answer"),
        "respondent_name": payload("name"),
        "respondent_role": payload("role"),
    },
    "background": {"why_pledge": payload("why")},
    "commitment-1": {"actions": payload("actions")},
    "next_steps": {"goals": payload("goals")},
}


def submit_hostile_report(client, factory, db):
    """The hostile response, filled in with payload answers and submitted with a payload declaration name."""
    resp = hostile_response(factory, db)
    client.get(factory.invite(resp))
    fill_in_report(client, resp.id, HOSTILE_ANSWERS)
    client.get(f"/respond/{resp.id}/check")
    r = client.post(f"/respond/{resp.id}/check", {"confirm": "y", "full_name": payload("declared")})
    assert r.status_code == 302 and r.headers["location"].endswith("/confirmation"), r.status_code
    return resp


def test_conflict_page_shows_both_versions_as_text(browser_factory, factory, db):
    resp = hostile_response(factory, db)
    a, b = browser_factory(), browser_factory()
    a.get(factory.invite(resp, 0))
    b.get(factory.invite(resp, 1))
    page = clash(a, b, resp, payload("theirs"), payload("mine"))
    # Mine is in the card and in the textarea to merge; theirs in the card, saved by contact 0; B is contact 1.
    assert_escaped(page, "mine", "theirs", "contact0", "contact1", "org")
    assert page.text.count("&lt;h1 id=&#34;mine&#34;&gt;") == 2
    assert page.text.count("</textarea>") == 1


def test_respondent_pages_show_what_people_entered_as_text(client, factory, db):
    resp = hostile_response(factory, db)
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}"
    assert_escaped(client.get(f"{url}/"), "org", "round", "contact0")
    # The about section starts from the organisation's and the contact's details.
    assert_escaped(client.get(f"{url}/sections/about"), "org", "region", "contact0", "role0")
    fill_in_report(client, resp.id, HOSTILE_ANSWERS)
    assert_escaped(client.get(f"{url}/sections/about"), "org", "region-answer", "name", "role")
    assert_escaped(client.get(f"{url}/sections/commitment-1"), "org", "actions")
    # Check your answers: every answer, and the declaration's name starts as the contact's.
    check = client.get(f"{url}/check")
    assert_escaped(check, "org", "region-answer", "name", "role", "why", "actions", "goals", "contact0")
    r = client.post(f"{url}/check", {"confirm": "", "full_name": payload("declared")})
    assert r.status_code == 200 and "Confirm that the report is accurate" in r.text
    assert_escaped(r, "declared")  # a refused declaration keeps the typed name, as text
    client.post(f"{url}/check", {"confirm": "y", "full_name": payload("declared")})
    assert_escaped(client.get(f"{url}/confirmation"), "org", "round", "declared")
    assert_escaped(client.get(f"{url}/report"), "org", "round", "declared", "name", "role", "why", "actions", "goals")
    assert_escaped(client.get(f"{url}/"), "org", "round", "contact0")


def test_staff_pages_show_names_and_answers_as_text(client, browser_factory, factory, db):
    resp = submit_hostile_report(browser_factory(), factory, db)
    staff.create_user("lead@pledge.example", "correct horse battery staple", role="lead", name=payload("staff"))
    db.session.commit()
    sign_in(client, "lead@pledge.example", "correct horse battery staple")
    assert_escaped(client.get("/manage/"), "round", "staff")
    rnd = client.get(f"/manage/rounds/{resp.round_id}")
    assert_escaped(rnd, "round", "org", "staff")
    assert_escaped(client.get(f"/manage/responses/{resp.id}"), "round", "org", "region", "actions", "why", "staff")
    r = client.post(f"/manage/rounds/{resp.round_id}/retag", {})
    assert r.status_code == 302 and r.headers["location"].startswith("/manage/jobs/")
    assert_escaped(client.get(r.headers["location"]), "round", "staff")  # the back link and the heading


def test_sign_in_page_shows_the_typed_email_as_text(client, lead):
    client.get("/auth/login")
    r = client.post("/auth/login", {"email": payload("email"), "password": "not the password"})
    assert_escaped(r, "email", status=401)


def test_the_refusal_of_a_forged_field_names_it_as_text(client, factory, db):
    resp = hostile_response(factory, db)
    client.get(factory.invite(resp))
    url = f"/respond/{resp.id}/sections/commitment-1"
    client.get(url)
    assert_escaped(client.post(url, {"action": "later", payload("field"): "x"}), "field", status=400)
