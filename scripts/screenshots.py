"""Save full-page screenshots of the respondent journey from a running app, so a person can look at them.

Starts nothing: point it at a running app and an invitation link. It saves answers as a respondent would
(an error state saves nothing; the conflict page needs a colleague's link and saves two versions
of one answer).

    .venv/bin/python -m scripts.screenshots --base-url http://127.0.0.1:5077 --link /r/TOKEN \
        [--colleague-link /r/TOKEN2] [--submitted-link /r/TOKEN3] [--out /tmp/screenshots]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 390, "height": 844}}


class Shooter:
    """Takes numbered full-page screenshots into one folder."""

    def __init__(self, out: Path, suffix: str) -> None:
        self.out = out
        self.suffix = suffix
        self.count = 0
        self.saved: list[Path] = []

    def shot(self, page: Page, name: str) -> None:
        """Save the whole page as NN-name-suffix.png."""
        self.count += 1
        path = self.out / f"{self.count:02d}-{name}-{self.suffix}.png"
        page.screenshot(path=str(path), full_page=True)
        self.saved.append(path)
        print(f"{path}  ({page.url})", flush=True)


def press(page: Page, button: str) -> None:
    """Press a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def response_path(page: Page) -> str:
    """The /respond/<id> prefix of the page the invitation link led to."""
    parts = page.url.split("/respond/", 1)
    if len(parts) != 2:
        raise SystemExit(f"the link did not lead to a report (landed on {page.url})")
    return "/respond/" + parts[1].split("/", 1)[0]


def journey(browser: Browser, args: argparse.Namespace, viewport: str, shoot: Shooter) -> None:
    """The start page, problem pages, task list, sections, an error state, check answers and report."""
    context = browser.new_context(base_url=args.base_url, viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto("/")
    shoot.shot(page, "start")
    page.goto("/r/this-link-does-not-exist")
    shoot.shot(page, "invalid-link")
    page.goto(args.link)
    prefix = response_path(page)
    shoot.shot(page, "task-list")
    for key in ("about", "commitment-1", "commitment-2", "publication"):
        page.goto(f"{prefix}/sections/{key}")
        shoot.shot(page, f"section-{key}")
    page.goto(f"{prefix}/sections/commitment-3")
    for box in page.locator("textarea").all():
        box.fill("")
    press(page, "Save and continue")
    shoot.shot(page, "section-errors")
    page.goto(f"{prefix}/check")
    shoot.shot(page, "check-answers")
    page.goto(f"{prefix}/report")
    shoot.shot(page, "report")
    page.goto(f"{prefix}999/")
    shoot.shot(page, "not-found")
    context.close()


def conflict(browser: Browser, args: argparse.Namespace, viewport: str, shoot: Shooter) -> None:
    """Two colleagues save the same answer; the second one's conflict page."""
    pages: list[Any] = []
    for link in (args.link, args.colleague_link):
        context = browser.new_context(base_url=args.base_url, viewport=VIEWPORTS[viewport])
        page = context.new_page()
        page.goto(link)
        page.goto(f"{response_path(page)}/sections/commitment-4")
        pages.append(page)
    first, second = pages
    first.locator("#actions").fill(f"We funded three VCSE partners to run peer support groups ({viewport}).")
    press(first, "Save and come back later")
    second.locator("#actions").fill(f"We set up a community advisory board that meets monthly ({viewport}).")
    press(second, "Save and come back later")
    if "/conflicts" in second.url:
        shoot.shot(second, "conflict")
        press(second, "Save this answer")
        shoot.shot(second, "conflict-error")
    else:
        print(f"no conflict page (landed on {second.url}): are both links for the same report?", flush=True)
    for page in pages:
        page.context.close()


def submitted(browser: Browser, args: argparse.Namespace, viewport: str, shoot: Shooter) -> None:
    """The confirmation page and task list of a report that was already submitted."""
    context = browser.new_context(base_url=args.base_url, viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(args.submitted_link)
    prefix = response_path(page)
    shoot.shot(page, "task-list-submitted")
    page.goto(f"{prefix}/confirmation")
    shoot.shot(page, "confirmation")
    context.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Take the screenshots and print where they were saved."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the running app, e.g. http://127.0.0.1:5077")
    parser.add_argument("--link", required=True, help="an invitation link (/r/TOKEN or a full URL)")
    parser.add_argument("--colleague-link", help="another contact's link to the same report, for the conflict page")
    parser.add_argument("--submitted-link", help="a link to an already submitted report, for the confirmation")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--viewport", choices=[*VIEWPORTS, "all"], default="all")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    viewports = list(VIEWPORTS) if args.viewport == "all" else [args.viewport]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for viewport in viewports:
                shoot = Shooter(args.out, viewport)
                journey(browser, args, viewport, shoot)
                if args.colleague_link:
                    conflict(browser, args, viewport, shoot)
                if args.submitted_link:
                    submitted(browser, args, viewport, shoot)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
