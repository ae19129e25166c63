"""Pages for people (issue 4): query budget, languages and fallbacks, lists, search, drawings.

Sources: issue 4 ("no page needs more than 3 SPARQL queries", "a page never shows an empty
label", "?lang= switch or Accept-Language"); RFC 9110 §12.5.4 (Accept-Language), §12.5.5
(Vary); SPARQL 1.1 Query §15.1 (ORDER BY).
"""

from __future__ import annotations

import itertools
import re

import pytest
from support import CountingStore
from web_support import BASE, EVENT, PAGES, THING, make_app

from server import create_app
from server.i18n.language import choose
from server.pages import diagram, timeline
from server.pages.values import format_date, format_number
from server.rdf import labels


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def page_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


# --- the query budget ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_no_page_needs_more_than_three_queries(path):
    """Issue 4: at most 3 SPARQL queries per page, counted on a fresh app (no cache)."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    response = app.test_client().get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert len(counting.queries) <= 3, counting.queries


def test_the_home_page_reads_the_store_once_per_version_and_language():
    """Its parts read the whole store (seconds at 1e5 triples): kept per dataset version, root
    and language, so a second visitor costs no query."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    client = app.test_client()
    first = client.get("/")
    asked = len(counting.queries)
    assert asked > 0
    again = client.get("/")
    assert len(counting.queries) == asked
    assert again.get_data() == first.get_data()
    client.get("/?lang=ru")
    assert len(counting.queries) > asked


def test_the_resource_page_gets_labels_in_one_batched_query():
    """Issue 4: "a page never issues one query per link"."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    app.test_client().get("/doc/thing/thing-evil.html")
    batched = [q for q in counting.queries if "VALUES ?x" in q]
    assert len(batched) == 1
    for linked in ("thing/thing-plain", "thing/nameless", "thing/source", "ontology#link"):
        assert linked in batched[0]


# --- languages -----------------------------------------------------------------------------------

LANGUAGE_CHOICES = [
    pytest.param(None, None, "en", False, id="default-english"),
    pytest.param("ru", None, "ru", True, id="lang-param"),
    pytest.param(None, "ru-RU,ru;q=0.9,en;q=0.5", "ru", False, id="rfc9110-12.5.4-accept-language"),
    pytest.param("be", "ru", "be", True, id="lang-param-wins-over-header"),
    pytest.param("xx", "be", "be", False, id="unknown-lang-param-ignored"),
    pytest.param("RU", None, "ru", True, id="rfc5646-2.1.1-tags-ignore-case"),
    pytest.param("be-BY", "ru", "be", True, id="lang-param-by-its-primary-subtag"),
    pytest.param(None, "de, fr;q=0.5", "en", False, id="nothing-offered-gets-english"),
]


@pytest.mark.parametrize(("param", "header", "code", "explicit"), LANGUAGE_CHOICES)
def test_language_choice(param, header, code, explicit):
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    accept = parse_accept_header(header, LanguageAccept) if header else LanguageAccept()
    choice = choose(param, accept)
    assert (choice.code, choice.explicit) == (code, explicit)


FALLBACKS = [
    pytest.param(("ru", "be", "en"), ["Thing@en", "Вещь@ru"], "Вещь", id="chosen-language"),
    pytest.param(("ru", "be", "en"), ["Thing@en", "Рэч@be"], "Рэч", id="ru-falls-back-to-be"),
    pytest.param(("en", "ru", "be"), ["Толькі@be"], "Толькі", id="any-label-before-local-name"),
    pytest.param(("en", "ru", "be"), ["Thing", "Вещь@ru"], "Thing", id="untagged-before-other"),
    pytest.param(("be", "ru", "en"), ["Thing@en-GB", "Вещь@ru"], "Вещь", id="be-falls-back-to-ru"),
    pytest.param(("en", "ru", "be"), ["Thing@en-GB"], "Thing", id="language-subtag-matches"),
]


@pytest.mark.parametrize(("chain", "values", "expected"), FALLBACKS)
def test_label_fallback_chain(chain, values, expected):
    from rdflib import RDFS, Graph, Literal, URIRef

    graph = Graph()
    node = URIRef(BASE + "id/thing/x")
    for value in values:
        text, _, lang = value.partition("@")
        graph.add((node, RDFS.label, Literal(text, lang=lang or None)))
    assert labels.name(graph, node, chain) == expected


def test_a_page_never_shows_an_empty_label(client):
    html = page_text(client.get("/doc/thing/nameless.html"))
    assert "<h1>nameless</h1>" in html  # the IRI's local name, last in the chain
    html = page_text(client.get("/doc/thing/thing-plain.html"))
    assert "Толькі па-беларуску</a>" in html  # a Belarusian-only label on an English page


def test_lang_param_gives_russian_labels_and_is_kept_in_links(client):
    html = page_text(client.get("/doc/thing/thing-plain.html?lang=ru"))
    assert "<h1>Простая вещь</h1>" in html
    assert '<html lang="ru">' in html
    assert re.search(r'href="http://localhost/id/thing/thing-evil\?lang=ru"[^>]*>Злой', html)


def test_accept_language_chooses_and_varies(client):
    response = client.get("/doc/thing/thing-plain.html", headers={"Accept-Language": "ru"})
    assert "<h1>Простая вещь</h1>" in page_text(response)
    assert "Accept-Language" in response.headers["Vary"]
    english = client.get("/doc/thing/thing-plain.html", headers={"Accept-Language": "en"})
    assert "<h1>Plain thing</h1>" in page_text(english)
    assert english.headers["ETag"] != response.headers["ETag"]


# --- values --------------------------------------------------------------------------------------

DATES = [
    pytest.param("2003-12-10", "date", "en", "10 December 2003", id="xsd-date-en"),
    pytest.param("2003-12-10", "date", "ru", "10 декабря 2003\u202fг.", id="xsd-date-ru"),
    pytest.param("2009-11-25", "date", "be", "25 лістапада 2009\u202fг.", id="xsd-date-be"),
    pytest.param("2016-05", "gYearMonth", "en", "May 2016", id="xsd-gYearMonth-en"),
    pytest.param("2016-05", "gYearMonth", "be", "май 2016", id="xsd-gYearMonth-be"),
    pytest.param("2017", "gYear", "ru", "2017", id="xsd-gYear"),
    pytest.param("2003-13-01", "date", "en", None, id="ill-formed-kept-as-is"),
]


@pytest.mark.parametrize(("lexical", "kind", "lang", "expected"), DATES)
def test_dates_are_formatted(lexical, kind, lang, expected):
    from rdflib import XSD

    assert format_date(lexical, XSD[kind], lang) == expected


def test_numbers_are_grouped():
    assert format_number("1443", "en") == "1,443"
    assert format_number("1443.5", "ru") == "1\u00a0443,5"
    assert format_number("n/a", "en") is None


# --- home, lists, search -------------------------------------------------------------------------


def test_home_counts_kinds_draws_the_timeline_and_links_everything(client):
    html = page_text(client.get("/"))
    assert re.search(r">Thing &lt;script&gt;.*?</a> <span class=\"count\">7</span>", html)
    assert re.search(r">Event</a> <span class=\"count\">2</span>", html)  # a sub-kind
    assert html.count('<rect class="bar"') == 2
    assert "10 December 2003 – 12 December 2003" in html
    for target in (
        "/dumps/dataset.ttl",
        "/.well-known/void",
        "/ontology",
        "/query?example=hostile",
    ):
        assert target in html


def test_the_home_timeline_shows_the_latest_entries_and_says_how_many(monkeypatch):
    """At 1e6 generated triples the timeline held 30 000 entries (a 14.7 MB page): it shows the
    latest HOME_EVENTS, says how many there are, and links every event by date."""
    from server.pages import views

    assert views.HOME_EVENTS == 200  # README, "Pages"
    monkeypatch.setattr(views, "HOME_EVENTS", 1)
    client = make_app().test_client()
    html = page_text(client.get("/"))
    assert html.count('<rect class="bar"') == 1
    assert "2 dated entries in all; the timeline shows the latest 1." in html
    every = re.search(r'<a href="([^"]*)">Every event, by date</a>', html)
    assert every is not None
    assert "sort=date" in every.group(1)
    assert "ontology%23Event" in every[1]  # the class of events, at this host (EVENT)
    russian = page_text(client.get("/?lang=ru"))
    assert "2 записи с датой; на шкале времени последние 1." in russian


@pytest.mark.parametrize("path", ["/", "/list?class=" + THING.replace("#", "%23"), "/query"])
def test_html_pages_say_their_charset(client, path):
    """A client that reads the charset from the header (RFC 9110 §8.3.2; Python's requests)
    would read the page's Cyrillic as Latin-1 without it."""
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    ["/", "/?lang=ru", "/query", "/search?q=forum", "/list?class=" + THING.replace("#", "%23")],
)
def test_a_page_is_revalidated_with_its_etag(client, path):
    """``no-cache`` pages carry an ETag of their bytes: a browser's copy gets a 304."""
    first = client.get(path, headers={"Accept": "text/html"})
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = client.get(path, headers={"Accept": "text/html", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "Accept-Language" in again.headers["Vary"]


def test_pages_in_other_languages_have_other_etags(client):
    assert client.get("/").headers["ETag"] != client.get("/?lang=ru").headers["ETag"]


def test_a_query_page_with_an_error_keeps_its_status_and_no_etag(client):
    response = client.get("/query", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "ETag" not in response.headers
    assert "Malformed query" in response.get_data(as_text=True)


LISTS = [
    # By the name shown, signs it opens with left out ("<script>…Evil" goes under s).
    pytest.param("label", ["Forum", "nameless", "Plain thing", "Evil"], id="by-label"),
    pytest.param("date", ["Summit", "Forum"], id="by-date-dated-first"),
]


@pytest.mark.parametrize(("sort", "order"), LISTS)
def test_lists_sort(client, sort, order):
    cls = (EVENT if sort == "date" else THING).replace("#", "%23")
    html = page_text(client.get(f"/list?class={cls}&sort={sort}"))
    positions = [html.index(label) for label in order]
    assert positions == sorted(positions)


def test_lists_page_with_counts():
    app = make_app(LIST_PAGE_SIZE=2)
    client = app.test_client()
    cls = THING.replace("#", "%23")
    first = page_text(client.get(f"/list?class={cls}"))
    assert '<span class="count">7</span>' in first
    assert re.search(r'rel="next" href="[^"]*page=2"', first)
    last = page_text(client.get(f"/list?class={cls}&page=4"))
    assert 'rel="next"' not in last
    assert client.get(f"/list?class={cls}&page=5").status_code == 404


BAD_REQUESTS = [
    pytest.param("/list?class=not%20an%20iri", 400, id="class-must-be-an-iri"),
    pytest.param(f"/list?class={THING.replace('#', '%23')}&sort=color", 400, id="unknown-sort"),
    pytest.param(f"/list?class={THING.replace('#', '%23')}&page=0", 400, id="page-from-1"),
    pytest.param("/list?class=https://example.org/none", 404, id="empty-class"),
]


@pytest.mark.parametrize(("path", "status"), BAD_REQUESTS)
def test_bad_list_requests(client, path, status):
    assert client.get(path).status_code == status


#: ``page=`` of the paged pages: 400 with what a page may be for what is no page number (a
#: superscript two passes ``str.isdigit``; a page whose OFFSET overflows the engine's integer
#: was a 500), the page's own 404 for a page past the last.
PAGE_WORDS = "page must be a whole number from 1 to 1000000000"
LIST = f"/list?class={THING.replace('#', '%23')}"
BAD_PAGES = [
    pytest.param(f"{LIST}&page=0", 400, PAGE_WORDS, id="list-page-0"),
    pytest.param(f"{LIST}&page=", 400, PAGE_WORDS, id="list-page-empty"),
    pytest.param(f"{LIST}&page=%C2%B2", 400, PAGE_WORDS, id="list-superscript-two"),
    pytest.param(f"{LIST}&page=%D9%A3", 400, PAGE_WORDS, id="list-arabic-indic-three"),
    pytest.param(f"{LIST}&page=-1", 400, PAGE_WORDS, id="list-negative"),
    pytest.param(f"{LIST}&page=1000000001", 400, PAGE_WORDS, id="list-past-the-bound"),
    pytest.param(f"{LIST}&page=1000000000000000000", 400, PAGE_WORDS, id="list-offset-overflow"),
    pytest.param(f"{LIST}&page={'9' * 5000}", 400, PAGE_WORDS, id="list-over-int-digits"),
    pytest.param(f"{LIST}&page=1000000000", 404, "page 1000000000 of 1", id="list-last-bound"),
    pytest.param(f"{LIST}&page=2", 404, "page 2 of 1", id="list-past-the-end"),
    pytest.param("/query?query=ASK%7B%7D&page=%C2%B2", 400, PAGE_WORDS, id="query-superscript"),
    pytest.param(
        "/query?query=ASK%7B%7D&page=99999999999999999999", 400, PAGE_WORDS, id="query-overflow"
    ),
]


@pytest.mark.parametrize(("path", "status", "words"), BAD_PAGES)
def test_a_bad_page_says_what_a_page_may_be(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status
    reason = {400: "Bad Request", 404: "Not Found"}[status]
    assert response.get_data(as_text=True) == f"{status} {reason}: {words}\n"


def test_the_page_rule_speaks_the_readers_language(client):
    response = client.get(f"{LIST}&page=%C2%B2&lang=ru")
    assert response.status_code == 400
    assert "номер страницы должен быть целым числом от 1 до 1000000000" in response.text


def test_a_page_with_leading_zeros_is_that_page(client):
    assert client.get(f"{LIST}&page=0001").status_code == 200


def test_search_finds_russian_labels_in_any_case(client):
    html = page_text(client.get("/search?q=ПРОСТАЯ"))
    assert ">Plain thing</a>" in html
    assert "«Простая вещь»" in html


def test_search_answers_json_for_scripts(client):
    response = client.get("/search?q=forum", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"]
    results = response.get_json()["results"]
    assert [r["iri"] for r in results] == ["http://localhost/id/thing/forum"]
    assert results[0]["kinds"] == ["Event"]


def test_search_text_is_a_sparql_string_not_syntax(client):
    """A quote in the search box is data (the literal is written by rdflib's escaping)."""
    response = client.get(
        '/search?q=" } DROP ALL ; SELECT * {', headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.get_json()["results"] == []


# --- the query page ------------------------------------------------------------------------------


def test_sparql_shows_the_query_page_to_browsers(client):
    html = page_text(client.get("/sparql", headers={"Accept": "text/html"}))
    assert 'id="query-form"' in html
    assert "Everything with a label &lt;script&gt;" in html  # the example titles, escaped
    assert '<script src="/static/query.js" defer>' in html


def test_the_query_page_runs_a_query_without_javascript(client):
    html = page_text(client.get("/query?example=hostile"))
    assert html.count("<tr>") >= 6
    assert ">Plain thing</a>" in html  # IRIs in results are named and linked
    assert 'href="http://localhost/sparql?query=' in html
    assert "format=csv" in html


def test_the_query_page_links_results_as_every_page_does(client):
    """README, "Languages": the language is kept in every local link; "Graph names" are shown
    as text, never as links (a graph is not a document: its IRI answers 404)."""
    query = "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5"
    html = page_text(client.get("/query", query_string={"query": query, "lang": "ru"}))
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert not [h for h in hrefs if "/graph/" in h]
    assert "http://localhost/graph/" in html  # shown, as text
    local = [h for h in hrefs if h.startswith("http://localhost/id/")]
    assert local
    assert all(h.endswith("?lang=ru") for h in local)


def test_the_home_page_keeps_the_language_in_its_dataset_links(client):
    html = page_text(client.get("/?lang=be"))
    assert 'href="/.well-known/void?lang=be"' in html


def test_a_list_names_the_kinds_its_members_state_in_the_page_language():
    """Each member's other kinds, stated ones only (the alignments' outside classes are not
    listed), named as the kinds are named elsewhere, each once."""
    app = create_app({"VALIDATE_ON_START": False, "QUERY_WORKERS": 1})
    place = "https://w3id.org/belarus-ict/ontology#Place"
    html = page_text(app.test_client().get("/list", query_string={"class": place, "lang": "be"}))
    kinds = set(re.findall(r'<span class="muted">([^<]*)</span></li>', html))
    assert kinds == {"Горад", "Пляцоўка", "Рэгіён"}


def test_a_page_names_the_url_asked_in_its_language_links_whichever_came_first():
    """/doc/x (by Accept) and /doc/x.html are one page whose language links name the URL asked:
    a worker kept the first one rendered for both, so each URL had two bodies and two ETags
    across workers, and a browser's revalidation missed."""
    client = create_app({"VALIDATE_ON_START": False, "QUERY_WORKERS": 1}).test_client()
    by_extension = client.get("/doc/organization/itu.html")
    negotiated = client.get("/doc/organization/itu", headers={"Accept": "text/html"})
    assert 'href="/doc/organization/itu.html?lang=ru"' in page_text(by_extension)
    assert 'href="/doc/organization/itu?lang=ru"' in page_text(negotiated)
    assert ".html?lang=" not in page_text(negotiated)
    again = client.get("/doc/organization/itu.html")
    assert again.headers["ETag"] == by_extension.headers["ETag"]


def test_a_licence_is_named_wherever_a_page_shows_it():
    """The ontology's dcterms:license, like the footer's, by its name (it read "4.0")."""
    client = create_app({"VALIDATE_ON_START": False, "QUERY_WORKERS": 1}).test_client()
    html = page_text(client.get("/ontology?lang=be", headers={"Accept": "text/html"}))
    named = re.findall(r'href="https://creativecommons.org/licenses/by/4.0/"[^>]*>([^<]*)<', html)
    assert named
    assert set(named) == {"Creative Commons «Атрыбуцыя» 4.0 Міжнародная (CC BY 4.0)"}


def test_a_query_page_past_the_last_is_404_as_a_list_page_is(client):
    """It answered 200 with an empty table and a link back to another empty page."""
    query = "SELECT * WHERE { ?s ?p ?o }"
    response = client.get("/query", query_string={"query": query, "page": "999"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert re.search(r"page 999 of \d+", html)
    assert 'id="query-form"' in html  # the query is still there to change


def test_the_query_page_reports_a_bad_query(client):
    response = client.get("/query?query=SELEKT")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


# --- drawings ------------------------------------------------------------------------------------


def test_timeline_lanes_never_overlap():
    events = [timeline.Event(None, f"Event {i}", f"200{i % 3}-01-01") for i in range(9)]
    placed = timeline.layout(events, 2000, 2010)
    by_lane: dict[int, list] = {}
    for p in placed:
        by_lane.setdefault(p.lane, []).append(p)
    for lane in by_lane.values():
        lane.sort(key=lambda p: p.x0)
        for left, right in itertools.pairwise(lane):
            assert right.x0 > left.x1


#: The longest event name in the data (Russian): 163 characters.
LONG_RU = (
    "Совещание высокого уровня Генеральной Ассамблеи по общему обзору хода осуществления "
    "решений Всемирной встречи на высшем уровне по вопросам информационного общества"
)


def test_a_long_timeline_label_is_wrapped_whole_not_cut():
    """Issue 13: long Russian and Belarusian labels were cut at 48 characters; now they are
    wrapped on up to three lines (tspans), whole, and whole in the tooltip too."""
    svg = str(timeline.render([timeline.Event(None, LONG_RU, "2015-12-15")], "Timeline"))
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", svg)
    assert 2 <= len(lines) <= timeline.MAX_LINES
    assert " ".join(lines) == LONG_RU
    assert all(len(line) <= timeline.WIDEST_CHARS for line in lines)
    assert "…" not in svg
    assert f"<title>{LONG_RU}</title>" in svg


def test_timeline_labels_wrap_balanced_and_only_the_overlong_are_cut():
    short = "Белорусский форум по управлению Интернетом 2016 года"
    assert timeline.wrap(short) == [short]
    two = "Министерство связи и информатизации Беларуси — член РСС с 1991 года"
    lines = timeline.wrap(two)
    assert len(lines) == 2
    assert " ".join(lines) == two
    # Balanced: neither line is much longer than the other.
    assert abs(len(lines[0]) - len(lines[1])) <= 12
    overlong = " ".join([LONG_RU, LONG_RU])
    lines = timeline.wrap(overlong)
    assert len(lines) == timeline.MAX_LINES
    assert lines[-1].endswith("…")
    assert overlong.startswith(" ".join(lines)[:-1])


def test_a_lane_grows_with_its_wrapped_labels_and_nothing_overlaps():
    """The lane of a three-line label is two lines taller; the lanes below start under it."""
    events = [
        timeline.Event(None, LONG_RU, "2015-01-01"),
        timeline.Event(None, "Премии ВВУИО 2016 года", "2015-01-01"),
        timeline.Event(None, "Форум", "2015-01-01"),
    ]
    placed = timeline.layout(events, 2000, 2020)
    edges = timeline.tops(placed)
    assert len({p.lane for p in placed}) == 3
    heights = [bottom - top for top, bottom in itertools.pairwise(edges)]
    tall = next(p for p in placed if p.event.label == LONG_RU)
    assert heights[tall.lane] == timeline.LANE + (len(tall.lines) - 1) * timeline.LINE
    svg = str(timeline.render(events, "Timeline"))
    # Each label's lines and bar, top to bottom: no two events' vertical extents overlap.
    extents = []
    for group in re.findall(r"<g>(.*?)</g>", svg):
        ys = [float(y) for y in re.findall(r'<tspan x="[^"]*" y="([^"]*)"', group)]
        bar = float(re.search(r'<rect class="bar" x="[^"]*" y="([^"]*)"', group).group(1))
        extents.append((min(bar, ys[0] - 12), max(bar + 12, ys[-1] + 4)))
    extents.sort()
    for upper, lower in itertools.pairwise(extents):
        assert upper[1] <= lower[0]
    axis = float(re.search(r'<line class="axis" x1="[^"]*" y1="([^"]*)"', svg).group(1))
    assert extents[-1][1] <= axis


def test_diagram_is_computed_from_the_ontology(client):
    html = page_text(client.get("/ontology", headers={"Accept": "text/html"}))
    assert '<svg class="diagram"' in html
    assert 'href="#Thing"' in html
    assert 'href="#Event"' in html
    assert '<path class="sub"' in html  # Event under Thing
    assert '<path class="rel"' in html  # link: Thing → Thing


def test_the_timeline_axis_fits_the_events():
    """Issue 13: the axis ends with the last event, not at the current year."""
    events = [
        timeline.Event(None, "Geneva", "2003-12-10", "2003-12-12"),
        timeline.Event(None, "Tunis", "2005-11-16", "2005-11-18"),
    ]
    svg = str(timeline.render(events, "Timeline"))
    years = [int(y) for y in re.findall(r'<text class="year"[^>]*>(\d{4})</text>', svg)]
    assert years[0] == 2003
    assert max(years) <= 2005


def test_diagram_names_its_edges():
    """Issue 13: a relation is named on its curve where the name has room, and never over a
    box: squeezed between two boxes side by side, it keeps only its tooltip."""
    boxes = [diagram.ClassBox("a", "a", "Event"), diagram.ClassBox("b", "b", "Place")]
    held_in = [diagram.Relation("a", "b", "held in")]
    roomy = str(diagram.render(boxes, {"b": ["a"]}, held_in, "Classes"))
    assert re.search(r'<text class="rel-label"[^>]*>held in</text>', roomy)
    squeezed = str(diagram.render(boxes, {}, held_in, "Classes"))
    assert "rel-label" not in squeezed
    assert "<title>held in</title>" in squeezed


def test_diagram_places_subclasses_under_their_parent():
    boxes = [diagram.ClassBox("a", "a", "A"), diagram.ClassBox("b", "b", "B")]
    placed = diagram.place(diagram.forest(boxes, {"b": ["a"]}))
    assert placed["b"][0] > placed["a"][0]
    assert placed["b"][1] > placed["a"][1]


def test_the_canonical_iri_is_not_repeated_as_a_same_as_link(client):
    """Served from another host, a page names its canonical IRI once, in its header; the
    owl:sameAs that the RDF carries for it is not listed again among the links elsewhere."""
    text = client.get("/doc/thing/thing-plain.html").get_data(as_text=True)
    assert f"(canonical: {BASE}id/thing/thing-plain)" in text
    assert 'id="elsewhere"' not in text


# --- the query page's pages ----------------------------------------------------------------------

NUMBERS = "SELECT ?n WHERE { VALUES ?n { " + " ".join(str(i) for i in range(1, 26)) + " } }"


@pytest.mark.parametrize(
    ("page", "first", "count", "has_previous", "has_next"),
    [(1, 1, 10, False, True), (2, 11, 10, True, True), (3, 21, 5, True, False)],
)
def test_the_query_page_pages_its_results(page, first, count, has_previous, has_next):
    """Issue 13: results as a paged table, no wall at the first page's rows."""
    client = make_app(QUERY_PAGE_ROWS=10, RESULT_ROW_LIMIT=1000).test_client()
    html = page_text(client.get("/query", query_string={"query": NUMBERS, "page": page}))
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", html, re.S)
    assert len(rows) == count
    assert re.sub(r"<[^>]+>", "", rows[0]).strip() == str(first)
    assert ('rel="prev"' in html) == has_previous
    assert ('rel="next"' in html) == has_next
    if page == 3:
        assert "25 rows" in html  # the whole answer was read: its size is known


def test_the_endpoint_cap_is_the_last_page():
    client = make_app(QUERY_PAGE_ROWS=10, RESULT_ROW_LIMIT=20).test_client()
    html = page_text(client.get("/query", query_string={"query": NUMBERS, "page": 2}))
    assert 'rel="next"' not in html
    assert "cut at 20 rows" in html
    assert client.get("/query", query_string={"query": NUMBERS, "page": "0"}).status_code == 400


CHARTS = [
    pytest.param(
        'SELECT ?name ?n WHERE { VALUES (?name ?n) { ("a" 3) ("b" 12) } }',
        'svg class="chart"',
        id="counts-as-bars",
    ),
    pytest.param(
        "SELECT ?name ?d WHERE { VALUES (?name ?d) "
        '{ ("a" "2003-12-10"^^<http://www.w3.org/2001/XMLSchema#date>) } }',
        'svg class="timeline"',
        id="dates-on-a-time-axis",
    ),
    pytest.param("SELECT ?n WHERE { VALUES ?n { 1 2 } }", None, id="one-column-no-drawing"),
    pytest.param(
        'SELECT ?a ?b WHERE { VALUES (?a ?b) { ("x" "y") } }', None, id="no-numbers-no-drawing"
    ),
]


@pytest.mark.parametrize(("query", "drawing"), CHARTS)
def test_the_query_page_draws_counts_and_dates(client, query, drawing):
    """Issue 13: a bar chart when the results are counts, a timeline when they are dates."""
    html = page_text(client.get("/query", query_string={"query": query}))
    if drawing is None:
        assert 'class="answer-chart"' not in html
    else:
        assert drawing in html
        assert 'class="answer-chart"' in html
