"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, a page per test, and axe-core."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.answers import answers_for
from tests.conftest import FORWARDED_HEADERS

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _fill_section(page: Any, key: str) -> None:
    """Answer a section by clicking radios and checkboxes and typing into text boxes."""
    for name, value in answers_for(key).items():
        if isinstance(value, list):
            for v in value:
                page.locator(f'input[type="checkbox"][name="{name}"][value="{v}"]').check()
            continue
        radio = page.locator(f'input[type="radio"][name="{name}"][value="{value}"]')
        if radio.count():
            radio.check()
        else:
            page.locator(f'[name="{name}"]:not([type="hidden"])').fill(value)


def _axe(page: Any) -> None:
    """Run axe-core on the page (WCAG 2.2 AA rules) and fail listing every violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = result["violations"]
    assert result["passes"], f"axe checked nothing on {page.url}"
    lines = [f"{v['id']}: {v['help']} ({v['helpUrl']}) at {[n['target'] for n in v['nodes'][:3]]}" for v in violations]
    assert not violations, f"axe found {len(violations)} violations on {page.url}:\n" + "\n".join(lines)


def _ci() -> bool:
    """Whether this run is CI (CI=true), where a missing browser is a failure, not a skip."""
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the whole session; missing fails in CI and skips locally."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if _ci():
            pytest.fail(message)
        pytest.skip(message)
    if not AXE_JS.exists():
        message = f"axe-core is missing at {AXE_JS} (npm ci)"
        if _ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def new_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh context (its own cookies); axe needs bypass_csp, so it is the default."""
    contexts: list[Any] = []

    def make(*, bypass_csp: bool = True, **options: Any) -> Any:
        if FORWARDED_HEADERS:  # behind the HTTPS proxy setting, as the HTTP tests are
            options.setdefault("extra_http_headers", FORWARDED_HEADERS)
        context = browser.new_context(base_url=live_server, bypass_csp=bypass_csp, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_page: Callable[..., Any]) -> Any:
    """A page in a new browser context, CSP bypassed so axe can be injected."""
    return new_page()


@pytest.fixture()
def axe() -> Callable[[Any], None]:
    """The axe-core check: `axe(page)` fails listing every WCAG 2.2 AA violation on the page."""
    return _axe


@pytest.fixture()
def fill_section() -> Callable[[Any, str], None]:
    """`fill_section(page, key)` answers a section validly by clicking and typing."""
    return _fill_section
