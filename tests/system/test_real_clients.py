"""The published knowledge graph as its consumers meet it: ``ictkg serve`` on the real data
(validated at start-up, as ``make run`` does), used through real clients over HTTP.

- rdflib's ``Graph.parse(url, format=...)`` from a thing's URI, following the 303 with the
  ``Accept`` header rdflib itself sends for each format (Cool URIs section 4.3).
- SPARQLWrapper asking one of the seed's questions in JSON, XML and CSV (SPARQL 1.1 Protocol
  section 2.1, Query Results JSON / XML / CSV).
- curl for the headers a crawler reads (RFC 9110 sections 15.4.4 and 12.5.5; Fetch: CORS).
- pyld (the Python JSON-LD processor): ``jsonld.expand`` on a thing's IRI (303, then the
  JSON-LD document and its remote ``@context``) and ``jsonld.compact`` on a document's URL.
- Comunica (``comunica-sparql``, npm, ``tests/clients/``): our endpoint as a ``sparql@``
  source, and a document as a ``file@`` source.
- Debian's raptor (``rapper``) parsing our Turtle, RDF/XML and N-Triples documents, and rasqal
  (``roqet``) querying the endpoint (``-p``) and a fetched document (``-D``).

Every tool is installed by ``make install``; a missing one fails here with what to run, never
skips.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest
from conftest import ictkg_serve
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import CSV, JSON, N3, RDFXML, TURTLE, XML, SPARQLWrapper
from support import TESTS

from server.config import BASE_IRI, DEFAULTS

SUMMIT = "id/event/connect-cis-summit-2009"
SUMMIT_DOC = "doc/event/connect-cis-summit-2009"
LABEL = str(RDFS.label)


def data_labels(iri: str) -> set[str]:
    """The labels the data files give ``iri``, read with pyoxigraph, not through the server."""
    labels = set()
    for file in sorted(Path(DEFAULTS["DATA_DIR"]).rglob("*.ttl")):
        for quad in ox.parse(path=str(file), format=ox.RdfFormat.TURTLE):
            if quad.subject.value == iri and quad.predicate.value == LABEL:
                labels.add(quad.object.value)
    if not labels:
        raise LookupError(f"the data gives {iri} no label: the client tests need one")
    return labels


#: Every label of the summit, in every language (English, Russian, Belarusian…).
LABELS = data_labels(BASE_IRI + SUMMIT)
COMUNICA = TESTS / "clients" / "node_modules" / ".bin" / "comunica-sparql"


def tool(path: str | Path, install: str) -> str:
    """The tool's path; a clear failure (not a skip) when it is missing."""
    found = shutil.which(str(path))
    if found is None:
        pytest.fail(f"{path} is not installed: run `make install` ({install})")
    return found


def run(*command: str) -> str:
    """Run a client; its output, or a failure showing what it printed."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command[0]} failed ({done.returncode}):\n{done.stderr}"
    return done.stdout


def tunis_question(base: str) -> str:
    """A seed question in the IRIs under ``base``: canonical, or those the server's pages show."""
    return f"""
PREFIX ictkg: <{base}ontology#>
SELECT ?role WHERE {{
  ?p ictkg:participant <{base}id/state/belarus> ;
     ictkg:participatedIn <{base}id/event/wsis-tunis-2005> ; ictkg:role ?role .
}}"""


def base_for(iris: str, root: str) -> str:
    """The IRIs a query is written in: the canonical ones, or the server's own (README, "URIs")."""
    return BASE_IRI if iris == "canonical" else root


@pytest.fixture(scope="module")
def root() -> Iterator[str]:
    with ictkg_serve(
        "--workers",
        "1",
        "--threads",
        "4",
        "--base-iri",
        BASE_IRI,
        "--ontology",
        DEFAULTS["ONTOLOGY_DIR"],
        "--data",
        DEFAULTS["DATA_DIR"],
        "--shapes",
        DEFAULTS["SHAPES_DIR"],
        env={"ICTKG_VALIDATE_ON_START": "true"},
    ) as url:
        yield url


# rdflib's own JSON-LD parser builds a ConjunctiveGraph, which rdflib 7 deprecates.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("rdf_format", ["turtle", "xml", "json-ld", "nt"])
def test_rdflib_follows_the_303_in_each_format(root: str, rdf_format: str):
    graph = Graph()
    graph.parse(root + SUMMIT, format=rdf_format)
    assert (URIRef(root + SUMMIT), RDFS.label, Literal("Connect CIS Summit", lang="en")) in graph


@pytest.mark.parametrize("iris", ["canonical", "local"])
@pytest.mark.parametrize(
    ("return_format", "expected"), [(JSON, "json"), (XML, "xml"), (CSV, "csv")]
)
def test_sparqlwrapper_answers_a_seed_question(
    root: str, return_format: str, expected: str, iris: str
):
    """Asked in canonical IRIs or in the ones the server's pages link, the answer names the
    role by this server's IRI (README, "URIs")."""
    client = SPARQLWrapper(root + "sparql")
    client.setQuery(tunis_question(base_for(iris, root)))
    client.setReturnFormat(return_format)
    answer = client.query().convert()
    vice_chair = f"{root}id/concept/vice-chair"
    if expected == "json":
        assert [b["role"]["value"] for b in answer["results"]["bindings"]] == [vice_chair]
    elif expected == "xml":
        assert [u.firstChild.data for u in answer.getElementsByTagName("uri")] == [vice_chair]
    else:
        rows = list(csv.reader(io.StringIO(answer.decode())))
        assert rows == [["role"], [vice_chair]]


@pytest.mark.parametrize("return_format", [N3, TURTLE, RDFXML])
def test_sparqlwrapper_describes_in_each_of_its_graph_formats(root: str, return_format: str):
    """SPARQLWrapper's return formats for graphs, N3 included (it sends ``format=n3`` and asks
    for N3 or Turtle: Turtle is Notation 3), each answer parsed by rdflib as the type it says
    (SPARQLWrapper's own ``convert`` uses an rdflib API that warns of its deprecation)."""
    client = SPARQLWrapper(root + "sparql")
    client.setQuery(f"DESCRIBE <{root}{SUMMIT}>")
    client.setReturnFormat(return_format)
    answer = client.query().response
    media_type = answer.headers["Content-Type"].split(";")[0]
    graph = Graph().parse(data=answer.read(), format=media_type)
    assert (URIRef(root + SUMMIT), RDFS.label, Literal("Connect CIS Summit", lang="en")) in graph


def test_curl_sees_the_303_with_vary_and_cors(root: str):
    head = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-D", "-", "-H", "Accept: text/turtle", root + SUMMIT],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.lower()
    assert head.startswith("http/1.1 303")
    assert f"location: {root}doc/event/connect-cis-summit-2009.ttl".lower() in head
    assert "vary: accept" in head
    assert "access-control-allow-origin: *" in head


# --- pyld ----------------------------------------------------------------------------------------


def summit_labels(nodes: list[dict], summit: str) -> set[str]:
    node = next(n for n in nodes if n["@id"] == summit)
    return {v["@value"] for v in node[LABEL]}


def test_pyld_expands_a_things_iri(root: str):
    """303 to the JSON-LD document, whose remote @context pyld fetches too."""
    expanded = jsonld.expand(root + SUMMIT)
    assert summit_labels(expanded, root + SUMMIT) == LABELS


def test_pyld_compacts_a_document(root: str):
    context = {"label": {"@id": LABEL, "@container": "@set"}}
    compacted = jsonld.compact(root + SUMMIT_DOC, context)
    # pyld compacts IRIs relative to the document's URL (its base): resolve them back.
    ids = {urljoin(root + SUMMIT_DOC, n["@id"]): n for n in compacted["@graph"]}
    node = ids[root + SUMMIT]
    assert {v["@value"] for v in node["label"]} == LABELS


# --- Comunica ------------------------------------------------------------------------------------


def comunica(source: str, query: str) -> list[dict]:
    path = tool(COMUNICA, "npm ci --prefix tests/clients")
    out = run(path, source, "-t", "application/sparql-results+json", query)
    return json.loads(out)["results"]["bindings"]


@pytest.mark.parametrize("iris", ["canonical", "local"])
def test_comunica_queries_the_endpoint(root: str, iris: str):
    query = f"SELECT ?l WHERE {{ <{base_for(iris, root)}{SUMMIT}> <{LABEL}> ?l }}"
    assert {b["l"]["value"] for b in comunica(f"sparql@{root}sparql", query)} == LABELS


def test_comunica_reads_a_document(root: str):
    query = f"SELECT ?l WHERE {{ <{root}{SUMMIT}> <{LABEL}> ?l }}"
    assert {b["l"]["value"] for b in comunica(f"file@{root}{SUMMIT_DOC}.ttl", query)} == LABELS


# --- raptor and rasqal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("syntax", "extension"), [("turtle", "ttl"), ("rdfxml", "rdf"), ("ntriples", "nt")]
)
def test_rapper_parses_our_documents(root: str, syntax: str, extension: str):
    rapper = tool("rapper", "apt-get install raptor2-utils")
    out = run(rapper, "-q", "-i", syntax, "-o", "ntriples", f"{root}{SUMMIT_DOC}.{extension}")
    ours = ox.parse(out.encode(), format=ox.RdfFormat.N_TRIPLES)
    labels = {
        t.object.value
        for t in ours
        if t.subject.value == root + SUMMIT and t.predicate.value == LABEL
    }
    assert labels == LABELS


@pytest.mark.parametrize("iris", ["canonical", "local"])
def test_roqet_queries_the_endpoint(root: str, iris: str):
    roqet = tool("roqet", "apt-get install rasqal-utils")
    query = f"SELECT ?l WHERE {{ <{base_for(iris, root)}{SUMMIT}> <{LABEL}> ?l }}"
    out = run(roqet, "-q", "-p", root + "sparql", "-r", "csv", "-e", query)
    assert out.splitlines()[0] == "l"
    assert set(out.splitlines()[1:]) == LABELS


def test_roqet_queries_a_fetched_document(root: str):
    roqet = tool("roqet", "apt-get install rasqal-utils")
    query = f"SELECT ?l WHERE {{ <{root}{SUMMIT}> <{LABEL}> ?l }}"
    out = run(roqet, "-q", "-D", f"{root}{SUMMIT_DOC}.ttl", "-r", "csv", "-e", query)
    assert set(out.splitlines()[1:]) == LABELS
