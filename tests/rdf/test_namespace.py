"""The checked namespace (``server.rdf.namespaces.ICTKG``) lists exactly the ontology's terms."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, Graph

from server.config import DEFAULTS, ONTOLOGY_NS
from server.rdf.namespaces import ICTKG
from server.store.embedded import rdf_files


def declared_terms() -> list[str]:
    ontology = Graph()
    for file in rdf_files([DEFAULTS["ONTOLOGY_DIR"]]):
        ontology.parse(file)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted(
        str(s).removeprefix(ONTOLOGY_NS)
        for kind in kinds
        for s in ontology.subjects(RDF.type, kind)
        if str(s).startswith(ONTOLOGY_NS)
    )


def test_namespace_matches_the_ontology():
    listed = sorted(ICTKG.__annotations__)
    declared = declared_terms()
    assert declared, "the ontology declares no terms"
    body = "\n".join(f"    {name}: URIRef" for name in declared)
    assert listed == declared, f"update server/namespace.py; the ontology declares:\n{body}"


def test_unknown_term_is_refused():
    with pytest.raises(AttributeError):
        _ = ICTKG.Evnt


def test_term_is_in_the_namespace():
    assert str(ICTKG.Event) == ONTOLOGY_NS + "Event"
