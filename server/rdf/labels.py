"""Naming things for people: the label in the reader's language, fetched in one query.

A page collects every IRI it will show, then asks the store once (:func:`fetch`: a ``VALUES``
query for the label predicates and ``rdf:type`` of all of them), never once per link. The
choice (:func:`pick`) takes the page's language, then an untagged label (names and symbols are
language-neutral), then the rest of the chain of :mod:`server.i18n.language` (``be`` then ``en`` for
a Russian page), then any label; within one language the
label predicates are tried best first (``skos:prefLabel`` before ``rdfs:label`` before
``schema:name``…). :func:`name` adds the last resort, the IRI's local name, so a page never
shows an empty label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS
from rdflib.term import Node

from server.config import ontology_namespace
from server.rdf.namespaces import SCHEMA
from server.rdf.terms import to_rdflib

#: Predicates whose values name a resource, best first.
LABEL_PREDICATES: tuple[URIRef, ...] = (
    SKOS.prefLabel,
    RDFS.label,
    SCHEMA.name,
    DCTERMS.title,
    FOAF.name,
)

#: Other names a resource is found by (search), shown with the labels.
ALT_PREDICATES: tuple[URIRef, ...] = (SKOS.altLabel,)

#: Predicates whose values describe a resource in a sentence, best first.
DESCRIPTION_PREDICATES: tuple[URIRef, ...] = (
    SCHEMA.description,
    DCTERMS.description,
    SKOS.definition,
    RDFS.comment,
)


def inverse_label_predicate(base: str) -> URIRef:
    """``ictkg:inverseLabel`` under a base: how a relation reads from its object's side.

    An annotation of the ontology (not a class or property of the data, so not in the checked
    namespace of :mod:`server.rdf.namespaces`).
    """
    return URIRef(ontology_namespace(base) + "inverseLabel")


def inverse_label(graph: Graph, predicate: Node, chain: Iterable[str], base: str) -> str | None:
    """The name of ``predicate``'s incoming links in the best language, if the ontology has one."""
    found = [o for o in graph.objects(predicate, inverse_label_predicate(base))]
    chosen = pick(sorted(found, key=lambda lit: (lit.language or "", str(lit))), chain)
    return str(chosen) if chosen is not None else None


def _matches(literal: Literal, lang: str) -> bool:
    tag = (literal.language or "").lower()
    return tag == lang or tag.startswith(lang + "-")


def pick(candidates: Iterable[Literal], chain: Iterable[str]) -> Literal | None:
    """The best literal for the chain of languages (candidates in predicate order)."""
    ordered = [c for c in candidates if isinstance(c, Literal)]
    chain = tuple(chain)
    # The page's language, then untagged text (names, symbols: language-neutral), then the
    # rest of the chain.
    for lang in chain[:1]:
        for literal in ordered:
            if _matches(literal, lang):
                return literal
    for literal in ordered:
        if not literal.language:
            return literal
    for lang in chain[1:]:
        for literal in ordered:
            if _matches(literal, lang):
                return literal
    return min(ordered, key=lambda lit: (lit.language or "", str(lit))) if ordered else None


def literals(graph: Graph, node: Node, predicates: Iterable[URIRef]) -> list[Literal]:
    """The node's literals for the predicates, in predicate order, each group sorted."""
    found: list[Literal] = []
    for predicate in predicates:
        found += sorted(
            (o for o in graph.objects(node, predicate) if isinstance(o, Literal)),
            key=lambda lit: (lit.language or "", str(lit)),
        )
    return found


def label(graph: Graph, node: Node, chain: Iterable[str]) -> str | None:
    """The node's label in the best language of the chain, or None when it has none."""
    chosen = pick(literals(graph, node, LABEL_PREDICATES), chain)
    return str(chosen) if chosen is not None else None


def local_name(iri: str) -> str:
    """The readable tail of an IRI: after the last ``#`` or ``/`` (decoded), else the IRI."""
    tail = iri.rstrip("/#")
    cut = max(tail.rfind("#"), tail.rfind("/"), tail.rfind(":"))
    name = unquote(tail[cut + 1 :]) if cut >= 0 else tail
    return name or iri


def name(graph: Graph, node: Node, chain: Iterable[str]) -> str:
    """A label that is never empty: the chosen label, else the IRI's local name."""
    return label(graph, node, chain) or local_name(str(node))


def description(graph: Graph, node: Node, chain: Iterable[str]) -> str | None:
    """A one-sentence description of the node in the best language, if it has one."""
    chosen = pick(literals(graph, node, DESCRIPTION_PREDICATES), chain)
    return str(chosen) if chosen is not None else None


def iri_ref(iri: str) -> str | None:
    """``<iri>`` for use in SPARQL, or None when the string is not a valid IRI."""
    try:
        return str(ox.NamedNode(iri))
    except ValueError:
        return None


def fetch_query(iris: Iterable[str]) -> str | None:
    """One query for the labels and types of every IRI (None when there is none to ask)."""
    refs = sorted({r for r in map(iri_ref, iris) if r})
    if not refs:
        return None
    predicates = ", ".join(f"<{p}>" for p in (*LABEL_PREDICATES, RDF.type))
    # ``FILTER(?p IN …)``, not a second ``VALUES ?p``: with two VALUES blocks pyoxigraph scans
    # every triple (hundreds of ms at 1e6 triples, 1 ms this way; BENCHMARKS.md).
    return (
        f"SELECT ?x ?p ?v WHERE {{ VALUES ?x {{ {' '.join(refs)} }} "
        f"?x ?p ?v FILTER(?p IN ({predicates})) }}"
    )


def fetch(store: Any, iris: Iterable[str], into: Graph | None = None) -> Graph:
    """The labels and types of all ``iris``, from one query, as a graph."""
    graph = into if into is not None else Graph(bind_namespaces="none")
    query = fetch_query(iris)
    if query is None:
        return graph
    for row in store.query(query):
        graph.add((to_rdflib(row["x"]), to_rdflib(row["p"]), to_rdflib(row["v"])))
    return graph
