"""End to end: a real headless Chromium (Debian's, driven by Playwright) against ``ictkg serve``.

Issue 4, "Done when": open the home page, follow a list to a resource, follow a link to another
resource, search by a Russian label, switch language, run an example query and see its rows,
download a result. Issue 13: every page type in English, Russian and Belarusian at a phone and
a desktop width, each checked with axe-core (vendored in ``tests/vendor/axe-core``: no serious
or critical violation) and photographed into ``test-artifacts/``; the search box's suggestions,
the editor's completion and the results' pages. The server is the production one (granian via
``ictkg serve``) on the real data, on 127.0.0.1 and a free port. Screenshots of every step of
the flows go to ``test-artifacts/`` when a test fails; ``ICTKG_SCREENSHOTS=1`` keeps them all
(and photographs the sweep's pages whole, not their first three screens).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import ictkg_serve
from playwright.sync_api import BrowserContext, sync_playwright
from support import ROOT, TESTS, launch_chromium

ARTIFACTS = ROOT / "test-artifacts"
WIDTHS = {"phone": 375, "desktop": 1280}
AXE = (TESTS / "vendor" / "axe-core" / "axe.min.js").read_text()
#: What axe reports as a failure here (its impact levels: minor, moderate, serious, critical).
BLOCKING = {"serious", "critical"}


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


@pytest.fixture(scope="module")
def contexts(browser) -> Iterator[Callable[[str], BrowserContext]]:
    """One browser context a width, made when first asked for, shared by the flows: its HTTP
    cache and compiled scripts are kept from test to test (a new context each test cost a
    quarter of their time). The site keeps no cookie and no storage, so nothing else is."""
    made: dict[str, BrowserContext] = {}

    def context(width: str) -> BrowserContext:
        if width not in made:
            viewport = {"width": WIDTHS[width], "height": 900}
            made[width] = browser.new_context(viewport=viewport, accept_downloads=True)
        return made[width]

    yield context
    for context in made.values():
        context.close()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def page(request, contexts):
    """A new tab at phone or desktop width; its screens at every step when the test fails (the
    first screen of each step; the whole page at the failure, and at every step with
    ``ICTKG_SCREENSHOTS``)."""
    page = contexts(request.param).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    shots: list[tuple[str, bytes]] = []
    failures = request.session.testsfailed
    whole = bool(os.environ.get("ICTKG_SCREENSHOTS"))

    def snap(name: str) -> None:
        page.wait_for_load_state()  # a screen of a document being replaced cannot be taken
        shots.append((name, page.screenshot(full_page=whole)))

    page.snap = snap
    yield page
    failed = request.session.testsfailed > failures
    if failed:
        shots.append(("failure", page.screenshot(full_page=True)))
    if failed or whole:
        ARTIFACTS.mkdir(exist_ok=True)
        for number, (name, data) in enumerate(shots):
            file = ARTIFACTS / f"{request.node.name}-{number:02d}-{name}.png".replace("/", "_")
            file.write_bytes(data)
    page.close()


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
    page.wait_for_url("**/search?**")
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
    assert page.locator(".query-editor .cm-content").inner_text().strip() != ""
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
    # Each format saves under a name of its own, with its extension (repeated downloads of
    # JSON, TSV or Turtle were all saved as "sparql").
    assert download.suggested_filename == "query-results.csv"
    with page.expect_download() as info:
        page.locator(".downloads a", has_text="TSV").click()
    assert info.value.suggested_filename == "query-results.tsv"
    assert page.errors == []


def test_the_example_picker_works_with_javascript(server, page):
    """Progressive enhancement: with JS an example fills the editor without leaving /sparql."""
    page.goto(server + "sparql")
    assert page.locator("#query-form").count() == 1
    before = page.url
    page.locator("#examples a").nth(1).click()
    assert page.url == before
    assert "SELECT" in page.locator("#query-text").input_value()
    assert "SELECT" in page.locator(".query-editor .cm-content").inner_text()
    page.locator(".query-editor .cm-content").press("Control+Enter")
    page.wait_for_selector("table.results tbody tr")
    assert page.errors == []


def test_the_search_box_suggests_while_typing(server, page):
    """Issue 13: prefix suggestions from /search/suggest, in any script; arrows and Enter."""
    page.goto(server)
    page.locator("#site-search").press_sequentially("Минск 20", delay=20)
    # The list for what was typed last: on a slow machine a pause between two keys asks for
    # the beginning of it, and that answer is replaced when the last one comes.
    options = page.locator("#site-search-suggestions[aria-busy=false] [role=option]")
    options.first.wait_for()
    page.snap("suggestions")
    assert page.locator("#site-search").get_attribute("aria-expanded") == "true"
    assert "Connect CIS Summit" in " ".join(options.all_inner_texts())
    page.locator("#site-search").press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    page.locator("#site-search").press("Enter")
    page.wait_for_url("**/doc/**")  # the suggestion's /id/ IRI, then its 303 to the page
    assert page.errors == []


def test_the_editor_completes_our_classes(server, page):
    """Issue 13: completion of prefixes, classes and properties in the query editor."""
    page.goto(server + "query")
    editor = page.locator(".query-editor .cm-content")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT * WHERE { ?e a ictkg:Summ")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="ictkg:Summit")
    option.first.wait_for()
    page.snap("completion")
    # CodeMirror lets keys choose from a list only once it has been open for its
    # interactionDelay (75 ms), so that a key typed before the list shows goes to the text (an
    # Enter then breaks the line): wait until the page's clock says the list has been open that
    # long, counted from when the page was first seen with it.
    page.wait_for_function(
        """() => {
            const list = document.querySelector('.cm-tooltip-autocomplete');
            if (!list) return false;
            window.listSeenAt ??= new WeakMap();
            if (!window.listSeenAt.has(list)) window.listSeenAt.set(list, Date.now());
            return Date.now() - window.listSeenAt.get(list) > 100;
        }"""
    )
    page.keyboard.press("Enter")
    assert "?e a ictkg:Summit" in page.locator("#query-text").input_value()
    page.keyboard.type(" } LIMIT 5")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("table.results tbody tr")
    assert page.locator("table.results tbody tr").count() >= 1
    assert page.errors == []


def test_the_results_are_paged(server, page):
    """Issue 13: no 1000-row wall: every row is one "next" away, and the link is shareable."""
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    page.goto(server + "query?" + urlencode({"query": query}))
    assert page.locator("table.results tbody tr").count() == 100
    page.locator("nav.pager a[rel=next]").click()
    page.wait_for_url("**page=2**")
    page.snap("page-2")
    assert "101" in page.locator("#rows-shown").inner_text()
    assert page.locator("table.results tbody tr").count() == 100
    page.locator("#share-link").click()
    page.wait_for_url(lambda url: "page=" not in url)
    assert page.locator(".query-editor .cm-content").inner_text().startswith("SELECT ?s ?p ?o")
    assert page.errors == []


# --- every page type, three languages, two widths, axe-core ---------------------------------------

PAGE_TYPES = {
    "home": "",
    "list": "list?class=https%3A%2F%2Fw3id.org%2Fbelarus-ict%2Fontology%23State",
    "resource": "doc/state/belarus.html",
    "event": "doc/event/connect-cis-summit-2009.html",
    "search": "search?q=Minsk+2009",
    "ontology": "ontology.html",
    "query": "query?example=events-by-date",
    "dataset": ".well-known/void.html",
}


@pytest.fixture(scope="module")
def sweep_page(browser):
    """The one tab of the page-type sweep, with axe-core in every document it loads (an init
    script). A tab navigated from page to page keeps its renderer process, which compiles
    axe-core once: a new tab a page, with axe put in by hand, cost twice the CPU."""
    context = browser.new_context(viewport={"width": WIDTHS["phone"], "height": 900})
    context.add_init_script(AXE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """What axe-core (in the page already: ``sweep_page``'s init script) finds now."""
    return page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )


def photograph(page, file: Path) -> None:
    """The first screen of the page, or the whole page with ``ICTKG_SCREENSHOTS``. The first
    screen shows the layout; the VoID and ontology pages are 25 000 to 40 000 px tall, and a
    photograph of more than the screen lays the whole page out again (10 times the time)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(file), full_page=bool(os.environ.get("ICTKG_SCREENSHOTS")))


class Sweep:
    """Every page type at a phone and a desktop width in one language (issue 13): each page is
    loaded once, at the phone's width, then checked at each width in turn (the window resized,
    as a reader turning a tablet or widening a window does), in one tab (``sweep_page``).

    One class per language: ``make test`` runs pytest-xdist with ``--dist loadscope``, which
    keeps a file's tests in one process but gives each class to whichever process is free, so
    the three languages of this sweep (the longest part of the suite) run side by side, each
    process with its own server and Chromium (the module's fixtures).
    """

    lang: str

    @pytest.mark.parametrize("kind", list(PAGE_TYPES))
    def test_every_page_type_is_accessible(self, server, sweep_page, kind):
        """At each width: no serious or critical axe-core violation, nothing wider than the
        screen; and no script error."""
        lang, page = self.lang, sweep_page
        page.set_viewport_size({"width": WIDTHS["phone"], "height": 900})
        page.errors.clear()
        path = PAGE_TYPES[kind]
        response = page.goto(server + path + ("&" if "?" in path else "?") + f"lang={lang}")
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == lang
        found = {}
        for width, pixels in WIDTHS.items():
            page.set_viewport_size({"width": pixels, "height": 900})
            photograph(page, ARTIFACTS / f"{kind}-{lang}-{width}.png")
            blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
            # Nothing wider than the screen but the parts that scroll on purpose.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if blocking or overflow > 0:
                found[width] = {"axe-core": blocking, "overflow (px)": overflow}
        assert found == {}
        assert page.errors == []


class TestEnglish(Sweep):
    lang = "en"


class TestRussian(Sweep):
    lang = "ru"


class TestBelarusian(Sweep):
    lang = "be"
