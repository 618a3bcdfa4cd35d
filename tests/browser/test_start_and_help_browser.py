"""The start page and the footer's help pages in Chromium, checked with axe-core on a desktop and a phone."""

from __future__ import annotations

from datetime import date

import pytest

PHONE = {"width": 390, "height": 844}


def press(page, name: str, role: str = "link") -> None:
    """Activate a link (or a link styled as a button) and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_invitation_start_page_and_footer_pages(new_page, factory, db, axe, viewport):
    rnd = factory.round()
    rnd.deadline = date(2027, 4, 30)
    rnd.contact_name, rnd.contact_email = "Joy Adebayo", "pledge-team@pledge.example"
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Foundation Trust"))
    page = new_page(**({"viewport": viewport} if viewport else {}))
    page.goto(factory.invite(resp))
    assert page.url.endswith(f"/respond/{resp.id}/start")
    main = page.locator("main").inner_text()
    assert "30 April 2027" in main and "pledge-team@pledge.example" in main
    assert page.locator("main ol li").count() == 7
    axe(page)
    if viewport:  # nothing wider than the phone's screen
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    press(page, "Start now", role="button")
    assert page.url.endswith(f"/respond/{resp.id}/")
    press(page, "About this report")
    assert page.url.endswith(f"/respond/{resp.id}/start")
    for link, heading in (
        ("Privacy notice", "Privacy notice"),
        ("Accessibility statement", "Accessibility statement"),
        ("Cookies", "Cookies"),
    ):
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=link, exact=True).click()
        assert page.get_by_role("heading", level=1).inner_text() == heading
        axe(page)
        if viewport:
            assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
