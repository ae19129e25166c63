"""The SPARQL 1.1 Service Description of the endpoint, as pyoxigraph triples.

What ``GET /sparql`` without a query returns (SPARQL 1.1 Service Description §2, "Accessing a
Service Description"): the service at the URL the client used (§3.2.1 ``sd:endpoint``), the
language (``sd:SPARQL11Query`` only: the endpoint is read-only), every result format by its W3C
format IRI (§3.2.8 ``sd:resultFormat``), ``sd:UnionDefaultGraph`` (§3.3: the default graph is
the union of the named graphs), and the default dataset (§3.2.6) with its default graph and one
``sd:NamedGraph`` per source file, each sized with ``void:triples``.

The dataset node is the one ``/.well-known/void`` describes (``…/.well-known/void#dataset``), so
merging the two descriptions joins them; ``rdfs:seeAlso`` points at the VoID document too. The
limits a client meets (time, rows) are stated on ``{endpoint}#limits``, the IRI that truncated
SPARQL JSON / XML results carry in ``head.link``.

The prefixes every query may use without declaring them (:mod:`server.store.prefixes`) are
listed on the service as SHACL prefix declarations (SHACL §5.2.1: ``sh:declare`` with
``sh:prefix`` and ``sh:namespace``), the way other endpoints publish theirs: the Service
Description vocabulary has no property for them. The base IRI of relative IRIs in queries has
no property in either vocabulary; it is stated in words on ``{endpoint}#base``, which the
service points to with ``rdfs:seeAlso``.

IRIs of the service are built from the request (the server answers on any host); graph names
are the host's IRIs too (``local``), like the graph names of query results: the endpoint takes
them, and the canonical ones, in ``default-graph-uri`` / ``named-graph-uri`` and ``GRAPH``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import namespace

from server.rdf import namespaces

# Plain strings of the namespaces: this module builds pyoxigraph terms, not rdflib ones.
SD, VOID, RDF, RDFS, XSD = (
    str(ns) for ns in (namespaces.SD, namespace.VOID, namespace.RDF, namespace.RDFS, namespace.XSD)
)

FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT = "http://www.w3.org/ns/entailment/"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES = {"sd": SD, "void": VOID, "rdfs": RDFS, "formats": FORMATS, "xsd": XSD, "sh": SH}

#: W3C format IRIs (https://www.w3.org/ns/formats/) of every format the endpoint writes.
RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "TriG",
    "N-Quads",
)

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
UNION_SIZE = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"
)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _count(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def graph_sizes(store: Any) -> tuple[dict[str, int], int]:
    """Triples per named graph, and in their union (the default graph)."""
    sizes = {row["g"].value: int(row["n"].value) for row in store.query(GRAPH_SIZES)}
    union = int(next(iter(store.query(UNION_SIZE)))["n"].value)
    return sizes, union


#: What the endpoint says of the entailment it serves (see :mod:`server.rdf.alignments`).
MATERIALIZATION = (
    "Queries are evaluated under simple entailment (sd:defaultEntailmentRegime), not RDFS "
    "entailment: nothing is inferred at query time. But the default graph also holds a "
    "materialization, the named graph {graph}: the schema.org, W3C ORG, FOAF, Dublin Core, "
    "SKOS and PROV-O types and properties that the ontology's rdfs:subClassOf, "
    "rdfs:subPropertyOf, owl:equivalentClass and owl:equivalentProperty axioms entail for the "
    "data (transitively; no domain or range inference, no skos:*Match), computed when the data "
    "is loaded. Partial dates (xsd:gYear, xsd:gYearMonth) are stated only with properties "
    "whose range admits them (Dublin Core), never with schema.org's Date or DateTime "
    "properties. Its graph description lists the vocabularies (void:vocabulary)."
)


def description(
    store: Any,
    endpoint: str,
    root: str,
    *,
    timeout: float,
    row_limit: int,
    prefixes: Mapping[str, str] | None = None,
    base_iri: str | None = None,
    local: Callable[[str], str] = str,
    entailed: str | None = None,
) -> list[ox.Triple]:
    """The service description of ``endpoint`` (the URL the client used; ``root`` its root),
    with the predefined ``prefixes`` and the ``base_iri`` of relative IRIs in queries.

    ``local`` maps a canonical graph name to the one a client of this root uses. ``entailed``
    names the graph of entailed triples: when the store holds it, the service says what it is
    (:data:`MATERIALIZATION`), and its ``sd:Graph`` carries the graph's own description
    (derived from which graphs, which vocabularies).
    """
    service = _n(endpoint)
    dataset = _n(root + ".well-known/void#dataset")
    default_graph = ox.BlankNode("defaultGraph")
    limits = _n(endpoint + "#limits")
    a = _n(RDF + "type")
    triples = [
        ox.Triple(service, a, _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), service),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(service, _n(SD + "defaultEntailmentRegime"), _n(ENTAILMENT + "Simple")),
        ox.Triple(service, _n(SD + "defaultDataset"), dataset),
        ox.Triple(service, _n(RDFS + "seeAlso"), _n(root + ".well-known/void")),
        ox.Triple(service, _n(RDFS + "seeAlso"), limits),
        ox.Triple(
            limits,
            _n(RDFS + "comment"),
            ox.Literal(
                f"Each query runs for at most {timeout:g} seconds (503 beyond). Results are cut "
                f"after {row_limit} rows (or triples): such a response carries the header "
                f"X-ICTKG-Result-Truncated: true and, in SPARQL JSON and XML results, a link to "
                f"this description in its head.",
                language="en",
            ),
        ),
    ]
    triples += [
        ox.Triple(service, _n(SD + "resultFormat"), _n(FORMATS + name)) for name in RESULT_FORMATS
    ]
    triples += prefix_declarations(service, prefixes or {})
    if base_iri:
        base = _n(endpoint + "#base")
        triples += [
            ox.Triple(service, _n(RDFS + "seeAlso"), base),
            ox.Triple(
                base,
                _n(RDFS + "comment"),
                ox.Literal(
                    f"Relative IRIs in a query are resolved against the base IRI <{base_iri}> "
                    "(a BASE declaration in the query wins): <id/state/belarus> is "
                    f"<{base_iri}id/state/belarus>.",
                    language="en",
                ),
            ),
        ]
    sizes, union = graph_sizes(store)
    if entailed in sizes:
        triples.append(
            ox.Triple(
                service,
                _n(RDFS + "comment"),
                ox.Literal(MATERIALIZATION.format(graph=local(entailed)), language="en"),
            )
        )
    triples += [
        ox.Triple(dataset, a, _n(SD + "Dataset")),
        ox.Triple(dataset, _n(RDFS + "seeAlso"), _n(root + ".well-known/void")),
        ox.Triple(dataset, _n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, a, _n(SD + "Graph")),
        ox.Triple(default_graph, _n(VOID + "triples"), _count(union)),
    ]
    for index, (name, size) in enumerate(sorted(sizes.items())):
        named = ox.BlankNode(f"namedGraph{index}")
        graph = ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, _n(SD + "namedGraph"), named),
            ox.Triple(named, a, _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(local(name))),
            ox.Triple(named, _n(SD + "graph"), graph),
            ox.Triple(graph, a, _n(SD + "Graph")),
            ox.Triple(graph, _n(VOID + "triples"), _count(size)),
        ]
        if name == entailed:
            own = f"SELECT ?p ?o WHERE {{ GRAPH <{name}> {{ <{name}> ?p ?o }} }}"
            for row in store.query(own):
                value = row["o"]
                if isinstance(value, ox.NamedNode):
                    value = _n(local(value.value))
                triples.append(ox.Triple(graph, row["p"], value))
    return triples


def prefix_declarations(service: ox.NamedNode, prefixes: Mapping[str, str]) -> list[ox.Triple]:
    """``service sh:declare [ sh:prefix "p" ; sh:namespace "ns"^^xsd:anyURI ]``, one per prefix.

    The blank nodes are named after the prefix, so the description is the same bytes each time.
    """
    triples = []
    any_uri = _n(XSD + "anyURI")
    for name, iri in prefixes.items():
        node = ox.BlankNode(f"prefix_{name}" if name else "prefix_")
        triples += [
            ox.Triple(service, _n(SH + "declare"), node),
            ox.Triple(node, _n(SH + "prefix"), ox.Literal(name)),
            ox.Triple(node, _n(SH + "namespace"), ox.Literal(iri, datatype=any_uri)),
        ]
    return triples
