"""The same requests to the app on the embedded store and in front of each engine people run.

Issue 14: the front must answer alike whatever engine holds the data. Each engine
(``oxigraph serve``, Virtuoso 7.2) is started once for the session on 127.0.0.1, loaded once
with ``ictkg load`` (the real command, one named graph per file), and the app in front of it
(``SPARQL_ENDPOINT``) must give, for every request of :func:`requests_to_compare`, what the app
on the embedded store gives: the same status and media type, isomorphic graphs (equal once
their blank nodes are renamed canonically by pyoxigraph: rdflib's ``isomorphic`` took a third
of this suite's time), equal SPARQL result sets (in order when the query says ``ORDER BY``),
and the same page text once volatile bits (the dataset version, which is a hash of different
things) are taken out.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote_plus, unquote_plus, urlencode

import pyoxigraph as ox
import pytest
from engines import HoldingRelay
from support import assert_same_canonical, canonical, n_triples

from server import create_app
from server.config import DEFAULTS
from server.rdf import alignments
from server.store.embedded import graph_files

CONFIG = {"TESTING": True, "VALIDATE_ON_START": False, "QUERY_WORKERS": 1}
BASE = DEFAULTS["BASE_IRI"]
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
DATASET_TYPES = {"application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS}
#: Hex digests (the dataset version, ETag-like tokens) differ between stores by design.
VOLATILE = re.compile(rb"[0-9a-f]{12,64}")


@pytest.fixture(scope="session")
def front_log(tmp_path_factory) -> Iterator:
    """What the front logs (``ictkg.*``), its query workers included: a handler attached before
    any app forks them writes to one file they all share, so a failure can show what the engine
    said when the front answered 503."""
    path = tmp_path_factory.mktemp("front") / "front.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(process)d %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger("ictkg")
    logger.addHandler(handler)
    yield path
    logger.removeHandler(handler)
    handler.close()


@pytest.fixture(scope="session")
def embedded_app(front_log):
    app = create_app(CONFIG)
    yield app
    app.extensions["ictkg.queries"].close()


def engine_app(engine) -> Iterator:
    # Answers are compared here, not timeouts (tests/store/test_remote_store.py has those): a busy
    # machine must not turn a slow answer into a 503.
    app = create_app({**CONFIG, "SPARQL_ENDPOINT": engine.endpoint, "REMOTE_TIMEOUT": 60.0})
    yield app
    app.extensions["ictkg.queries"].close()


@pytest.fixture(scope="session")
def oxigraph_app(loaded_oxigraph, front_log):
    yield from engine_app(loaded_oxigraph)


@pytest.fixture(scope="session")
def virtuoso_app(loaded_virtuoso, front_log):
    yield from engine_app(loaded_virtuoso)


@pytest.fixture(scope="session", params=["oxigraph", "virtuoso"])
def remote_app(request):
    return request.getfixturevalue(f"{request.param}_app")


def sparql(query: str, accept: str) -> tuple[str, str]:
    return "/sparql?" + urlencode({"query": query}), accept


def requests_to_compare(app) -> list[tuple[str, str]]:
    """(path, Accept) pairs covering every kind of page, document and answer."""
    store = app.extensions["ictkg"]
    rows = store.query(
        "SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "
        f'"{BASE}id/")) }} GROUP BY ?s ORDER BY DESC(COUNT(*)) ?s LIMIT 3'
    )
    resources = [row["s"].value[len(BASE) :].replace("id/", "doc/", 1) for row in rows]
    classes = [
        row["c"].value
        for row in store.query(
            "SELECT ?c WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(COUNT(?s)) ?c LIMIT 2"
        )
    ]
    prefix = f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX : <{BASE}ontology#>\n"
    # By the IRIs' text: Virtuoso orders IRIs by its internal ids, not as SPARQL §15.1 says.
    select = prefix + "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY STR(?s) STR(?l) LANG(?l)"
    unordered = prefix + "SELECT ?s ?l WHERE { ?s a :Event ; rdfs:label ?l }"
    grouped = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    construct = prefix + "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ?c ; rdfs:label ?l }"
    describe = f"DESCRIBE <{BASE}{resources[0].replace('doc/', 'id/', 1)}>"
    html, ttl, jsonld = "text/html", "text/turtle", "application/ld+json"
    wanted = [
        ("/", html),
        ("/health", "application/json"),
        ("/ontology", html),
        ("/ontology", ttl),
        ("/.well-known/void", ttl),
        ("/.well-known/void", html),
        ("/dumps/dataset.trig", "*/*"),
        ("/dumps/dataset.ttl", "*/*"),
        ("/search?q=bel", html),
        ("/search?q=forum", "application/json"),
        ("/search?q=information%20society", html),
        ("/sparql", ttl),
        sparql(select, "application/sparql-results+json"),
        sparql(select, "application/sparql-results+xml"),
        sparql(select, "text/csv"),
        sparql(unordered, "application/sparql-results+json"),
        sparql(grouped, "application/sparql-results+json"),
        sparql(prefix + "ASK { ?s a :Event }", "application/sparql-results+json"),
        sparql("ASK { ?s <urn:x:nothing> ?o }", "application/sparql-results+xml"),
        sparql(construct, ttl),
        sparql(construct, "application/n-triples"),
        sparql(construct, jsonld),
        sparql(describe, ttl),
        sparql(describe, "application/rdf+xml"),
        sparql("SELECT ?x WHERE {", "application/sparql-results+json"),
        ("/doc/nothing/here", html),
    ]
    for resource in resources:
        wanted += [(f"/{resource}", html), (f"/{resource}", ttl), (f"/{resource}", jsonld)]
    for cls in classes:
        for sort in ("label", "date"):
            wanted.append(("/list?" + urlencode({"class": cls, "sort": sort}), html))
    # A list in each language: the sort key ranks labels by the page's language (Virtuoso 7.2
    # stopped answering anything on an earlier form of that ranking, in Russian and Belarusian).
    for lang in ("ru", "be"):
        wanted.append(
            ("/list?" + urlencode({"class": BASE + "ontology#Event", "lang": lang}), html)
        )
    wanted.append(("/search?q=bel&lang=be", html))
    return wanted


#: Oxigraph (the embedded store and ``oxigraph serve``) stores the integer types derived from
#: xsd:integer as xsd:integer ("2"^^xsd:positiveInteger comes back "2"^^xsd:integer); Virtuoso
#: keeps them. The one difference between engines this suite lets through: the values are
#: compared as xsd:integer, and what follows from it is left out (the byte sizes and checksums
#: of the dumps, the number of distinct objects: "5"^^xsd:integer and "5"^^xsd:positiveInteger
#: are two objects on Virtuoso).
XSD = "http://www.w3.org/2001/XMLSchema#"
DERIVED_INTEGERS = {
    ox.NamedNode(XSD + name)
    for name in [
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
}
DATATYPE_COUNTS = {
    ox.NamedNode("http://www.w3.org/ns/dcat#byteSize"),
    ox.NamedNode("http://spdx.org/rdf/terms#checksumValue"),
    ox.NamedNode("http://rdfs.org/ns/void#distinctObjects"),
}
#: Those values on a page, by the property's IRI (its name is in the page's language).
DATATYPE_COUNTS_SHOWN = re.compile(
    rb'(title="(?:http://www\.w3\.org/ns/dcat#byteSize|http://rdfs\.org/ns/void#distinctObjects)">'
    rb"[^<]*</a></th>\s*<td><ul class=\"values\"><li><span>)[\d,]+"
)


def canonical_term(term):
    if isinstance(term, ox.Literal) and term.datatype in DERIVED_INTEGERS:
        return ox.Literal(term.value, datatype=ox.NamedNode(XSD + "integer"))
    return term


def triples_graph(triples: list[ox.Triple]) -> ox.Dataset:
    kept = [
        ox.Triple(t.subject, t.predicate, canonical_term(t.object))
        for t in triples
        if t.predicate not in DATATYPE_COUNTS
    ]
    return canonical(kept)


def inline_context(body: bytes, client) -> bytes:
    """A JSON-LD document with the server's ``/context.jsonld`` put in place of its URL."""
    document = json.loads(body)
    context = client.get("/context.jsonld").json["@context"]
    contexts = document.get("@context") if isinstance(document, dict) else None
    if isinstance(contexts, str):
        document["@context"] = context
    elif isinstance(contexts, list):
        document["@context"] = [context if isinstance(c, str) else c for c in contexts]
    return json.dumps(document).encode()


def comparable(response, client, path: str) -> object:
    """What must be equal between stores: parsed graphs, result sets (in order when the query
    says ORDER BY), or text (a 400's: its kind, the engine's message is its own)."""
    media_type = response.mimetype
    if response.status_code == 400 and path.startswith("/sparql"):
        return response.data.split(b":")[0]
    if media_type in GRAPH_TYPES:
        body = response.data
        if media_type == "application/ld+json":
            body = inline_context(body, client)
        triples = [quad.triple for quad in ox.parse(body, GRAPH_TYPES[media_type])]
        return ("graph", triples_graph(triples))
    if media_type in DATASET_TYPES:
        graphs: dict[str, list[ox.Triple]] = {}
        for quad in ox.parse(response.data, DATASET_TYPES[media_type]):
            graphs.setdefault(str(quad.graph_name), []).append(quad.triple)
        return ("dataset", {name: triples_graph(t) for name, t in graphs.items()})
    if media_type == "application/sparql-results+json":
        document = json.loads(response.data)
        if "boolean" in document:
            return document
        rows = [json.dumps(row, sort_keys=True) for row in document["results"]["bindings"]]
        ordered = "ORDER BY" in unquote_plus(path)
        return {"vars": document["head"]["vars"], "rows": rows if ordered else sorted(rows)}
    if media_type == "application/json":
        document = json.loads(response.data)
        if isinstance(document, dict):
            document.pop("version", None)
            document.pop("store", None)
        return document
    return VOLATILE.sub(b"#", DATATYPE_COUNTS_SHOWN.sub(rb"\1#", response.data))


def assert_same(expected, actual, what: str) -> None:
    if isinstance(expected, tuple) and expected[0] == "graph" and "DESCRIBE" in what:
        # What DESCRIBE returns is up to the engine (SPARQL 1.1 §16.4): Virtuoso adds the
        # links to the resource. Everything the embedded store says must be there.
        ground = {q for q in expected[1] if not any(isinstance(t, ox.BlankNode) for t in q.triple)}
        assert ground, what
        assert ground <= set(actual[1]), f"{what}: {n_triples(ground - set(actual[1]))[:3000]}"
        return
    if isinstance(expected, tuple) and expected[0] == "graph":
        assert_same_canonical(expected[1], actual[1], f"{what}: graphs differ (expected: embedded)")
        return
    if isinstance(expected, tuple) and expected[0] == "dataset":
        ours, theirs = expected[1], actual[1]
        assert sorted(ours) == sorted(theirs), what
        for name in ours:
            assert_same_canonical(ours[name], theirs[name], f"{what}: graph {name} differs")
        return
    if isinstance(expected, bytes) and expected != actual:
        lines = difflib.unified_diff(
            expected.decode().splitlines(), actual.decode().splitlines(), lineterm="", n=1
        )
        raise AssertionError(f"{what}: text differs\n" + "\n".join(list(lines)[:40]))
    assert expected == actual, what


def test_the_front_answers_alike_on_every_engine(embedded_app, remote_app, front_log) -> None:
    """Status, media type and content of every request, embedded vs. in front of the engine."""
    ours, theirs = embedded_app.test_client(), remote_app.test_client()
    wanted = requests_to_compare(embedded_app)
    different = []
    for path, accept in wanted:
        expected = ours.get(path, headers={"Accept": accept})
        actual = theirs.get(path, headers={"Accept": accept})
        what = f"{unquote_plus(path)} ({accept})"
        if (expected.status_code, expected.mimetype) != (actual.status_code, actual.mimetype):
            different.append(
                f"{what}: {expected.status_code} {expected.mimetype} embedded, "
                f"{actual.status_code} {actual.mimetype} remote: {actual.data[:300]!r}"
            )
            continue
        try:
            assert_same(comparable(expected, ours, path), comparable(actual, theirs, path), what)
        except AssertionError as error:
            different.append(str(error)[:4000])
    assert not different, (
        f"{len(different)} of {len(wanted)} differ:\n"
        + "\n".join(different)
        + f"\n--- the front's log:\n{front_log.read_text()[-4000:]}"
    )


def test_only_the_dataset_graphs_are_visible(embedded_app, remote_app) -> None:
    """The engine's own graphs (Virtuoso's schemas) never reach the dataset, and the loader's
    record is not part of it either."""
    # The files' graphs and the entailed graph of the alignments: what the embedded store holds.
    expected = set(graph_files(BASE, [DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"]]))
    expected.add(alignments.graph_iri(BASE))
    store = remote_app.extensions["ictkg"]
    assert set(store.graphs) == expected
    assert len(store) == len(embedded_app.extensions["ictkg"])
    answer = remote_app.test_client().get(
        "/sparql",
        query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    shown = {row["g"]["value"] for row in answer.json["results"]["bindings"]}
    assert {iri.replace("http://localhost/", BASE, 1) for iri in shown} == expected


def test_a_busy_virtuoso_gives_the_same_dump(embedded_app, loaded_virtuoso) -> None:
    """Virtuoso late with the answer the dumps and VoID ask (every quad), as it is at 1e5, but
    answering ``ASK {}`` meanwhile: the front, with a REMOTE_TIMEOUT shorter than the wait,
    waits for it and answers as the embedded store does (it answered 503 at 1e5: the dumps in
    quads and VoID). ``tests/store/test_remote_store.py`` does the same with oxigraph."""
    relay = HoldingRelay(
        loaded_virtuoso.endpoint, quote_plus("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g").encode()
    )
    app = create_app({**CONFIG, "SPARQL_ENDPOINT": relay.url, "REMOTE_TIMEOUT": 2.0})
    ours, theirs = embedded_app.test_client(), app.test_client()
    try:
        path = "/dumps/dataset.trig"
        expected, actual = ours.get(path), theirs.get(path)
        assert actual.status_code == 200, actual.data[:300]
        assert_same(comparable(expected, ours, path), comparable(actual, theirs, path), path)
        assert relay.held == relay.released == 1
    finally:
        relay.close()
        app.extensions["ictkg.queries"].close()
