"""The SPARQL 1.1 Protocol at ``/sparql``, on both stores (``sparql_app`` is parametrized).

One row per rule, citing the section of the standard it comes from:
SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), SPARQL 1.1 Query Results JSON /
XML / CSV-TSV, SPARQL 1.1 Service Description, RFC 9110 (HTTP semantics) and the Fetch standard
(CORS). The fixture dataset is ``tests/fixtures/sparql/`` (3 people, 3 cities, 3 graphs).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import SPARQL_BASE
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

VOC = "https://example.org/sq/vocab#"
#: The test client's host: results name things by its IRIs (README, "URIs"); the requests
#: below use the canonical ones, which the endpoint always accepts too.
ROOT = "http://localhost/"
PEOPLE = SPARQL_BASE + "graph/data/people"
PLACES = SPARQL_BASE + "graph/data/places"
VOCAB = SPARQL_BASE + "graph/ontology/vocab"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

ASK = f"ASK {{ ?s a <{VOC}City> }}"
CITIES = f"SELECT ?c WHERE {{ ?c a <{VOC}City> }} ORDER BY ?c"
COUNT_CITIES = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{VOC}City> }}"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
CONSTRUCT = f"CONSTRUCT {{ ?c a <{VOC}City> }} WHERE {{ ?c a <{VOC}City> }}"
DESCRIBE = f"DESCRIBE <{SPARQL_BASE}id/city/tunis>"
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"


@dataclass
class Row:
    """A request and what the answer must be."""

    method: str = "GET"
    args: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] | None = None
    body: str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    media_type: str | None = None
    check: Any = None  # a function of the response

    def send(self, client):
        kwargs: dict[str, Any] = {"query_string": self.args, "headers": self.headers}
        if self.form is not None:
            kwargs["data"] = self.form
            kwargs["content_type"] = FORM
        if self.body is not None:
            kwargs["data"] = self.body.encode()
            kwargs["content_type"] = self.content_type
        return client.open("/sparql", method=self.method, **kwargs)


def to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    return Literal(
        term.value, lang=term.language, datatype=None if term.language else term.datatype.value
    )


def solutions(response) -> list[dict[str, str]]:
    fmt = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }[response.mimetype]
    parsed = ox.parse_query_results(response.data, fmt)
    return [{v.value: row[v].value for v in parsed.variables if row[v]} for row in parsed]


def local(iri: str) -> str:
    return ROOT + iri[len(SPARQL_BASE) :] if iri.startswith(SPARQL_BASE) else iri


def cities(response) -> None:
    assert [r["c"] for r in solutions(response)] == [
        f"{ROOT}id/city/{c}" for c in ("geneva", "minsk", "tunis")
    ]


def count(n: int):
    def check(response) -> None:
        assert solutions(response) == [{"n": str(n)}]

    return check


def graphs(*names: str):
    def check(response) -> None:
        assert [r["g"] for r in solutions(response)] == [local(n) for n in names]

    return check


def boolean(value: bool):
    def check(response) -> None:
        fmt = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        }[response.mimetype]
        assert bool(ox.parse_query_results(response.data, fmt)) is value

    return check


OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
    "json-ld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


def rdf(fmt: str, triples: int):
    """The body parses in its format (pyoxigraph's parser) with this many triples."""

    def check(response) -> None:
        assert len(list(ox.parse(response.data, OX_FORMATS[fmt]))) == triples

    return check


def csv_cities(response) -> None:
    lines = response.data.decode().splitlines()
    assert lines[0] == "c"
    assert sorted(lines[1:]) == [f"{ROOT}id/city/{c}" for c in ("geneva", "minsk", "tunis")]


def content_type(value: str):
    def check(response) -> None:
        assert response.headers["Content-Type"] == value

    return check


def text_message(*words: str):
    def check(response) -> None:
        body = response.data.decode()
        assert body.strip()
        for word in words:
            assert word.lower() in body.lower()

    return check


PROTOCOL = {
    # SPARQL 1.1 Protocol §2.1.1-§2.1.3: the three ways to send a query.
    "2.1.1 query via GET": Row(args={"query": CITIES}, check=cities),
    "2.1.2 query via URL-encoded POST": Row(method="POST", form={"query": CITIES}, check=cities),
    "2.1.3 query via POST directly": Row(
        method="POST", body=CITIES, content_type=QUERY, check=cities
    ),
    "2.1.3 direct POST with a charset parameter": Row(
        method="POST", body=CITIES, content_type=QUERY + "; charset=utf-8", check=cities
    ),
    # §2.1.4: the RDF dataset of the query from the protocol's parameters.
    "2.1.4 default-graph-uri via GET": Row(
        args={"query": COUNT_CITIES, "default-graph-uri": PLACES}, check=count(3)
    ),
    "2.1.4 default-graph-uri naming another graph": Row(
        args={"query": COUNT_CITIES, "default-graph-uri": PEOPLE}, check=count(0)
    ),
    "2.1.4 two default-graph-uri are merged": Row(
        args={"query": COUNT_CITIES, "default-graph-uri": [PEOPLE, PLACES]}, check=count(3)
    ),
    "2.1.4 an IRI the store lacks is an empty graph": Row(
        args={"query": COUNT_CITIES, "default-graph-uri": SPARQL_BASE + "graph/none"},
        check=count(0),
    ),
    "2.1.4 named-graph-uri via URL-encoded POST": Row(
        method="POST", form={"query": GRAPHS, "named-graph-uri": PLACES}, check=graphs(PLACES)
    ),
    "2.1.4 dataset in the URL of a direct POST": Row(
        method="POST",
        args={"named-graph-uri": [PEOPLE, VOCAB]},
        body=GRAPHS,
        content_type=QUERY,
        check=graphs(PEOPLE, VOCAB),
    ),
    "2.1.4 no dataset: every named graph": Row(
        args={"query": GRAPHS}, check=graphs(PEOPLE, PLACES, VOCAB)
    ),
    "SPARQL Query 13.2 FROM names a graph of the store": Row(
        args={"query": f"SELECT (COUNT(*) AS ?n) FROM <{PLACES}> WHERE {{ ?c a <{VOC}City> }}"},
        check=count(3),
    ),
    "SPARQL Query 13.2 FROM excludes the other graphs": Row(
        args={"query": f"SELECT (COUNT(*) AS ?n) FROM <{PEOPLE}> WHERE {{ ?c a <{VOC}City> }}"},
        check=count(0),
    ),
    "SPARQL Query 13.2 FROM NAMED only: an empty default graph": Row(
        args={"query": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{PLACES}> WHERE {{ ?s ?p ?o }}"},
        check=count(0),
    ),
    "2.1.4 default-graph-uri overrides FROM": Row(
        args={
            "query": f"SELECT (COUNT(*) AS ?n) FROM <{PEOPLE}> WHERE {{ ?c a <{VOC}City> }}",
            "default-graph-uri": PLACES,
        },
        check=count(3),
    ),
    "2.1.4 named-graph-uri only: an empty default graph": Row(
        args={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "named-graph-uri": PLACES},
        check=count(0),
    ),
    "SD 3.3 UnionDefaultGraph: the default graph is the union": Row(
        args={"query": f"ASK {{ ?p <{VOC}livesIn> ?c . ?c a <{VOC}City> }}"},
        check=boolean(True),
    ),
    # §2.1.1 / §2.2: failures of the query operation.
    "2.1.1 malformed query: 400 with the parser's message": Row(
        args={"query": "SELECT ?x WHERE { ?x"},
        status=400,
        media_type="text/plain",
        check=text_message("malformed", "error"),
    ),
    # A syntax error wins over "not acceptable": the client must learn its query is broken.
    "2.1.1 malformed query, Accept text/html: 400 page, not 406": Row(
        args={"query": "SELECT ?x WHERE {"},
        headers={"Accept": "text/html"},
        status=400,
        media_type="text/html",
        check=text_message("Bad request", "syntax error at line 1, column 18"),
    ),
    "2.1.1 malformed query, nothing acceptable: 400, not 406": Row(
        args={"query": "SELECT ?x WHERE {"},
        headers={"Accept": "image/png"},
        status=400,
        media_type="text/plain",
        check=text_message("syntax error at line 1, column 18", "SELECT ?x WHERE {\n"),
    ),
    "2.1.2 malformed query in a form, unknown format=: 400, not 406": Row(
        method="POST",
        form={"query": "ASK {", "format": "pdf"},
        status=400,
        media_type="text/plain",
        check=text_message("syntax error at line 1, column 6"),
    ),
    "2.1.1 two query parameters: 400": Row(
        args={"query": [CITIES, ASK]}, status=400, media_type="text/plain"
    ),
    "2.1.2 query in URL and body: 400": Row(
        method="POST", args={"query": CITIES}, form={"query": ASK}, status=400
    ),
    "2.1.2 URL-encoded POST without query: 400": Row(
        method="POST", form={"default-graph-uri": PLACES}, status=400, media_type="text/plain"
    ),
    "2.1.3 direct POST with an empty body: 400": Row(
        method="POST", body="", content_type=QUERY, status=400
    ),
    "RFC 9110 15.5.16 POST of another media type: 415": Row(
        method="POST", body=CITIES, content_type="text/plain", status=415
    ),
    "RFC 9110 15.5.6 PUT: 405": Row(method="PUT", status=405, check=lambda r: r.allow),
    "RFC 9110 15.5.6 DELETE: 405": Row(method="DELETE", status=405, check=lambda r: r.allow),
    "RFC 9110 9.3.2 HEAD: headers without a body": Row(
        method="HEAD",
        args={"query": CITIES},
        media_type="application/sparql-results+json",
        check=lambda r: r.data == b"",
    ),
}


@pytest.mark.parametrize("row", PROTOCOL.values(), ids=PROTOCOL.keys())
def test_protocol(client, row: Row) -> None:
    response = row.send(client)
    assert response.status_code == row.status, response.data
    if row.media_type:
        assert response.mimetype == row.media_type
    if row.check:
        result = row.check(response)
        assert result is None or result


RESULTS = {
    # SPARQL 1.1 Query Results JSON §3, XML §2, CSV/TSV §3-4; Protocol §2.1.5 conneg.
    "2.1.5 no Accept: SPARQL JSON": Row(
        args={"query": CITIES}, media_type="application/sparql-results+json", check=cities
    ),
    "2.1.5 */*: SPARQL JSON": Row(
        args={"query": CITIES},
        headers={"Accept": "*/*"},
        media_type="application/sparql-results+json",
    ),
    "Results XML §2 by Accept": Row(
        args={"query": CITIES},
        headers={"Accept": "application/sparql-results+xml"},
        media_type="application/sparql-results+xml",
        check=cities,
    ),
    "Results CSV §3 by Accept": Row(
        args={"query": CITIES},
        headers={"Accept": "text/csv"},
        media_type="text/csv",
        check=csv_cities,
    ),
    "Results TSV §4 by Accept": Row(
        args={"query": CITIES},
        headers={"Accept": "text/tab-separated-values"},
        media_type="text/tab-separated-values",
        check=cities,
    ),
    "RFC 9110 12.5.1 q-values respected": Row(
        args={"query": CITIES},
        headers={"Accept": "application/sparql-results+json;q=0.5, text/csv;q=0.9"},
        media_type="text/csv",
    ),
    # RFC 9110 12.5.1: parameters other than q do not stop a match (these are what we send).
    "RFC 9110 12.5.1 SPARQL JSON with a charset": Row(
        args={"query": CITIES},
        headers={"Accept": "application/sparql-results+json; charset=utf-8"},
        media_type="application/sparql-results+json",
        check=content_type("application/sparql-results+json; charset=utf-8"),
    ),
    "RFC 9110 12.5.1 CSV with header=present": Row(
        args={"query": CITIES},
        headers={"Accept": "text/csv;header=present"},
        media_type="text/csv",
        check=content_type("text/csv; charset=utf-8"),
    ),
    "RFC 9110 12.5.1 q=0 beside */* refuses a type": Row(
        args={"query": CITIES},
        headers={"Accept": "application/sparql-results+json;q=0, */*"},
        media_type="application/sparql-results+xml",
    ),
    "format=tsv overrides Accept": Row(
        args={"query": CITIES, "format": "tsv"},
        headers={"Accept": "application/sparql-results+xml"},
        media_type="text/tab-separated-values",
    ),
    "output=xml": Row(
        args={"query": CITIES, "output": "xml"}, media_type="application/sparql-results+xml"
    ),
    "format= a full media type": Row(
        args={"query": CITIES, "format": "text/csv"}, media_type="text/csv"
    ),
    "format= in a URL-encoded POST": Row(
        method="POST", form={"query": CITIES, "format": "csv"}, media_type="text/csv"
    ),
    "ASK as SPARQL JSON §3.3": Row(
        args={"query": ASK}, media_type="application/sparql-results+json", check=boolean(True)
    ),
    "ASK as SPARQL XML §2.3.2": Row(
        args={"query": ASK, "format": "xml"},
        media_type="application/sparql-results+xml",
        check=boolean(True),
    ),
    "RFC 9110 15.5.7 SELECT as Turtle: 406 listing formats": Row(
        args={"query": CITIES},
        headers={"Accept": "text/turtle"},
        status=406,
        check=text_message("application/sparql-results+json", "text/csv"),
    ),
    "RFC 9110 15.5.7 format=ttl for SELECT: 406": Row(
        args={"query": CITIES, "format": "ttl"}, status=406
    ),
    "RFC 9110 15.5.7 an unknown format: 406": Row(
        args={"query": CITIES, "format": "pdf"}, status=406, check=text_message("text/turtle")
    ),
    "RFC 9110 15.5.7 a well-formed query, Accept text/html: 406 page": Row(
        args={"query": CITIES},
        headers={"Accept": "text/html"},
        status=406,
        media_type="text/html",
        check=text_message("application/sparql-results+json", "format=csv"),
    ),
    "CONSTRUCT, no Accept: Turtle": Row(
        args={"query": CONSTRUCT}, media_type="text/turtle", check=rdf("turtle", 3)
    ),
    "format=n3 for CONSTRUCT: Turtle (Turtle is N3; SPARQLWrapper's N3)": Row(
        args={"query": CONSTRUCT, "format": "n3"},
        headers={"Accept": "application/turtle,text/turtle,text/rdf+n3,application/n3,text/n3"},
        media_type="text/turtle",
        check=rdf("turtle", 3),
    ),
    "Accept text/n3 for CONSTRUCT: Turtle": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "text/n3"},
        media_type="text/turtle",
        check=rdf("turtle", 3),
    ),
    "format= in any case: JSON": Row(
        args={"query": ASK, "format": "JSON"},
        media_type="application/sparql-results+json",
        check=boolean(True),
    ),
    "CONSTRUCT as N-Triples": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "application/n-triples"},
        media_type="application/n-triples",
        check=rdf("nt", 3),
    ),
    "CONSTRUCT as RDF/XML": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "application/rdf+xml"},
        media_type="application/rdf+xml",
        check=rdf("xml", 3),
    ),
    "CONSTRUCT as JSON-LD": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "application/ld+json"},
        media_type="application/ld+json",
        check=rdf("json-ld", 3),
    ),
    "CONSTRUCT as TriG": Row(
        args={"query": CONSTRUCT, "format": "trig"},
        media_type="application/trig",
        check=rdf("trig", 3),
    ),
    "CONSTRUCT as N-Quads": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "application/n-quads"},
        media_type="application/n-quads",
        check=rdf("nquads", 3),
    ),
    "CONSTRUCT as Turtle with a charset": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "text/turtle; charset=utf-8"},
        media_type="text/turtle",
        check=content_type("text/turtle; charset=utf-8"),
    ),
    "CONSTRUCT as JSON-LD with a profile we do not write": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": 'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"'},
        media_type="application/ld+json",
        check=rdf("json-ld", 3),
    ),
    "CONSTRUCT, Turtle refused by q=0": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "text/turtle;q=0, */*"},
        media_type="application/ld+json",
    ),
    "CONSTRUCT format=turtle (SPARQLWrapper's name)": Row(
        args={"query": CONSTRUCT, "format": "turtle"}, media_type="text/turtle"
    ),
    "CONSTRUCT format=json means JSON-LD": Row(
        args={"query": CONSTRUCT, "format": "json"}, media_type="application/ld+json"
    ),
    "CONSTRUCT with only results formats acceptable: 406": Row(
        args={"query": CONSTRUCT},
        headers={"Accept": "application/sparql-results+json"},
        status=406,
        check=text_message("text/turtle"),
    ),
    "DESCRIBE as Turtle": Row(
        args={"query": DESCRIBE}, media_type="text/turtle", check=lambda r: b"Tunis" in r.data
    ),
}


@pytest.mark.parametrize("row", RESULTS.values(), ids=RESULTS.keys())
def test_results(client, row: Row) -> None:
    test_protocol(client, row)
    assert "Accept" in row.send(client).vary


ALL_ROWS = "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"
TRUNCATION = {
    # SPARQL 1.1 Query Results JSON §3.1 (head.link), XML §2.2 (<link>); CSV/TSV: header only.
    "JSON: head.link": ("json", lambda r: json.loads(r.data)["head"]["link"]),
    "XML: <link> in head": ("xml", lambda r: b'<link href="http://localhost/sparql#limits"/>'),
    "CSV: header only, 10 rows": (
        "csv",
        lambda r: len(list(csv.reader(io.StringIO(r.text)))) == 11,
    ),
    "TSV: header only, 10 rows": ("tsv", lambda r: len(solutions(r)) == 10),
    "Turtle: 10 triples": ("ttl", lambda r: len(Graph().parse(data=r.data, format="turtle"))),
}


@pytest.mark.parametrize(("fmt", "check"), TRUNCATION.values(), ids=TRUNCATION.keys())
def test_results_beyond_the_row_cap_are_cut_and_said_so(client, fmt, check) -> None:
    query = ALL_ROWS if fmt != "ttl" else "CONSTRUCT WHERE { ?s ?p ?o }"
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.headers["X-ICTKG-Result-Truncated"] == "true"
    assert response.headers["X-ICTKG-Result-Row-Limit"] == "10"
    assert check(response)
    if fmt == "json":
        assert json.loads(response.data)["head"]["link"] == ["http://localhost/sparql#limits"]
        assert len(json.loads(response.data)["results"]["bindings"]) == 10
    if fmt == "xml":
        assert b'<link href="http://localhost/sparql#limits"/>' in response.data
        assert len(solutions(response)) == 10
    if fmt == "ttl":
        assert len(Graph().parse(data=response.data, format="turtle")) == 10


def test_results_within_the_cap_are_whole_and_say_so(client) -> None:
    response = client.get("/sparql", query_string={"query": CITIES})
    assert response.headers["X-ICTKG-Result-Truncated"] == "false"
    assert "link" not in json.loads(response.data)["head"]


def test_terms_survive_the_row_cap_exactly(client) -> None:
    """Literals with newlines, tabs, languages and datatypes, and blank nodes, come back intact."""
    query = f"SELECT ?o WHERE {{ ?s ?p ?o FILTER(?p IN (<{VOC}note>, <{VOC}born>)) }} ORDER BY ?o"
    response = client.get("/sparql", query_string={"query": query})
    values = json.loads(response.data)["results"]["bindings"]
    assert {"type": "literal", "value": "two lines\nand a\ttab"} in [v["o"] for v in values]
    assert {
        "type": "literal",
        "value": "1990-05-01",
        "datatype": "http://www.w3.org/2001/XMLSchema#date",
    } in [v["o"] for v in values]
    query = f"SELECT ?a WHERE {{ ?s <{VOC}address> ?a }}"
    response = client.get("/sparql", query_string={"query": query})
    assert json.loads(response.data)["results"]["bindings"][0]["a"]["type"] == "bnode"


NOT_XML_QUERIES = {
    "SELECT as SPARQL XML": (
        'SELECT ?x WHERE { BIND("a\\u0001b" AS ?x) }',
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "a\x01b",
        "U+0001",
    ),
    "CONSTRUCT as RDF/XML": (
        'CONSTRUCT { <http://e/s> <http://e/p> "form\\uFFFFfeed" } WHERE {}',
        "application/rdf+xml",
        "text/turtle",
        "form\ufffffeed",
        "U+FFFF",
    ),
}


@pytest.mark.parametrize(
    ("query", "xml", "other", "value", "character"), NOT_XML_QUERIES.values(), ids=NOT_XML_QUERIES
)
def test_results_xml_cannot_carry_are_406_not_an_ill_formed_document(
    client, query, xml, other, value, character
):
    """A literal holding a character XML 1.0 excludes (§2.2 ``Char``: U+0001, U+FFFF) has no XML
    form, not even escaped: the engine would write it raw, and an XML parser stops there. So
    XML is refused with a 406 that names the character and the formats that carry it, and
    those carry it."""
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": xml})
    assert response.status_code == 406
    body = response.data.decode()
    assert f"hold {character}, a character XML 1.0 cannot carry" in body
    available = body[body.index("formats below") :]
    assert other in available
    assert xml not in available
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": other})
    assert response.status_code == 200
    if other == "text/turtle":
        (triple,) = ox.parse(response.data, format=ox.RdfFormat.TURTLE)
        assert triple.object.value == value
    else:
        assert json.loads(response.data)["results"]["bindings"][0]["x"]["value"] == value


def test_results_xml_can_carry_are_xml(client):
    """Tabs, line breaks and DEL are XML characters: the XML results hold them."""
    query = 'SELECT ?x WHERE { BIND("tab\\tline\\nDEL\\u007F" AS ?x) }'
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert response.status_code == 200
    literal = ET.fromstring(response.data).find(".//{*}literal")
    assert literal is not None
    assert literal.text == "tab\tline\nDEL\x7f"


DESCRIPTION = {
    # SPARQL 1.1 Service Description §2: GET without query; RDF by conneg.
    "SD 2 Turtle by default": ({}, "text/turtle", "turtle"),
    "SD 2 Turtle": ({"Accept": "text/turtle"}, "text/turtle", "turtle"),
    "SD 2 RDF/XML": ({"Accept": "application/rdf+xml"}, "application/rdf+xml", "xml"),
    "SD 2 JSON-LD": ({"Accept": "application/ld+json"}, "application/ld+json", "json-ld"),
    "SD 2 N-Triples": ({"Accept": "application/n-triples"}, "application/n-triples", "nt"),
}


@pytest.mark.parametrize(("headers", "media_type", "fmt"), DESCRIPTION.values(), ids=DESCRIPTION)
def test_service_description(client, headers, media_type, fmt) -> None:
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    graph = Graph()
    for quad in ox.parse(response.data, OX_FORMATS[fmt]):  # rdflib's JSON-LD parser warns
        graph.add(tuple(to_rdflib(term) for term in quad.triple))
    service = URIRef("http://localhost/sparql")
    assert (service, RDF.type, SD.Service) in graph  # §3.2.1
    assert (service, SD.endpoint, service) in graph  # §3.2.2
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph  # §3.2.3
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph  # §3.3
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "Turtle"):
        assert (service, SD.resultFormat, FORMATS[name]) in graph  # §3.2.8
    dataset = graph.value(service, SD.defaultDataset)  # §3.2.6
    assert dataset == URIRef("http://localhost/.well-known/void#dataset")
    default_graph = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default_graph, VOID.triples) == Literal(29)
    sizes = {
        str(graph.value(named, SD.name)): graph.value(graph.value(named, SD.graph), VOID.triples)
        for named in graph.objects(dataset, SD.namedGraph)
    }
    assert sizes == {
        local(PEOPLE): Literal(14),
        local(PLACES): Literal(9),
        local(VOCAB): Literal(6),
    }


def test_service_description_names_the_host_the_client_used(client) -> None:
    response = client.get("/sparql", base_url="http://kg.example:8080", headers={"Accept": "*/*"})
    graph = Graph().parse(data=response.data, format="turtle")
    service = URIRef("http://kg.example:8080/sparql")
    assert (service, SD.endpoint, service) in graph


def test_a_browser_gets_the_query_page(client) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.mimetype == "text/html"
    page = response.data.decode()
    assert "<form" in page
    assert 'name="query"' in page


def test_the_query_page_escapes_what_it_echoes(client) -> None:
    response = client.get("/sparql", base_url='http://x"><b>', headers={"Accept": "text/html"})
    assert b'"><b>' not in response.data


def test_service_description_406(client) -> None:
    response = client.get("/sparql", headers={"Accept": "application/pdf"})
    assert response.status_code == 406
    assert b"text/turtle" in response.data


CORS = {
    # Fetch standard §3.2.3 (CORS protocol): every response, errors included.
    "query": {"query_string": {"query": ASK}},
    "malformed query": {"query_string": {"query": "SELECT"}},
    "service description": {},
    "406": {"query_string": {"query": ASK}, "headers": {"Accept": "text/turtle"}},
}


@pytest.mark.parametrize("kwargs", CORS.values(), ids=CORS.keys())
def test_cors_on_every_response(client, kwargs) -> None:
    response = client.get("/sparql", **kwargs)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-ICTKG-Result-Truncated" in exposed
    assert "X-ICTKG-Result-Row-Limit" in exposed


def test_cors_preflight(client) -> None:
    """Fetch standard §3.2.2: a preflight gets the methods and the headers it asked for."""
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "POST", "OPTIONS"}
    assert allowed == {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.headers["Access-Control-Allow-Headers"] == "content-type"


def test_health(client, sparql_app) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "store": sparql_app.extensions["ictkg"].kind,
        "triples": 29,
        "version": sparql_app.extensions["ictkg"].version,
    }
