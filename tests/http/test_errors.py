"""Every error body from one module (``server/errors.py``), in the form the client reads.

Issue 12 point 6 / issue 13 point 2: a browser gets an HTML page in its language (en, ru, be)
with a search box and a link home; a client asking for JSON gets Problem Details (RFC 9457);
everyone else short text. Headers that belong to a status stay: ``Allow`` (405, RFC 9110
§15.5.6), ``Retry-After`` (503, §10.2.3), ``Link`` to the alternatives (406, §15.5.7).
"""

from __future__ import annotations

import json
import re

import pytest
from support import ROOT
from web_support import make_app

from server.config import BY_NAME
from server.http import errors
from server.http.errors import HttpError
from server.i18n import catalogue, language
from server.store.base import StoreUnavailable

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SERVER = ROOT / "server"

#: (method, target, headers, body, status): errors of every kind the app answers itself.
ERRORS = {
    "400 bad list page": ("GET", "/list?class=x&page=0", {}, None, 400),
    "400 malformed query": ("GET", "/sparql?query=SELECT%20%7B", {}, None, 400),
    "403 update": ("GET", "/sparql?update=CLEAR%20ALL", {}, None, 403),
    "404 unknown path": ("GET", "/nothing/here", {}, None, 404),
    "404 unknown resource": ("GET", "/id/thing/nothing", {}, None, 404),
    "404 unknown document": ("GET", "/doc/thing/nothing", {}, None, 404),
    "404 unknown dump": ("GET", "/dumps/nothing.ttl", {}, None, 404),
    "404 unknown format": ("GET", "/ontology.png", {}, None, 404),
    "405 method": ("DELETE", "/sparql", {}, None, 405),
    "406 document": ("GET", "/doc/thing/thing-plain", {"Accept": "image/png"}, None, 406),
    "406 search": ("GET", "/search?q=x", {"Accept": "image/png"}, None, 406),
    "413 body": (
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query"},
        b"ASK {}" + b" " * 300_000,
        413,
    ),
    "413 form": (
        "POST",
        "/sparql",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"query=" + b"a" * 300_000,
        413,
    ),
    "415 media type": ("POST", "/sparql", {"Content-Type": "application/json"}, b"{}", 415),
    # No HTTP server in front of the test client: the app's own 414 (MAX_QUERY_LENGTH).
    "414 query over MAX_QUERY_LENGTH": ("GET", "/sparql?query=" + "a" * 70_000, {}, None, 414),
}


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def words(app, lang: str, text: str) -> str:
    """An interface message as a page in ``lang`` shows it (the catalogues' translation)."""
    from flask_babel import gettext

    with app.test_request_context(f"/?lang={lang}"):
        return gettext(text)


def send(client, method, target, headers, body, accept=None, lang=None):
    headers = dict(headers)
    if accept is not None:
        headers.setdefault("Accept", accept)
    if lang is not None:
        headers["Accept-Language"] = lang
    return client.open(target, method=method, headers=headers, data=body)


@pytest.mark.parametrize("lang", ["en", "ru", "be"])
@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "status"), ERRORS.values(), ids=ERRORS.keys()
)
def test_a_browser_gets_a_page_in_its_language(
    app, client, method, target, headers, body, status, lang
) -> None:
    response = send(client, method, target, headers, body, accept=BROWSER, lang=lang)
    assert response.status_code == status
    if "Accept" in headers:  # asked for a format no error has: text, not a page
        assert response.mimetype == "text/plain"
        return
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    choice = language.Choice(lang, True)
    assert f'<html lang="{lang}">' in page
    with app.test_request_context():
        assert errors.title(status, choice) in page
        assert errors.description(status, choice) in page
    assert 'id="error-search" type="search" name="q"' in page
    assert f">{words(app, lang, 'Go to the home page')}</a>" in page
    assert "Accept-Language" in response.vary
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        ("application/json", "application/problem+json"),
        ("text/html", "text/html"),
        (None, "text/plain"),
    ],
)
def test_an_unknown_format_is_refused_in_the_form_the_client_reads(client, accept, form):
    """format=n4 names neither JSON nor XML: the Accept header chooses the error's form (the 406
    came as text whatever the client read)."""
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql?query=ASK%7B%7D&format=n4", headers=headers)
    assert response.status_code == 406
    assert response.mimetype == form


@pytest.mark.parametrize(
    ("target", "detail"),
    [
        ("/id/state/nowhere", "рэсурсу /id/state/nowhere няма"),
        ("/doc/state/nowhere", "рэсурсу /id/state/nowhere няма"),
        ("/ontology.pdf", "/ontology няма фармату .pdf"),
    ],
)
def test_a_not_found_page_says_what_is_missing_in_the_reader_language(client, target, detail):
    """The detail, not only the title, is in the page's language (it was English)."""
    response = client.get(target, query_string={"lang": "be"}, headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert detail in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "status"), ERRORS.values(), ids=ERRORS.keys()
)
@pytest.mark.parametrize("accept", [None, "*/*", "text/plain"])
def test_a_tool_gets_short_text(client, method, target, headers, body, status, accept) -> None:
    response = send(client, method, target, headers, body, accept=accept)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    # The status line, or a SPARQL syntax error's own layout (server/workers/errors.py).
    assert re.match(rf"{status} [A-Z][\w ]+(: |\n)|Malformed query: ", text), text[:200]
    assert "<" not in text.split("\n")[0]
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    "accept", ["application/json", "application/problem+json;q=0.9, */*;q=0.1"]
)
@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "status"),
    [e for e in ERRORS.values() if "Accept" not in e[2]],
    ids=[k for k, e in ERRORS.items() if "Accept" not in e[2]],
)
def test_a_client_asking_for_json_gets_problem_details(
    client, method, target, headers, body, status, accept
) -> None:
    response = send(client, method, target, headers, body, accept=accept)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = json.loads(response.get_data(as_text=True))
    assert problem["status"] == status
    # A SPARQL syntax error names the grammar it broke; the others, nothing beyond the status.
    assert problem["type"] in ("about:blank", "https://www.w3.org/TR/sparql11-query/#grammar")
    assert problem["title"]
    assert problem["detail"]


def test_406_lists_what_is_available_in_every_form(app, client) -> None:
    target = "/doc/thing/thing-plain"
    text = client.get(target, headers={"Accept": "image/png"})
    assert "text/turtle  http://localhost/doc/thing/thing-plain.ttl" in text.get_data(as_text=True)
    assert 'rel="alternate"; type="text/turtle"' in text.headers["Link"]
    # Results are not HTML: a browser that accepts only HTML gets the list as a page.
    page = client.get("/sparql?lang=ru&query=ASK%7B%7D", headers={"Accept": "text/html"})
    assert page.status_code == 406
    assert page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert words(app, "ru", "Available formats") in body
    assert words(app, "ru", "Available formats") != "Available formats"
    assert "<code>application/sparql-results+json</code> (<code>format=json</code>)" in body


def test_405_keeps_allow(client) -> None:
    response = client.delete("/sparql", headers={"Accept": BROWSER})
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_an_explicit_language_wins_and_stays_in_links(client) -> None:
    response = client.get("/nothing?lang=be", headers={"Accept": BROWSER, "Accept-Language": "ru"})
    page = response.get_data(as_text=True)
    assert '<html lang="be">' in page
    assert 'name="lang" value="be"' in page
    assert "Accept-Language" not in response.vary


def test_503_of_a_store_that_is_down_keeps_retry_after() -> None:
    app = make_app()

    @app.get("/down")
    def down():
        raise StoreUnavailable("the engine went away")

    client = app.test_client()
    for accept, form in [(BROWSER, "text/html"), ("*/*", "text/plain")]:
        response = client.get("/down", headers={"Accept": accept})
        assert response.status_code == 503
        assert response.mimetype == form
        assert response.headers["Retry-After"] == "5"
        assert "the engine went away" in response.get_data(as_text=True)


def test_head_of_an_error_has_no_body(client) -> None:
    response = client.head("/nothing/here", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.get_data() == b""


#: An error body written outside server/errors.py: a status line in a string, or a tuple
#: (body, status) / Response(..., status) with a 4xx/5xx status.
STRAY = re.compile(
    r"\"[45]\d\d [A-Z][a-z]+|,\s*[45]\d\d\s*,\s*\{\"Content-Type\"|Response\([^)]*\b[45]\d\d\b"
)


def test_no_module_writes_its_own_error_body() -> None:
    stray = []
    for path in sorted(SERVER.rglob("*.py")):
        if path.name == "errors.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STRAY.search(line):
                stray.append(f"{path.relative_to(SERVER)}:{number}: {line.strip()}")
    assert not stray, "\n".join(stray)


STATUS_KEYS = sorted(errors.TITLES)


def test_every_error_string_is_translated() -> None:
    """Each status's title and description is in the Russian and Belarusian catalogues."""
    assert {404, 406, 410, 503} <= set(STATUS_KEYS)
    assert set(errors.DESCRIPTIONS) == set(errors.TITLES)
    for code in catalogue.TRANSLATED:
        translated = catalogue.load(code)
        for text in [*errors.TITLES.values(), *errors.DESCRIPTIONS.values()]:
            found = translated.get(text)
            assert found is not None, f"{text!r} not in {code}"
            assert found.string, f"{text!r} untranslated in {code}"
            assert not found.fuzzy, f"{text!r} fuzzy in {code}"


@pytest.fixture(scope="module")
def raising():
    """An app with one more route that raises the status it is given."""
    app = make_app()

    @app.get("/raise/<int:status>")
    def raise_status(status: int):
        raise HttpError(status, "what went wrong")

    return app.test_client()


@pytest.mark.parametrize("status", STATUS_KEYS)
def test_every_status_has_its_page(app, raising, status) -> None:
    """410 included, which no route answers yet: a withdrawn resource gets its page the day one
    does."""
    for code in language.LANGUAGES:
        page = raising.get(f"/raise/{status}?lang={code}", headers={"Accept": BROWSER})
        assert page.status_code == status
        body = page.get_data(as_text=True)
        choice = language.Choice(code, True)
        with app.test_request_context():
            assert f"<title>{errors.title(status, choice)} ·" in body
        assert "what went wrong" in body


#: A path that quotes control characters: what the 404's text body says of it (C0, DEL and C1
#: written as Python writes them; the rest of the message as it was).
CONTROLS = [
    pytest.param("%1b%5b31mRED", "\\x1b[31mRED", id="terminal-escape"),
    pytest.param("a%00b", "a\\x00b", id="nul"),
    pytest.param("a%0d%0aSet-Cookie:x", "a\\r\\nSet-Cookie:x", id="line-break"),
    pytest.param("a%09b%7fc", "a\\tb\\x7fc", id="tab-and-del"),
    pytest.param("a%c2%9b31m", "a\\x9b31m", id="c1-csi"),
    pytest.param("a%ef%bf%beb%ef%bf%bf", "a\\ufffeb\\uffff", id="xml-non-characters"),
    pytest.param("bela%C3%A9", "belaé", id="letters-untouched"),
]


@pytest.mark.parametrize(("slug", "shown"), CONTROLS)
def test_a_text_body_escapes_the_control_characters_it_quotes(client, slug, shown) -> None:
    response = client.get(f"/id/thing/{slug}", headers={"Accept": "text/plain"})
    assert response.status_code == 404
    assert response.get_data(as_text=True) == f"404 Not Found: no resource /id/thing/{shown}\n"


def test_problem_details_keep_the_control_characters_json_escapes(client) -> None:
    response = client.get("/id/thing/%1b%00", headers={"Accept": "application/problem+json"})
    assert response.status_code == 404
    assert b"\\u001b\\u0000" in response.get_data()
    assert response.get_json()["detail"] == "no resource /id/thing/\x1b\x00"


@pytest.mark.parametrize(("slug", "shown"), CONTROLS)
def test_problem_xml_that_quotes_control_characters_is_well_formed(client, slug, shown) -> None:
    """XML 1.0 cannot carry most control characters, not even as references: escaped as text."""
    from xml.etree import ElementTree

    response = client.get(f"/id/thing/{slug}", headers={"Accept": "application/problem+xml"})
    assert response.status_code == 404
    detail = ElementTree.fromstring(response.get_data()).find("{urn:ietf:rfc:7807}detail")
    assert detail.text == f"no resource /id/thing/{shown}"


def test_an_errors_own_text_keeps_its_lines_and_tabs_but_escapes_the_rest(client) -> None:
    """A SPARQL syntax error's layout: the message, the query's line, the caret under it."""
    response = client.get("/sparql?query=SELECT%09%1b%7B", headers={"Accept": "text/plain"})
    assert response.status_code == 400
    lines = response.get_data(as_text=True).split("\n")
    assert lines[0].startswith("Malformed query: syntax error at line 1, column ")
    assert lines[1] == "SELECT\t\\x1b{"
    assert "\t" in lines[2]  # the caret lines up with the tab
    assert lines[2].endswith("^")
    assert lines[3:] == [""]


#: A query whose line holds an escape character (in a string, where SPARQL allows it) before
#: the undeclared prefix the parser stops at.
ESCAPED_LINE = 'SELECT * { ?s ?p "a\x1bb" . ?s foo:bar ?o }'


def test_the_caret_lines_up_under_the_escaped_line_of_a_text_body(client) -> None:
    response = client.get(
        "/sparql", query_string={"query": ESCAPED_LINE}, headers={"Accept": "text/plain"}
    )
    assert response.status_code == 400
    _, line, caret, _ = response.get_data(as_text=True).split("\n")
    assert line == 'SELECT * { ?s ?p "a\\x1bb" . ?s foo:bar ?o }'
    assert caret.strip() == "^"
    assert line[len(caret) - 1 :].startswith(" ?o")  # just after foo:bar, as pyoxigraph says


def test_the_caret_lines_up_in_problem_xml_and_counts_characters_in_json(client) -> None:
    from xml.etree import ElementTree

    def ask(accept: str):
        return client.get(
            "/sparql", query_string={"query": ESCAPED_LINE}, headers={"Accept": accept}
        )

    as_json = ask("application/problem+json").get_json()
    assert as_json["text"] == ESCAPED_LINE  # JSON escapes the character itself
    assert len(as_json["caret"]) == as_json["column"]
    found = ElementTree.fromstring(ask("application/problem+xml").get_data())
    line = found.find("{urn:ietf:rfc:7807}text").text
    caret = found.find("{urn:ietf:rfc:7807}caret").text
    assert "\\x1b" in line
    assert line[len(caret) - 1 :] == ESCAPED_LINE[as_json["column"] - 1 :]


def test_the_last_page_keeps_every_offset_in_the_engines_integers() -> None:
    """``page=`` up to LAST_PAGE at the largest page size a setting allows: an OFFSET that fits
    a signed 64-bit integer (pyoxigraph refused a larger one as a syntax error: a 500)."""
    sizes = ("LIST_PAGE_SIZE", "BACKLINKS_PAGE_SIZE", "QUERY_PAGE_ROWS")
    largest = max(int(BY_NAME[name].most or 0) for name in sizes)
    assert (errors.LAST_PAGE - 1) * largest < 2**63
