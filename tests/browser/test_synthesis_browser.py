"""The synthesis pages in real Chromium: the lead's versions, build job and HTML twin, and the public page, a
published synthesis and a consented report; every page passes axe, and the chart has its table."""

from __future__ import annotations

import re

import pytest

from survey.extensions import db as _db
from survey.models import Synthesis
from survey.services import staff
from tests.browser.test_journey_browser import follow, submit
from tests.staff_login import signed_in_page
from tests.survey import synthesis_scenario

pytestmark = pytest.mark.browser
PASSWORD = "a long staff password for the browser test"


def _signed_in_page(new_page, client, live_server: str) -> object:
    """A Chromium page carrying the session a lead's sign-in over HTTP opened."""
    staff.create_user("lead@pledge.example", PASSWORD, role="lead", name="Pat Lead")
    _db.session.commit()
    return signed_in_page(new_page, client, "lead@pledge.example", PASSWORD)


def test_the_lead_builds_reads_and_publishes_and_a_reader_finds_it(new_page, client, live_server, factory, db, axe):
    s = synthesis_scenario.build(factory)
    page = _signed_in_page(new_page, client, live_server)
    page.goto(f"/manage/rounds/{s.current.id}")
    follow(page, f"Build, check and publish the synthesis of {s.current.name}")
    axe(page)
    submit(page, "Build the synthesis")  # nothing chosen: the error summary
    assert page.get_by_role("link", name="Choose a draft or a version for publication").is_visible()
    axe(page)
    page.get_by_label("A version for publication: reviewed codes only").check()
    submit(page, "Build the synthesis")
    assert page.get_by_role("heading", level=1).inner_text() == "Building the synthesis for publication"
    axe(page)
    follow(page, "Read it as a web page")
    assert page.get_by_text("5 of 6 signatories reported").first.is_visible()
    table = page.get_by_role(
        "table", name="Organisations choosing each rating, by commitment (the numbers behind the chart)"
    )
    assert table.is_visible()
    axe(page)
    submit(page, "Publish this version")
    assert page.get_by_text("is published").is_visible()
    axe(page)
    page.get_by_label("A draft to check: includes codes nobody has reviewed yet, marked").check()
    submit(page, "Build the synthesis")
    follow(page, "Read it as a web page")
    assert page.locator(".app-unreviewed").count() > 0  # Birch's unreviewed code, marked
    axe(page)

    _db.session.rollback()
    synthesis = _db.session.query(Synthesis).filter_by(kind="final").one()
    reader = new_page()
    reader.goto("/published/")
    assert reader.get_by_role("heading", level=1).inner_text() == "Published syntheses and progress reports"
    axe(reader)
    with reader.expect_navigation():
        reader.get_by_role(
            "link", name=re.compile(rf"^Read it online\W+{s.current.name} version {synthesis.version}$")
        ).click()
    assert reader.locator("a[href^='/review/']").count() == 0  # readers get no links into the review workspace
    axe(reader)
    reader.goto("/published/")
    with reader.expect_navigation():
        reader.get_by_role("link", name=re.compile(rf"^Read\W+Alder NHS Trust's report, {s.current.name}$")).click()
    assert reader.get_by_role("heading", level=1).inner_text() == "Alder NHS Trust: progress report"
    axe(reader)
