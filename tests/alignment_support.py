"""What the ontology's alignment axioms entail, computed here with rdflib, independently of
:mod:`server.rdf.alignments`, so that tests compare the served graph with the axioms rather than
with the server's own reading of them.

The rules as the README states them: ``rdf:type`` along ``rdfs:subClassOf`` /
``owl:equivalentClass``, values along ``rdfs:subPropertyOf`` / ``owl:equivalentProperty``,
transitively, to terms outside the ontology's namespace (``owl:Thing`` / ``rdfs:Resource``
aside); ``skos:*Match`` is no entailment. A partial date never goes to a schema.org property
(schema.org ``Date``: "A date value in ISO 8601 date format", a full date; ``DateTime``), only
to Dublin Core's (range ``rdfs:Literal``, W3CDTF); PROV's ``*AtTime`` take ``xsd:dateTime``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

PARTIAL = {XSD.gYear, XSD.gYearMonth, XSD.gMonthDay, XSD.gMonth, XSD.gDay}
PROV_TIMES = {PROV.generatedAtTime, PROV.invalidatedAtTime, PROV.startedAtTime, PROV.endedAtTime}
TRIVIAL = {OWL.Thing, RDFS.Resource, OWL.topObjectProperty, OWL.topDataProperty}


def load(directories: Iterable[Path]) -> Graph:
    graph = Graph()
    for directory in directories:
        for file in sorted(Path(directory).rglob("*")):
            if file.suffix in (".ttl", ".nt"):
                graph.parse(file)
    return graph


def supers(graph: Graph, term: URIRef, sub: URIRef, equivalent: URIRef) -> set[URIRef]:
    """Every term reachable from ``term`` by ``sub`` and ``equivalent`` (both ways)."""
    found: set[URIRef] = set()
    todo = [term]
    while todo:
        current = todo.pop()
        nexts = set(graph.objects(current, sub)) | set(graph.objects(current, equivalent))
        nexts |= set(graph.subjects(equivalent, current))
        for n in nexts:
            if isinstance(n, URIRef) and n not in found:
                found.add(n)
                todo.append(n)
    found.discard(term)
    return found


def admitted(target: URIRef, value) -> bool:
    if not isinstance(value, Literal):
        return True
    if target in PROV_TIMES:
        return value.datatype == XSD.dateTime
    if value.datatype in PARTIAL:
        return str(target).startswith(str(DCTERMS))
    return True


def entailment(graph: Graph, namespace: str) -> Graph:
    """The triples of the alignments that ``graph`` (ontology and data) does not state."""
    out = Graph()

    def external(term: URIRef) -> bool:
        return not str(term).startswith(namespace) and term not in TRIVIAL

    for cls in set(graph.objects(None, RDF.type)):
        if not isinstance(cls, URIRef):
            continue
        targets = {
            t for t in supers(graph, cls, RDFS.subClassOf, OWL.equivalentClass) if external(t)
        }
        for subject in graph.subjects(RDF.type, cls):
            for target in targets:
                if (subject, RDF.type, target) not in graph:
                    out.add((subject, RDF.type, target))
    for prop in set(graph.predicates()):
        targets = {
            t
            for t in supers(graph, prop, RDFS.subPropertyOf, OWL.equivalentProperty)
            if external(t)
        }
        for subject, value in graph.subject_objects(prop):
            for target in targets:
                if admitted(target, value) and (subject, target, value) not in graph:
                    out.add((subject, target, value))
    return out
