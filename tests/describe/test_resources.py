"""Things and their descriptions: /id → 303 → /doc, what a description holds, paging, HTML.

Sources: Cool URIs for the Semantic Web (W3C IG Note 2008) §4.3 (303 URIs) and §6 (conneg);
RFC 9110 §15.4.4 (303 See Other), §15.5.5 (404), §15.5.7 (406), §12.5.1 (Accept); Hydra Core
(paging vocabulary).
"""

from __future__ import annotations

import re

import pytest
from deref_support import BASE, FIXTURES, live_server, make_app
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from support import CountingStore, assert_isomorphic

from server.describe import resources
from server.describe.resources import DOC_OFFERS

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ROOT = "http://localhost/"


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


SEE_OTHER = [
    pytest.param(BROWSER, "doc/state/belarus.html", id="cooluris-4.3-browser-gets-html"),
    pytest.param("*/*", "doc/state/belarus.ttl", id="cooluris-4.3-any-gets-turtle"),
    pytest.param(None, "doc/state/belarus.ttl", id="rfc9110-12.5.1-no-accept-gets-turtle"),
    pytest.param("text/turtle", "doc/state/belarus.ttl", id="rdf-client-turtle"),
    pytest.param("application/rdf+xml", "doc/state/belarus.rdf", id="rdf-client-rdfxml"),
    pytest.param("application/ld+json", "doc/state/belarus.jsonld", id="rdf-client-jsonld"),
    pytest.param("application/n-triples", "doc/state/belarus.nt", id="rdf-client-ntriples"),
    pytest.param(
        "text/html;q=0.5, text/turtle;q=0.9", "doc/state/belarus.ttl", id="rfc9110-12.4.2-qvalues"
    ),
    # RFC 9110 §12.5.1: parameters other than q do not stop a match (our own Content-Type; a
    # JSON-LD profile we do not write is ignored); q=0 still refuses.
    pytest.param(
        "text/turtle; charset=utf-8", "doc/state/belarus.ttl", id="rfc9110-12.5.1-charset"
    ),
    pytest.param(
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"',
        "doc/state/belarus.jsonld",
        id="jsonld-profile-ignored",
    ),
    pytest.param(
        "text/turtle;q=0, */*", "doc/state/belarus.jsonld", id="rfc9110-12.4.2-q0-refuses"
    ),
]


@pytest.mark.parametrize(("accept", "location"), SEE_OTHER)
def test_thing_redirects_303_to_the_negotiated_document(client, accept, location):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/state/belarus", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == ROOT + location
    assert "Accept" in response.headers["Vary"]


STATUS = [
    pytest.param("/id/state/atlantis", {}, 404, id="rfc9110-15.5.5-unknown-thing-404"),
    pytest.param("/doc/state/atlantis", {}, 404, id="rfc9110-15.5.5-unknown-doc-404"),
    pytest.param("/doc/state/atlantis.ttl", {}, 404, id="rfc9110-15.5.5-unknown-doc-format-404"),
    pytest.param("/id/state/bel%20arus", {}, 404, id="unsafe-slug-404"),
    pytest.param("/id/state/belarus", {"Accept": "image/png"}, 406, id="rfc9110-15.5.7-thing-406"),
    pytest.param("/doc/state/belarus", {"Accept": "image/png"}, 406, id="rfc9110-15.5.7-doc-406"),
    pytest.param("/doc/state/belarus?page=4", {}, 404, id="page-out-of-range-404"),
    pytest.param("/doc/state/belarus?page=0", {}, 400, id="page-not-positive-400"),
    pytest.param("/doc/state/belarus?page=x", {}, 400, id="page-not-a-number-400"),
    pytest.param("/id/event/wsis-geneva", {}, 303, id="thing-with-links-303"),
]


@pytest.mark.parametrize(("path", "headers", "status"), STATUS)
def test_status(client, path, headers, status):
    assert client.get(path, headers=headers).status_code == status


#: ``page=`` of a description (three pages of incoming links): what is no page number is 400
#: with what a page may be (a page whose OFFSET overflowed the engine's integer, and '²', which
#: ``str.isdigit`` takes, were 500s); a page past the last is 404 with how many there are.
BAD_PAGE = "400 Bad Request: page must be a whole number from 1 to 1000000000\n"
BAD_PAGES = [
    pytest.param("belarus?page=99999999999999999999", BAD_PAGE, id="overflow"),
    pytest.param("belarus.ttl?page=99999999999999999999", BAD_PAGE, id="overflow-ttl"),
    pytest.param("belarus?page=1000000001", BAD_PAGE, id="past-the-bound"),
    pytest.param("belarus?page=%C2%B2", BAD_PAGE, id="superscript-two"),
    pytest.param("belarus.ttl?page=%C2%B2", BAD_PAGE, id="superscript-two-ttl"),
    pytest.param("belarus?page=", BAD_PAGE, id="empty"),
    pytest.param("belarus?page=0", BAD_PAGE, id="zero"),
    pytest.param("belarus?page=4", "404 Not Found: page 4 of 3\n", id="past-the-end"),
    pytest.param(
        "belarus.ttl?page=1000000000", "404 Not Found: page 1000000000 of 3\n", id="last-bound"
    ),
]


@pytest.mark.parametrize(("name", "body"), BAD_PAGES)
def test_a_bad_page_says_what_a_page_may_be(client, name, body):
    response = client.get(f"/doc/state/{name}", headers={"Accept": "text/plain"})
    assert response.status_code == int(body[:3])
    assert response.get_data(as_text=True) == body


def test_406_lists_what_is_available(client):
    """RFC 9110 §15.5.7: the 406 body lists the available representations."""
    response = client.get("/id/state/belarus", headers={"Accept": "image/png"})
    body = response.get_data(as_text=True)
    for offer in DOC_OFFERS:
        assert offer.media_type in body
        assert f"{ROOT}doc/state/belarus.{offer.extension}" in body


def test_description_matches_the_golden_graph(client):
    """Own triples with blank nodes followed, labels and types of links, paged incoming links."""
    golden = Graph().parse(FIXTURES / "golden" / "belarus-page3.ttl")
    served = Graph().parse(data=client.get("/doc/state/belarus.ttl?page=3").data, format="turtle")
    assert_isomorphic(golden, served)


PAGES = [
    pytest.param(1, None, 2, ["p1", "p2", "p3"], id="hydra-first-page"),
    pytest.param(2, 1, 3, ["p4", "p5", "p6"], id="hydra-middle-page"),
    pytest.param(3, 2, None, ["p7"], id="hydra-last-page"),
]


@pytest.mark.parametrize(("page", "previous", "following", "members"), PAGES)
def test_incoming_links_are_paged_with_counts(client, page, previous, following, members):
    graph = Graph().parse(
        data=client.get(f"/doc/state/belarus.ttl?page={page}").data, format="turtle"
    )
    doc = f"{ROOT}doc/state/belarus"
    collection = URIRef(doc + "#incoming")
    view = URIRef(f"{doc}?page={page}")
    assert graph.value(collection, HYDRA.totalItems) == Literal(7)
    assert (collection, HYDRA.view, view) in graph
    assert {str(m) for m in graph.objects(collection, HYDRA.member)} == {
        f"{ROOT}id/project/{m}" for m in members
    }
    for m in members:
        subject = URIRef(f"{ROOT}id/project/{m}")
        assert (
            subject,
            URIRef(f"{ROOT}ontology#country"),
            URIRef(f"{ROOT}id/state/belarus"),
        ) in graph
    assert graph.value(view, HYDRA.first) == URIRef(f"{doc}?page=1")
    assert graph.value(view, HYDRA.last) == URIRef(f"{doc}?page=3")
    expect_prev = URIRef(f"{doc}?page={previous}") if previous else None
    expect_next = URIRef(f"{doc}?page={following}") if following else None
    assert graph.value(view, HYDRA.previous) == expect_prev
    assert graph.value(view, HYDRA.next) == expect_next


def test_incoming_links_from_a_blank_node_show_its_owner():
    """An n-ary relation (a blank node of Belarus) links to the event: shown from Belarus."""
    client = make_app().test_client()
    graph = Graph().parse(data=client.get("/doc/event/wsis-geneva.ttl").data, format="turtle")
    event = URIRef(f"{ROOT}id/event/wsis-geneva")
    blank = graph.value(None, URIRef(f"{ROOT}ontology#event"), event)
    assert blank is not None
    assert (
        URIRef(f"{ROOT}id/state/belarus"),
        URIRef(f"{ROOT}ontology#participation"),
        blank,
    ) in graph
    assert graph.value(
        URIRef(f"{ROOT}doc/event/wsis-geneva#incoming"), HYDRA.totalItems
    ) == Literal(1)


def test_a_description_takes_a_fixed_number_of_queries():
    """Labels of all linked resources come from one batched query, not one per link."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    response = app.test_client().get("/doc/state/belarus.nt")
    assert response.status_code == 200
    described = [q for q in counting.queries if "example.org/kg/id/state/belarus" in q]
    assert len(described) == 3  # own triples, count, page of incoming links
    labels = [q for q in counting.queries if "VALUES ?x" in q]
    assert len(labels) == 1
    assert "project/p1" in labels[0]
    assert "event/wsis-geneva" in labels[0]


def test_descriptions_are_cached_per_version():
    """The data only changes on reload: a second request runs no query."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    client = app.test_client()
    client.get("/doc/state/belarus.ttl")
    before = len(counting.queries)
    client.get("/doc/state/belarus.ttl")
    client.get("/doc/state/belarus.rdf")
    assert len(counting.queries) == before


def members_of_pages(client, pages) -> list[set[str]]:
    found = []
    for page in pages:
        graph = Graph().parse(
            data=client.get(f"/doc/state/belarus.ttl?page={page}").data, format="turtle"
        )
        collection = URIRef(f"{ROOT}doc/state/belarus#incoming")
        found.append({str(m).rsplit("/", 1)[1] for m in graph.objects(collection, HYDRA.member)})
    return found


def test_pages_past_the_first_are_cut_from_one_read_of_the_links():
    """Each page's query counts and sorts every link (1.7 s a page at 1e6 triples for a
    resource with 121 228 links): past the first page they are read once, then cut."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    client = app.test_client()
    assert members_of_pages(client, (2, 3)) == [{"p4", "p5", "p6"}, {"p7"}]
    paging = [q for q in counting.queries if "OFFSET" in q]
    assert len(paging) == 1
    assert f"LIMIT {resources.READ_WHOLE} OFFSET 0" in paging[0]
    assert resources.READ_WHOLE == 250_000  # README, "Pages"
    assert app.extensions["ictkg.incoming"].size == 2  # the last two resources paged


def test_links_beyond_what_is_read_whole_are_paged_by_the_store(monkeypatch):
    """More links than READ_WHOLE (or an engine that answers fewer rows than it counts, the same
    test): one query a page, with the same pages."""
    monkeypatch.setattr(resources, "READ_WHOLE", 5)  # belarus has 7 incoming links
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    client = app.test_client()
    assert members_of_pages(client, (2, 3)) == [{"p4", "p5", "p6"}, {"p7"}]
    assert [q for q in counting.queries if "LIMIT 3 OFFSET 3" in q]
    assert [q for q in counting.queries if "LIMIT 3 OFFSET 6" in q]


def test_html_page_is_escaped_and_links_only_http(client):
    """README, Design decisions: everything in HTML is escaped; javascript: IRIs are not links."""
    html = client.get("/doc/state/belarus.html").get_data(as_text=True)
    assert "<b>not markup</b>" not in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html
    assert "<h1>Belarus</h1>" in html
    assert "a nested note" in html  # nested blank node shown inline


def test_html_pages_the_incoming_links(client):
    html = client.get("/doc/state/belarus.html?page=2").get_data(as_text=True)
    assert "7 links to this resource; page 2 of 3" in html
    assert re.search(r'rel="prev" href="http://localhost/doc/state/belarus\?page=1"', html)
    assert re.search(r'rel="next" href="http://localhost/doc/state/belarus\?page=3"', html)
    for n in (4, 5, 6):
        assert f"Project {n}</a>" in html
    assert "Project 1</a>" not in html
    # The RDF of this page, in the head and the footer, as the Link header names it.
    turtle = "http://localhost/doc/state/belarus.ttl?page=2"
    assert f'<link rel="alternate" type="text/turtle" href="{turtle}">' in html
    assert f'href="{turtle}" type="text/turtle"' in html


def test_a_client_that_follows_links_stays_on_the_server():
    """rdflib follows the 303 from a thing on a live server, then the IRIs it finds there."""
    with live_server() as root:
        start = root + "id/state/belarus"
        graph = Graph().parse(start)
        topic = URIRef(start)
        assert (topic, RDFS.label, Literal("Belarus", lang="en")) in graph
        links = {
            o
            for o in graph.objects(topic, None)
            if isinstance(o, URIRef) and str(o).startswith(root)
        }
        assert URIRef(root + "id/source/seed") in links
        assert not [
            o
            for o in graph.all_nodes()
            if isinstance(o, URIRef) and str(o).startswith(BASE) and (topic, None, o) not in graph
        ]
        for link in sorted(links - {topic}):
            followed = Graph().parse(str(link))
            assert (link, RDF.type, None) in followed
            assert all(
                not str(n).startswith(BASE) or (link, None, n) in followed
                for n in followed.all_nodes()
                if isinstance(n, URIRef)
            )
