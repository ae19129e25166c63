"""The W3C SPARQL 1.1 Protocol test suite, the cases that apply to a read-only endpoint.

One row per test of https://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest,
named by its id, on both stores (``sparql_app`` is parametrized) and over real HTTP against
``ictkg serve`` (granian), as the suite's own runner sends them. The suite's requests name
its own data files (``data0.rdf``…); here they name the fixture's graphs
(``tests/fixtures/sparql/``: people, places, vocab), and each row checks the answer, not only
its status and media type. Where the suite accepts any 4xx, the row asserts the one status
README.md promises.

Not applicable (the endpoint does not implement the Update operation): ``update_dataset_*``,
``update_post_form``, ``update_post_direct``, ``update_base_uri``. Their negative siblings
(``bad_update_*``) are here: every update request is refused, with 403.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import pytest
import requests
from conftest import SPARQL_BASE, ictkg_serve
from werkzeug.http import parse_options_header

VOC = "https://example.org/sq/vocab#"
PEOPLE = SPARQL_BASE + "graph/data/people"
PLACES = SPARQL_BASE + "graph/data/places"
VOCAB = SPARQL_BASE + "graph/ontology/vocab"
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
RESULTS = ("application/sparql-results+xml", "application/sparql-results+json")
TABLES = (*RESULTS, "text/tab-separated-values", "text/csv")
GRAPHS = ("application/rdf+xml", "text/turtle", "application/n-triples", "application/ld+json")

#: Someone who lives in a city: true only when people and places are both in the default graph.
LIVES_IN_A_CITY = f"ASK {{ ?p <{VOC}livesIn> ?c . ?c a <{VOC}City> }}"
NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


@dataclass
class Case:
    """One W3C test: the request, and the status, media types and answer it must get."""

    method: str = "GET"
    args: Any = field(default_factory=dict)
    form: Any = None
    body: bytes | None = None
    content_type: str | None = None
    status: int = 200
    media_types: tuple[str, ...] = ()
    check: Any = None

    def send(self, client):
        kwargs: dict[str, Any] = {"query_string": self.args}
        if self.form is not None:
            kwargs["data"] = self.form
            kwargs["content_type"] = FORM
        if self.body is not None:
            kwargs["data"] = self.body
            if self.content_type:
                kwargs["content_type"] = self.content_type
        return client.open("/sparql", method=self.method, **kwargs)

    def send_http(self, root: str) -> Answer:
        """The same request over HTTP (requests sets a form's media type, never a body's)."""
        headers = {"Content-Type": self.content_type} if self.content_type else {}
        data = self.form if self.form is not None else self.body
        response = requests.request(
            self.method, root + "sparql", params=self.args, data=data, headers=headers, timeout=30
        )
        return Answer(response)


class Answer:
    """A ``requests`` response seen through the names of Flask's test responses."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.text = response.text
        self.mimetype = parse_options_header(response.headers.get("Content-Type", ""))[0]
        self.root = response.url[: response.url.index("/sparql") + 1]


def local(iri: str, response) -> str:
    """The IRI the answer names a thing by: the host's it was asked on (README, "URIs"); the
    requests here use the canonical ones, which the endpoint always accepts too."""
    root = response.root if isinstance(response, Answer) else response.request.root_url
    return root + iri[len(SPARQL_BASE) :] if iri.startswith(SPARQL_BASE) else iri


def parsed(response):
    fmt = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
        "text/csv": ox.QueryResultsFormat.CSV,
    }[response.mimetype]
    return ox.parse_query_results(response.data, fmt)


def boolean(value: bool):
    def check(response) -> None:
        assert bool(parsed(response)) is value

    return check


def graphs(*names: str):
    def check(response) -> None:
        assert [row["g"].value for row in parsed(response)] == [local(n, response) for n in names]

    return check


def rows(column: str, *values: str):
    def check(response) -> None:
        got = sorted(row[column].value for row in parsed(response))
        assert got == sorted(local(v, response) for v in values)

    return check


def triples(*expected: tuple[str, str, str]):
    """The graph, parsed in its media type, is exactly these triples (objects in N-Triples)."""

    def check(response) -> None:
        fmt = ox.RdfFormat.from_media_type(response.mimetype)
        got = {
            (t.subject.value, t.predicate.value, str(t.object))
            for t in ox.parse(response.data, fmt)
        }
        assert got == {(local(s, response), local(p, response), o) for s, p, o in expected}

    return check


def says(*words: str):
    def check(response) -> None:
        for word in words:
            assert word in response.text

    return check


INT = "^^<http://www.w3.org/2001/XMLSchema#integer>"

#: ``SELECT ?x WHERE { BIND("a\xffb" AS ?x) }`` percent-encoded: byte 25 (0xFF) is not UTF-8.
NOT_UTF8 = "query=SELECT%20%3Fx%20WHERE%20%7B%20BIND(%22a%FFb%22%20AS%20%3Fx)%20%7D"
#: The same query holding the text "a%FFb" (%25 is '%'), and one holding "é" in UTF-8.
PERCENT_TEXT = NOT_UTF8.replace("%FF", "%25FF")
NON_ASCII = NOT_UTF8.replace("%FF", "%C3%A9")

CASES = {
    # Positive tests: a query operation, with and without a dataset.
    "query_post_form": Case(method="POST", form={"query": "ASK {}"}, media_types=RESULTS),
    "query_dataset_default_graphs_get": Case(
        args={"query": LIVES_IN_A_CITY, "default-graph-uri": [PEOPLE, PLACES]},
        media_types=RESULTS,
        check=boolean(True),
    ),
    "query_dataset_default_graphs_post": Case(
        method="POST",
        form={"query": LIVES_IN_A_CITY, "default-graph-uri": [PEOPLE, PLACES]},
        media_types=RESULTS,
        check=boolean(True),
    ),
    "query_dataset_default_graphs_get (one graph: not merged)": Case(
        args={"query": LIVES_IN_A_CITY, "default-graph-uri": PEOPLE},
        media_types=RESULTS,
        check=boolean(False),
    ),
    "query_dataset_named_graphs_post": Case(
        method="POST",
        form={"query": NAMED, "named-graph-uri": [PEOPLE, PLACES]},
        media_types=RESULTS,
        check=graphs(PEOPLE, PLACES),
    ),
    "query_dataset_named_graphs_get": Case(
        args={"query": NAMED, "named-graph-uri": [PLACES, VOCAB]},
        media_types=RESULTS,
        check=graphs(PLACES, VOCAB),
    ),
    "query_dataset_full": Case(
        method="POST",
        form={
            "query": f"SELECT ?p WHERE {{ ?c a <{VOC}City> GRAPH ?g {{ ?p <{VOC}livesIn> ?c }} }}",
            "default-graph-uri": PLACES,
            "named-graph-uri": PEOPLE,
        },
        media_types=RESULTS,
        check=rows("p", *(f"{SPARQL_BASE}id/person/{n}" for n in ("alice", "bob", "carol"))),
    ),
    "query_multiple_dataset": Case(
        method="POST",
        form={"query": f"ASK FROM <{PEOPLE}> {{ ?c a <{VOC}City> }}", "default-graph-uri": PLACES},
        media_types=RESULTS,
        check=boolean(True),  # the protocol's dataset wins over FROM (§2.1.4)
    ),
    "query_get": Case(
        args={"query": "SELECT (1 AS ?value) {}"}, media_types=TABLES, check=rows("value", "1")
    ),
    "query_content_type_select": Case(
        method="POST",
        form={"query": "SELECT (1 AS ?value) {}", "default-graph-uri": PLACES},
        media_types=TABLES,
        check=rows("value", "1"),
    ),
    "query_content_type_ask": Case(
        method="POST",
        form={"query": "ASK {}", "default-graph-uri": PLACES},
        media_types=RESULTS,
        check=boolean(True),
    ),
    "query_content_type_describe": Case(
        method="POST",
        form={"query": "DESCRIBE <http://example.org/>", "default-graph-uri": PLACES},
        media_types=GRAPHS,
        check=triples(),
    ),
    # Relative IRIs resolve against the service's base IRI: the dataset's (README, SD #base).
    "query_content_type_construct": Case(
        method="POST",
        form={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "default-graph-uri": PLACES},
        media_types=GRAPHS,
        check=triples((SPARQL_BASE + "s", SPARQL_BASE + "p", '"1"' + INT)),
    ),
    "query_post_direct": Case(
        method="POST",
        body=b"ASK {}",
        content_type=QUERY,
        media_types=RESULTS,
        check=boolean(True),
    ),
    # Negative tests: each request is refused with a 4xx, never answered or failed with 5xx.
    "bad_query_method": Case(method="PUT", args={"query": "ASK {}"}, status=405),
    "bad_multiple_queries": Case(
        args={"query": ["ASK {}", "SELECT * {}"]}, status=400, check=says("Exactly one")
    ),
    "bad_query_wrong_media_type": Case(
        method="POST", body=b"ASK {}", content_type="text/plain", status=415
    ),
    "bad_query_missing_form_type": Case(
        method="POST", body=b"query=ASK%20%7B%7D", status=415, check=says(QUERY, FORM)
    ),
    "bad_query_missing_direct_type": Case(method="POST", body=b"ASK {}", status=415),
    "bad_query_non_utf8": Case(
        method="POST",
        body="ASK {}".encode("utf-16"),
        content_type=QUERY + "; charset=UTF-16",
        status=415,
        check=says("UTF-8", "UTF-16"),
    ),
    "bad_query_non_utf8 (no charset: the bytes are not UTF-8)": Case(
        method="POST",
        body="ASK {}".encode("utf-16"),
        content_type=QUERY,
        status=400,
        check=says("not UTF-8", "byte 0"),
    ),
    # Percent-encoded bytes that are not UTF-8 are refused as a direct POST's are (400), never
    # kept as text ("a%FFb", werkzeug's reading); a form's charset other than UTF-8 is 415.
    "bad_query_non_utf8 (GET: percent-encoded bytes that are not UTF-8)": Case(
        args=NOT_UTF8, status=400, check=says("not UTF-8", "§2.1.1", "byte 25")
    ),
    "bad_query_non_utf8 (URL-encoded POST: the same bytes)": Case(
        method="POST",
        body=NOT_UTF8.encode(),
        content_type=FORM,
        status=400,
        check=says("not UTF-8", "§2.1.2", "byte 25"),
    ),
    "bad_query_non_utf8 (URL-encoded POST declaring ISO-8859-1)": Case(
        method="POST",
        body=b"query=ASK%20%7B%7D",
        content_type=FORM + "; charset=ISO-8859-1",
        status=415,
        check=says("UTF-8", "ISO-8859-1"),
    ),
    "query_get (a percent sign in the query is text)": Case(
        args=PERCENT_TEXT, media_types=TABLES, check=rows("x", "a%FFb")
    ),
    "query_get (non-ASCII, percent-encoded UTF-8)": Case(
        args=NON_ASCII, media_types=TABLES, check=rows("x", "a\u00e9b")
    ),
    "query_post_form (declaring charset=UTF-8)": Case(
        method="POST",
        body=NON_ASCII.encode(),
        content_type=FORM + "; charset=UTF-8",
        media_types=TABLES,
        check=rows("x", "a\u00e9b"),
    ),
    "bad_query_syntax": Case(
        args={"query": "ASK {"}, status=400, check=says("line 1, column 6", "ASK {\n     ^")
    ),
    "bad_update_get": Case(args={"update": "CLEAR ALL"}, status=403, check=says("read-only")),
    "bad_multiple_updates": Case(
        method="POST", form={"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}, status=403
    ),
    "bad_update_wrong_media_type": Case(
        method="POST", body=b"CLEAR NAMED", content_type="text/plain", status=415
    ),
    "bad_update_missing_form_type": Case(method="POST", body=b"update=CLEAR%20NAMED", status=415),
    "bad_update_non_utf8": Case(
        method="POST",
        body="CLEAR NAMED".encode("utf-16"),
        content_type=UPDATE + "; charset=UTF-16",
        status=403,
    ),
    "bad_update_syntax": Case(method="POST", form={"update": "CLEAR XYZ"}, status=403),
    "bad_update_dataset_conflict": Case(
        method="POST",
        form={"update": "CLEAR DEFAULT", "using-graph-uri": PEOPLE},
        status=403,
    ),
    # An update sent as a query is no query: 400 saying so, pointing at the keyword.
    "bad_query_syntax (an update in query=)": Case(
        args={"query": "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }"},
        status=400,
        check=says("line 2, column 1", "INSERT is SPARQL Update", "read-only"),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_w3c_protocol(client, case: Case) -> None:
    response = case.send(client)
    assert response.status_code == case.status, response.text
    if case.media_types:
        assert response.mimetype in case.media_types
    if case.check:
        case.check(response)


@pytest.fixture(scope="module")
def live():
    with ictkg_serve("--workers", "1", "--threads", "4") as root:
        yield root


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_w3c_protocol_over_http(live, case: Case) -> None:
    response = case.send_http(live)
    assert response.status_code == case.status, response.text
    if case.media_types:
        assert response.mimetype in case.media_types
    if case.check:
        case.check(response)


ACCEPT_POST_UTF8 = f"{QUERY}; charset=utf-8, {FORM}"

ENCODINGS = {
    # (request, status, the whole message, Accept-Post): one rule and one wording per refusal.
    "GET, not UTF-8": (
        {"query_string": NOT_UTF8},
        400,
        "The query is not UTF-8 (SPARQL 1.1 Protocol §2.1.1): byte 25 is not valid "
        "(invalid start byte).",
        None,
    ),
    "URL-encoded POST, not UTF-8": (
        {"method": "POST", "data": NOT_UTF8.encode(), "content_type": FORM},
        400,
        "The query is not UTF-8 (SPARQL 1.1 Protocol §2.1.2): byte 25 is not valid "
        "(invalid start byte).",
        None,
    ),
    "URL-encoded POST, not UTF-8 in the URL": (
        {
            "method": "POST",
            "query_string": NOT_UTF8,
            "data": b"default-graph-uri=" + PLACES.encode(),
            "content_type": FORM,
        },
        400,
        "The query is not UTF-8 (SPARQL 1.1 Protocol §2.1.1): byte 25 is not valid "
        "(invalid start byte).",
        None,
    ),
    "direct POST, not UTF-8": (
        {"method": "POST", "data": b'ASK { FILTER("a\xffb") }', "content_type": QUERY},
        400,
        "The query is not UTF-8 (SPARQL 1.1 Protocol §2.1.3): byte 15 is not valid "
        "(invalid start byte).",
        None,
    ),
    "URL-encoded POST declaring ISO-8859-1": (
        {
            "method": "POST",
            "data": b"query=ASK%7B%7D",
            "content_type": FORM + "; charset=iso-8859-1",
        },
        415,
        f"A query sent as {FORM} is percent-encoded UTF-8 (SPARQL 1.1 Protocol §2.1.2), "
        "not iso-8859-1.",
        ACCEPT_POST_UTF8,
    ),
    "direct POST declaring UTF-16": (
        {"method": "POST", "data": b"ASK {}", "content_type": QUERY + "; charset=UTF-16"},
        415,
        f"A query sent as {QUERY} is encoded in UTF-8 (SPARQL 1.1 Protocol §2.1.3), not UTF-16.",
        ACCEPT_POST_UTF8,
    ),
    "POST without a media type": (
        {"method": "POST", "data": b"ASK {}"},
        415,
        f"Send a query as {QUERY} or {FORM} (SPARQL 1.1 Protocol §2.1.2, §2.1.3), and this "
        "request has no media type.",
        f"{QUERY}, {FORM}",
    ),
    "POST of another media type": (
        {"method": "POST", "data": b"ASK {}", "content_type": "text/plain"},
        415,
        f"Send a query as {QUERY} or {FORM} (SPARQL 1.1 Protocol §2.1.2, §2.1.3), not text/plain.",
        f"{QUERY}, {FORM}",
    ),
}


@pytest.mark.parametrize(
    ("request_", "status", "message", "accept_post"), ENCODINGS.values(), ids=ENCODINGS
)
def test_encodings_and_media_types_refused(client, request_, status, message, accept_post):
    """SPARQL 1.1 Protocol §2.1.1-§2.1.3 (UTF-8, percent-encoded or not); RFC 9110 §15.5.16
    (415) with ``Accept-Post`` (RFC 9110 §15.5.16 / Linked Data Platform 1.0 §7.1)."""
    response = client.open("/sparql", **request_)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert response.text.rstrip("\n").endswith(": " + message)
    assert response.headers.get("Accept-Post") == accept_post


@pytest.mark.parametrize(
    "accept",
    ["application/sparql-results+xml", "application/rdf+xml", "text/turtle", "*/*"],
)
def test_construct_with_relative_iris_in_each_format(client, accept: str) -> None:
    """query_content_type_construct in every graph format a client may ask for."""
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": accept},
    )
    if accept == "application/sparql-results+xml":
        assert response.status_code == 406  # a graph is not a results table
        return
    assert response.status_code == 200
    triples((SPARQL_BASE + "s", SPARQL_BASE + "p", '"1"' + INT))(response)


def test_the_base_iri_is_stated_in_the_service_description(client) -> None:
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    comment = next(
        t.object.value
        for t in ox.parse(response.data, ox.RdfFormat.N_TRIPLES)
        if t.subject.value == "http://localhost/sparql#base"
    )
    assert f"<{SPARQL_BASE}>" in comment


def test_a_query_base_wins_over_the_service_base(client) -> None:
    query = "BASE <http://other.example/> SELECT ?x WHERE { BIND(<s> AS ?x) }"
    response = client.get("/sparql", query_string={"query": query})
    values = json.loads(response.data)["results"]["bindings"]
    assert values == [{"x": {"type": "uri", "value": "http://other.example/s"}}]
