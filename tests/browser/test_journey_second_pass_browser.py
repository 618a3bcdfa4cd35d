"""Issue 14 in real Chromium: a full-length report reads as paragraphs on check answers and the report, a change
from check answers comes back to the answer, the word count counts as one types and the server agrees.

Set SCREENSHOTS_DIR to also save full-page screenshots of check answers and the report at 1280 and 390 wide."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.answers import SECTIONS, full_length_changes, long_answer
from tests.browser.test_journey_browser import _open_section, submit

pytestmark = pytest.mark.browser

FULL = full_length_changes(450)
CHECK_MAX_HEIGHT = 12_000  # px at 1280 wide; the narrow answer column made it 31,000


def _fill_full_report(page, resp_id: int, fill_section) -> None:
    """Answer every section, each commitment's three long answers at 450 words in four paragraphs."""
    for key in SECTIONS:
        page.goto(f"/respond/{resp_id}/sections/{key}")
        fill_section(page, key)
        for name, text in FULL.get(key, {}).items():
            page.locator(f"#{name}").fill(text)
        submit(page, "Save and continue")
        assert page.locator(".nhsuk-error-summary").count() == 0, (
            key,
            page.locator(".nhsuk-error-summary").inner_text(),
        )
    assert page.url.endswith(f"/respond/{resp_id}/check")


def _paragraph_starts(page, anchor: str) -> list[float]:
    """The left edge of the first character of each paragraph of an answer (an indent would move it)."""
    return page.evaluate(
        """id => [...document.querySelectorAll(`#${id} .app-prose p`)].map(p => {
            const range = document.createRange();
            range.setStart(p.firstChild, 0);
            range.setEnd(p.firstChild, 1);
            return range.getBoundingClientRect().left;
        })""",
        anchor,
    )


def _assert_reads_as_paragraphs(page, anchor: str) -> None:
    folded = page.locator(f"#{anchor} details.app-more:not([open]) > summary")
    if folded.count():  # check answers folds a long answer after its first paragraph: open it to read on
        folded.click()
    starts = _paragraph_starts(page, anchor)
    assert len(starts) == 4, starts
    assert max(starts) - min(starts) < 1, starts  # every paragraph starts where the first does
    white_space = page.locator(f"#{anchor} .app-prose").evaluate("el => getComputedStyle(el).whiteSpace")
    assert white_space == "normal"


def _shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_full_length_report_reads_as_paragraphs_and_a_change_comes_back(page, factory, db, axe, fill_section):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation("Northmoor NHS Foundation Trust"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(factory.invite(resp))
    _fill_full_report(page, resp.id, fill_section)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < CHECK_MAX_HEIGHT, f"check answers is {height} px tall"
    _assert_reads_as_paragraphs(page, "answer-c1-actions")
    _assert_reads_as_paragraphs(page, "answer-c7-challenges")
    width = page.locator("#answer-c4-impact .app-prose").evaluate("el => el.getBoundingClientRect().width")
    assert width > 900, f"the answer is {width} px wide"  # the full width of the page, not a column of a list
    axe(page)
    _shoot(page, "check-1280")

    # Change an answer from check your answers: back there, at the answer, with a saved message beside it.
    page.locator("#answer-c3-impact").get_by_role("link", name="Change What difference has it made?").click()
    page.wait_for_url(f"**/respond/{resp.id}/sections/commitment-3?return=check&return_answer=impact#impact")
    assert page.locator(".nhsuk-back-link").inner_text() == "Back to check your answers"
    changed = long_answer(300, 3, "Changed")
    page.locator("#impact").fill(changed)
    submit(page, "Save and continue")
    assert page.url.endswith(f"/respond/{resp.id}/check#answer-c3-impact"), page.url
    block = page.locator("#answer-c3-impact")
    assert "Changed" in block.locator(".app-prose").inner_text()
    notice = block.locator(".app-saved")
    assert notice.inner_text().split() == "Saved Your answer to “What difference has it made?” has been saved.".split()
    assert notice.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }"
    )
    assert page.locator(".app-saved").count() == 1
    axe(page)

    page.set_viewport_size({"width": 390, "height": 844})
    _assert_reads_as_paragraphs(page, "answer-c1-actions")
    _shoot(page, "check-390")
    page.goto(f"/respond/{resp.id}/report")
    _assert_reads_as_paragraphs(page, "answer-c2-actions")
    _shoot(page, "report-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    _assert_reads_as_paragraphs(page, "answer-c2-actions")
    assert page.locator("#answer-c2-actions details").count() == 0  # the report shows every answer in full
    axe(page)
    _shoot(page, "report-1280")


def test_word_count_counts_as_one_types_and_the_server_agrees(page, factory, db, axe, fill_section):
    _open_section(page, factory, "commitment-1")
    status = page.locator("#actions ~ .nhsuk-character-count__status")
    assert status.inner_text() == "You have 750 words remaining"
    assert page.locator("#actions-info").evaluate("el => el.classList.contains('nhsuk-u-visually-hidden')")
    page.locator("#actions").press_sequentially("We trained  every\nward team")
    assert status.inner_text() == "You have 745 words remaining"
    fill_section(page, "commitment-1")
    over = long_answer(753, 4)
    page.locator("#actions").fill(over)
    page.locator("#actions").press("End")  # the count follows typing, and a paste
    assert status.inner_text() == "You have 3 words too many"
    assert "nhsuk-error-message" in status.get_attribute("class")
    submit(page, "Save and continue")
    error = page.locator("#actions-error").inner_text()
    assert " ".join(error.split()) == (
        "Error: Your answer is 753 words long. The limit is 750 words. You have 3 words too many. "
        "Your text has been kept so you can shorten it."
    )
    assert page.locator("#actions").input_value() == over
    assert "You have 3 words too many" in page.locator(".nhsuk-error-summary").inner_text()
    assert status.inner_text() == "You have 3 words too many"
    axe(page)
    _shoot(page, "section-errors-1280")


def test_without_javascript_one_line_states_the_limit(new_page, factory, db):
    rnd = factory.round()
    resp = factory.response(rnd, factory.organisation())
    page = new_page(java_script_enabled=False)
    page.goto(factory.invite(resp))
    page.goto(f"/respond/{resp.id}/sections/commitment-1")
    group = page.locator(".nhsuk-character-count", has=page.locator("#actions"))
    text = group.inner_text()
    assert text.count("You can enter up to") == 1 and "You can enter up to 750 words" in text
    assert "characters" not in text
    ratings = page.locator(".nhsuk-radios__hint")
    assert ratings.count() == 5 and ratings.first.is_visible()
