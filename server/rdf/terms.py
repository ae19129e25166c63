"""pyoxigraph terms and triples as rdflib ones.

The engine answers with pyoxigraph objects; pages, JSON-LD and the validation report are built
with rdflib. This is the one crossing between the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node


def to_rdflib(term: Any, bnode_prefix: str = "") -> Node:
    """An rdflib term for a pyoxigraph one (``xsd:string`` literals become simple literals).

    Blank node labels get ``bnode_prefix`` so that nodes of separate queries never merge.
    """
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(bnode_prefix + term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


def graph_of(triples: Iterable[Any], bnode_prefix: str = "", into: Graph | None = None) -> Graph:
    """An rdflib graph of a CONSTRUCT's triples."""
    graph = into if into is not None else Graph(bind_namespaces="none")
    for t in triples:
        graph.add(
            (
                to_rdflib(t.subject, bnode_prefix),
                to_rdflib(t.predicate, bnode_prefix),
                to_rdflib(t.object, bnode_prefix),
            )
        )
    return graph


def with_blank_prefix(triple: ox.Triple, prefix: str) -> ox.Triple:
    """``triple`` with ``prefix`` before its blank node labels (see :func:`to_rdflib`)."""
    s, o = triple.subject, triple.object
    if not (isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode)):
        return triple
    if isinstance(s, ox.BlankNode):
        s = ox.BlankNode(prefix + s.value)
    if isinstance(o, ox.BlankNode):
        o = ox.BlankNode(prefix + o.value)
    return ox.Triple(s, triple.predicate, o)
