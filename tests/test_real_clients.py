"""The published knowledge graph as its consumers meet it: ``ictkg serve`` on the real data
(validated at start-up, as ``make run`` does), used through real clients over HTTP.

- rdflib's ``Graph.parse(url, format=...)`` from a thing's URI, following the 303 with the
  ``Accept`` header rdflib itself sends for each format (Cool URIs section 4.3).
- SPARQLWrapper asking one of the seed's questions in JSON, XML and CSV (SPARQL 1.1 Protocol
  section 2.1, Query Results JSON / XML / CSV).
- curl for the headers a crawler reads (RFC 9110 sections 15.4.4 and 12.5.5; Fetch: CORS).
"""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Iterator

import pytest
from conftest import ictkg_serve
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import CSV, JSON, XML, SPARQLWrapper

from server.config import BASE_IRI, DEFAULTS

SUMMIT = "id/event/connect-cis-summit-2009"


def tunis_question(base: str) -> str:
    """A seed question in the IRIs under ``base``: canonical, or those the server's pages show."""
    return f"""
PREFIX ictkg: <{base}ontology#>
SELECT ?role WHERE {{
  ?p ictkg:participant <{base}id/state/belarus> ;
     ictkg:participatedIn <{base}id/event/wsis-tunis-2005> ; ictkg:role ?role .
}}"""


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
    client.setQuery(tunis_question(BASE_IRI if iris == "canonical" else root))
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
