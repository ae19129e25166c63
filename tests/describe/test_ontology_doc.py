"""The ontology namespace dereferences to its documentation and its RDF.

Sources: Cool URIs for the Semantic Web §4.1 (hash URIs: the namespace document is fetched
without the fragment, conneg chooses the representation, no 303), RFC 9110 §12.5.1.
"""

from __future__ import annotations

import re

import pytest
from deref_support import BASE, FIXTURES, make_app
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from support import assert_isomorphic

ROOT = "http://localhost/"
NS = ROOT + "ontology#"


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


def fixture_ontology() -> Graph:
    """The ontology file with its IRIs (not its literals) moved to the test client's host."""

    def local(node):
        if isinstance(node, URIRef) and str(node).startswith(BASE):
            return URIRef(ROOT + str(node)[len(BASE) :])
        return node

    graph = Graph()
    for triple in Graph().parse(FIXTURES / "ontology" / "kg.ttl"):
        graph.add(tuple(map(local, triple)))
    return graph


NEGOTIATION = [
    pytest.param("text/html", "text/html", id="cooluris-4.1-browser-html"),
    pytest.param("text/turtle", "text/turtle", id="cooluris-4.1-rdf-turtle"),
    pytest.param("*/*", "text/turtle", id="rfc9110-12.5.1-any-turtle"),
    pytest.param("application/rdf+xml", "application/rdf+xml", id="cooluris-4.1-rdfxml"),
]


@pytest.mark.parametrize(("accept", "media_type"), NEGOTIATION)
def test_hash_namespace_document_negotiates_without_redirect(client, accept, media_type):
    response = client.get("/ontology", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("extension", "fmt"),
    [("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml")],
)
def test_rdf_is_the_ontology_as_loaded(client, extension, fmt):
    graph = Graph().parse(data=client.get(f"/ontology.{extension}").data, format=fmt)
    assert_isomorphic(fixture_ontology(), graph)


def test_ontology_excludes_the_data(client):
    graph = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert (URIRef(ROOT + "id/state/belarus"), None, None) not in graph


def test_html_documents_every_class_and_property(client):
    html = client.get("/ontology.html").get_data(as_text=True)
    ontology = fixture_ontology()
    terms = {
        s
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in ontology.subjects(RDF.type, kind)
    }
    assert len(terms) == 8
    for term in terms:
        name = str(term)[len(NS) :]
        section = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
        assert section, name
        body = section.group(1)
        assert str(ontology.value(term, RDFS.label)) in body
        assert str(ontology.value(term, RDFS.comment)) in body


ROWS = [
    pytest.param("Country", "Sub-class of", "schema:Country", id="super-class"),
    pytest.param("Summit", "Sub-class of", ">Event<", id="super-class-local-label"),
    pytest.param("Event", "Alignments", "schema:Event", id="equivalent-class"),
    pytest.param("Summit", "Alignments", "wikidata.org/entity/Q1072326", id="skos-close-match"),
    pytest.param("country", "Domain", ">Project<", id="domain"),
    pytest.param("country", "Range", ">Country<", id="range"),
    pytest.param("year", "Range", "xsd:gYear", id="datatype-range"),
    pytest.param("event", "Sub-property of", "schema:about", id="super-property"),
    pytest.param("country", "Alignments", "schema:location", id="equivalent-property"),
]


@pytest.mark.parametrize(("term", "row", "expected"), ROWS)
def test_html_term_rows(client, term, row, expected):
    html = client.get("/ontology", headers={"Accept": "text/html"}).get_data(as_text=True)
    section = re.search(rf'<section id="{term}">(.*?)</section>', html, re.S).group(1)
    cell = re.search(rf"<th>{row}</th><td>(.*?)</td>", section, re.S)
    assert cell, f"{term}: no {row} row"
    assert expected in cell.group(1)


def test_term_links_resolve_to_anchors_on_this_server(client):
    """Links to our terms point at this server's /ontology#Term, which has the anchor."""
    html = client.get("/doc/state/belarus.html").get_data(as_text=True)
    assert f'href="{NS}Country"' in html
    assert '<section id="Country">' in client.get("/ontology.html").get_data(as_text=True)


def test_the_version_iri_the_ontology_states_dereferences_to_the_ontology(client):
    """``owl:versionIRI`` is an IRI the pages link: it answers with this version, the ontology."""
    graph = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    version = graph.value(URIRef(ROOT + "ontology"), OWL.versionIRI)
    assert version == URIRef(ROOT + "ontology/0.1.0")
    response = client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert_isomorphic(fixture_ontology(), Graph().parse(data=response.data, format="turtle"))
    per_format = client.get("/ontology/0.1.0.rdf")
    assert per_format.mimetype == "application/rdf+xml"
    assert_isomorphic(fixture_ontology(), Graph().parse(data=per_format.data, format="xml"))
    html = client.get("/ontology/0.1.0", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert '<section id="Country">' in html.get_data(as_text=True)
    assert f'href="{ROOT}ontology/0.1.0"' in client.get("/ontology.html").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/ontology/0.2.0", "/ontology/0.1", "/ontology/0.1.0.png"])
def test_a_version_not_published_here_is_404_naming_the_one_that_is(client, path):
    response = client.get(path, headers={"Accept": "text/plain"})
    assert response.status_code == 404
    text = response.get_data(as_text=True)
    assert "0.1.0" in text
