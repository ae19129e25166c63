"""Serving the canonical IRIs from whatever host answers the request.

The store keeps the canonical IRIs (``{BASE_IRI}...``); the server publishes the same paths on
any host. So a request to ``http://127.0.0.1:8000/id/state/belarus`` means the thing
``{BASE_IRI}id/state/belarus``, and in every document the server sends, each IRI under
``BASE_IRI`` is rewritten to the request's root URL (``request.root_url``: scheme, host, port
and script root) so that a client following links stays on the server it asked.

Decision: the rewrite is a prefix swap on **terms**, applied to the canonical graph just before
it is serialized (subjects, predicates, objects, graph names and literal datatypes). Working on
terms rather than on serialized text is correct for every format at once: no IRI hidden behind a
Turtle prefix, a relative IRI, an XML entity or a JSON-LD compact IRI can be missed, and no
literal is ever touched (a literal that mentions the base IRI is data, not a link). The JSON-LD
``@context`` is built from the same mapping (see :mod:`server.rdf.jsonld`), so its compact IRIs
expand to the local IRIs too. It costs one pass over the triples of a document, and each
representation is computed once per dataset version and root, then cached
(:mod:`server.http.responses`).

Provenance: when the root differs from the base, a description adds one standard triple,
``<local thing> owl:sameAs <canonical thing>``, for its primary topic only, so a client merging
what it fetched locally with the published data can join the two names.

Behind the canonical host itself (w3id.org redirecting to the production server) set the config
key ``REWRITE_IRIS`` to ``False``: documents then keep the canonical IRIs whatever the host.

Nothing here knows about Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node


@dataclass(frozen=True)
class Rewriter:
    """Maps IRIs between the canonical base and the root URL a request arrived at."""

    base: str
    root: str

    @property
    def identity(self) -> bool:
        return self.base == self.root

    def local(self, iri: str) -> str:
        """The IRI a client of this root uses for a canonical IRI."""
        if not self.identity and iri.startswith(self.base):
            return self.root + iri[len(self.base) :]
        return iri

    def canonical(self, iri: str) -> str:
        """The canonical IRI for an IRI under this root (the inverse of :meth:`local`)."""
        if not self.identity and iri.startswith(self.root):
            return self.base + iri[len(self.root) :]
        return iri

    def term(self, node: Node) -> Node:
        if isinstance(node, URIRef):
            return URIRef(self.local(str(node)))
        if isinstance(node, Literal) and node.datatype is not None:
            local = self.local(str(node.datatype))
            if local != str(node.datatype):
                return Literal(str(node), datatype=URIRef(local))
        return node

    def graph(self, graph: Graph, prefixes: dict[str, str] | None = None) -> Graph:
        """A new graph: ``graph`` with every IRI under the base moved to the root.

        ``prefixes`` (already local) are bound in the copy for the serializers that use them.
        """
        out = Graph(bind_namespaces="none")
        for prefix, namespace in (prefixes or {}).items():
            out.bind(prefix, URIRef(namespace), override=True, replace=True)
        for s, p, o in graph:
            out.add((self.term(s), self.term(p), self.term(o)))
        return out

    def ox_term(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph):
        """The same mapping for pyoxigraph terms (used for whole-dataset dumps)."""
        if isinstance(node, ox.NamedNode):
            return ox.NamedNode(self.local(node.value))
        if isinstance(node, ox.Literal) and not node.language:
            datatype = node.datatype.value
            local = self.local(datatype)
            if local != datatype:
                return ox.Literal(node.value, datatype=ox.NamedNode(local))
        return node

    def quad(self, quad: ox.Quad) -> ox.Quad:
        if self.identity:
            return quad
        return ox.Quad(
            self.ox_term(quad.subject),
            self.ox_term(quad.predicate),
            self.ox_term(quad.object),
            self.ox_term(quad.graph_name),
        )


def is_link(node: Node) -> bool:
    """Whether an IRI may be shown as a link in HTML: http(s) only, never ``javascript:``."""
    return isinstance(node, URIRef) and str(node).lower().startswith(("http://", "https://"))
