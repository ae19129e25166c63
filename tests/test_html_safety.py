"""Nothing from the data executes and nothing non-http is linked (issue 4; README, "Design
decisions: safety").

The fixture (``tests/fixtures/web/``) labels things with ``<script>`` and attribute-breaking
text and links ``javascript:``, ``data:`` and ``vbscript:`` IRIs. Each page is checked twice:
as text (escaped markup, no non-http ``href``, JSON-LD that cannot close its ``<script>``), and
in a real Chromium loading the page's HTML *without* our Content-Security-Policy, so escaping
alone must stop every script. HTML spec §4.12.1.3 (restrictions for contents of script
elements); OWASP XSS Prevention Cheat Sheet rules 1, 2, 3.1 (HTML body, attributes, JSON in HTML).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import sync_playwright
from support import launch_chromium
from web_support import PAGES, make_app

HREF = re.compile(r'\bhref="([^"]*)"', re.IGNORECASE)
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


@pytest.fixture(scope="module")
def pages(client):
    found = {}
    for name, path in PAGES.items():
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, (name, response.status_code)
        found[name] = response
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_markup_from_the_data_is_escaped(pages, name):
    """OWASP rules 1 and 2: data in HTML text and attributes is entity-encoded."""
    html = pages[name].get_data(as_text=True)
    for raw in ("<script>window", "<img", "<b>", "<i>", "<!--", "onerror=window.pwned=4>"):
        assert raw not in html, raw
    # The only script elements are ours: JSON data blocks (JSON-LD, the editor's completions)
    # and static files of this server (ours, and the vendored editor).
    for tag in SCRIPT_TAG.findall(html):
        assert tag in (
            '<script type="application/ld+json">',
            '<script type="application/json" id="query-completions">',
        ) or re.fullmatch(r'<script src="/static/[a-z/]+(\.min)?\.js" defer>', tag), tag
    # A data block cannot end early: no "<" inside it (script_json writes \u003c).
    for block in re.findall(
        r'<script type="application/[a-z+]*json"[^>]*>(.*?)</script>', html, re.S
    ):
        assert "<" not in block


@pytest.mark.parametrize("name", list(PAGES))
def test_only_http_iris_are_links(pages, name):
    """README, Design decisions: javascript:, data:, vbscript: IRIs are text, never href."""
    html = pages[name].get_data(as_text=True)
    for href in HREF.findall(html):
        assert href.startswith(("http://", "https://", "/", "#", "?")) or href == "data:,", href


@pytest.mark.parametrize("name", ["resource-evil", "resource-plain-ru"])
def test_jsonld_cannot_close_its_script(pages, name):
    """HTML §4.12.1.3: no '</script' or '<!--' inside; <, >, & written as \\u escapes."""
    html = pages[name].get_data(as_text=True)
    (block,) = JSONLD.findall(html)
    for raw in "<>&":
        assert raw not in block, raw
    document = json.dumps(json.loads(block), ensure_ascii=False)
    assert "Plain thing" in document  # the data survives, only its encoding changed
    if name == "resource-evil":
        assert "</script><script>window.pwned=6</script>" in document


@pytest.mark.parametrize("name", list(PAGES))
def test_html_pages_carry_a_content_security_policy(pages, name):
    policy = pages[name].headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert pages[name].headers["X-Content-Type-Options"] == "nosniff"


def test_nothing_executes_in_a_real_browser(pages):
    """Every page's HTML in Chromium without CSP: no dialog, no ``window.pwned``."""
    with sync_playwright() as driver:
        browser = launch_chromium(driver)
        try:
            page = browser.new_page(java_script_enabled=True)
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.route("**/*", lambda route: route.abort())  # nothing loads from anywhere
            for name, response in pages.items():
                page.set_content(response.get_data(as_text=True), wait_until="domcontentloaded")
                assert page.evaluate("window.pwned === undefined"), name
                links = page.eval_on_selector_all(
                    "a[href]",
                    "els => els.map(e => new URL(e.getAttribute('href'), 'http://x/').protocol)",
                )
                assert set(links) <= {"http:", "https:"}, (name, links)
            assert dialogs == []
        finally:
            browser.close()
