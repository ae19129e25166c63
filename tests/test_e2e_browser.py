"""End to end: a real headless Chromium (Debian's, driven by Playwright) against ``ictkg serve``.

Issue 4, "Done when": open the home page, follow a list to a resource, follow a link to another
resource, search by a Russian label, switch language, run an example query and see its rows,
download a result. The server is the production one (granian via ``ictkg serve``) on the real
data, on 127.0.0.1 and a free port. Screenshots of every step go to ``test-artifacts/`` when a
test fails; ``ICTKG_SCREENSHOTS=1`` keeps them for every step (to look at both widths).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ictkg_serve
from playwright.sync_api import sync_playwright
from support import launch_chromium

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
WIDTHS = {"phone": 375, "desktop": 1280}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``ictkg serve`` (granian) on the real data; stopped after the module."""
    with ictkg_serve(
        "--workers", "1", fixture=False, seconds=60, interval=0.1, group=False
    ) as root:
        yield root


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium for a closed network, with a fresh temporary profile (``support``)."""
    with sync_playwright() as driver:
        chromium = launch_chromium(driver)
        yield chromium
        chromium.close()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def page(request, browser):
    """A page at phone or desktop width; screenshots of it when the test fails."""
    context = browser.new_context(
        viewport={"width": WIDTHS[request.param], "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    shots: list[tuple[str, bytes]] = []
    failures = request.session.testsfailed
    page.snap = lambda name: shots.append((name, page.screenshot(full_page=True)))
    yield page
    failed = request.session.testsfailed > failures
    if failed:
        shots.append(("failure", page.screenshot(full_page=True)))
    if failed or os.environ.get("ICTKG_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        for number, (name, data) in enumerate(shots):
            file = ARTIFACTS / f"{request.node.name}-{number:02d}-{name}.png".replace("/", "_")
            file.write_bytes(data)
    context.close()


def test_from_home_through_a_list_to_belarus_role_at_tunis(server, page):
    """Issue 4: Belarus' role at the Tunis phase of WSIS in three clicks from the home page."""
    page.goto(server)
    page.snap("home")
    assert page.locator("h1").first.inner_text() == "Belarus ICT Cooperation Knowledge Graph"
    assert page.locator("svg.timeline a").count() >= 5  # the events, drawn on the server
    page.locator("#kinds").get_by_role(
        "link", name="State", exact=True
    ).click()  # 1: the list of states
    page.snap("list")
    assert page.locator("h1").inner_text().startswith("State")
    page.locator("ol.items").get_by_role("link", name="Belarus", exact=True).click()  # 2: Belarus
    page.snap("belarus")
    assert page.locator("h1").inner_text() == "Belarus"
    page.locator("#incoming a", has_text="Tunis").first.click()  # 3: its role at Tunis
    page.snap("participation")
    assert "Vice-Chair" in page.locator("h1").inner_text()
    assert page.locator("#facts").get_by_text("vice-chair", exact=False).count() >= 1
    page.locator("#facts a", has_text="Tunis").first.click()  # a link to another resource
    assert page.locator("h1").inner_text() == "WSIS Tunis phase (2005)"
    assert page.locator("#facts time").count() >= 2  # dates, formatted
    assert page.errors == []


def test_search_by_a_russian_label_and_switch_language(server, page):
    page.goto(server)
    page.fill("#site-search", "Беларусь")
    page.press("#site-search", "Enter")
    page.snap("search")
    page.locator("ol.results a", has_text="Belarus").first.click()
    assert page.locator("h1").inner_text() == "Belarus"
    page.locator(".languages a[hreflang=ru]").click()
    page.snap("russian")
    assert page.locator("h1").inner_text() == "Беларусь"
    assert page.locator("html").get_attribute("lang") == "ru"
    # The choice is kept in links: the next page is Russian too.
    page.locator("#incoming a", has_text="Тунис").first.click()
    assert "Тунисского" in page.locator("h1").inner_text()
    assert "lang=ru" in page.url
    assert page.errors == []


def test_run_an_example_query_and_download_its_results(server, page):
    page.goto(server)
    page.locator("#examples a").first.click()
    page.snap("query-page")
    assert page.locator("#query-text").input_value().strip() != ""
    page.locator("#query-form button[type=submit]").click()
    page.wait_for_selector("table.results tbody tr")
    page.snap("results")
    assert page.locator("table.results tbody tr").count() >= 1
    with page.expect_download() as info:
        page.locator(".downloads a", has_text="CSV").click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    header, *rows = text.strip().splitlines()
    assert header.split(",")[0]
    assert rows
    assert page.errors == []


def test_the_example_picker_works_with_javascript(server, page):
    """Progressive enhancement: with JS an example fills the editor without leaving /sparql."""
    page.goto(server + "sparql")
    assert page.locator("#query-form").count() == 1
    before = page.url
    page.locator("#examples a").nth(1).click()
    assert page.url == before
    assert "SELECT" in page.locator("#query-text").input_value()
    page.locator("#query-text").press("Control+Enter")
    page.wait_for_selector("table.results tbody tr")
    assert page.errors == []
