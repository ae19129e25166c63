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

The SPARQL endpoint follows the same rule in both directions (README, "URIs"): an IRI taken from
any answer of a server works in every request to it. :meth:`Rewriter.canonical_query` maps the
root's IRIs in a query's text to canonical ones before it runs, token by token (IRI references,
``PREFIX`` and ``BASE`` included; strings and comments are never touched), and the query worker
maps the canonical IRIs of the results back to the root before it serializes them
(:meth:`Rewriter.local_tsv` on the TSV every solution sequence passes through,
:meth:`Rewriter.local_ntriples` on graphs). A literal is data whatever it spells: ``STR(?s)`` of a
thing is its canonical IRI's text, on every host.

Behind the canonical host itself (w3id.org redirecting to the production server) set the config
key ``REWRITE_IRIS`` (``ICTKG_REWRITE_IRIS=false``) to ``False``: every answer then carries the
canonical IRIs whatever the host, and queries are run as written.

Nothing here knows about Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

#: The tokens of a SPARQL query that may hold an IRI or hide one: strings (long ones first),
#: comments, escapes outside strings (``ex:a\#b``), and IRI references (SPARQL 1.1 Query §19.8
#: ``IRIREF``, with the codepoint escapes §19.2 allows in them). Only the ``iri`` group is mapped.
_QUERY_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|#[^\n\r]*"
    r'|<(?P<iri>(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>'
    r"|\\.",
    re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
#: Characters an ``IRIREF`` cannot hold as such (written back as ``\uXXXX``).
_NOT_IN_IRIREF = re.compile(r'[<>"{}|^`\\\x00-\x20]')

#: The terms of a SPARQL TSV result (SPARQL 1.1 Query Results CSV and TSV §3: Turtle terms,
#: strings always double-quoted with their tabs and newlines escaped) or of N-Triples: a
#: string, or an IRI.
_TSV_TERMS = re.compile(rb'"(?:[^"\\\n]|\\.)*"|<(?P<iri>[^<>"\x00-\x20]*)>')


def _unescape(text: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _CODEPOINT.sub(char, text)


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

    def canonical_query(self, sparql: str) -> str:
        """The query with every IRI reference under the root moved to the base.

        IRI references only (``<…>``, in patterns, ``PREFIX``, ``BASE``, ``FROM``…): a string
        or a comment that spells the root is left as it is, and so is a prefixed name (its
        prefix's declaration is mapped). A reference written with codepoint escapes is compared
        unescaped.
        """
        if self.identity or (self.root not in sparql and "\\" not in sparql):
            return sparql

        def token(match: re.Match[str]) -> str:
            iri = match.group("iri")
            if iri is None:
                return match.group(0)
            if iri.startswith(self.root):
                return f"<{self.base}{iri[len(self.root) :]}>"
            if "\\" in iri:
                plain = _unescape(iri)
                if plain.startswith(self.root):
                    rest = _NOT_IN_IRIREF.sub(lambda c: f"\\u{ord(c.group(0)):04X}", plain)
                    return f"<{self.base}{rest[len(self.root) :]}>"
            return match.group(0)

        return _QUERY_TOKENS.sub(token, sparql)

    def local_tsv(self, tsv: bytes) -> bytes:
        """SPARQL TSV results with every IRI under the base moved to the root (strings kept).

        Fast path: a term that starts a cell (after a tab or a newline) and begins with ``<`` is
        an IRI, since a string in TSV holds no raw tab or newline; those are swapped with
        ``bytes.replace``. Only the rows where the base is still there (a datatype, a quoted
        triple, or a string that spells it) are then tokenized, which never touches strings.
        """
        base = self.base.encode()
        if self.identity or base not in tsv:
            return tsv
        root = self.root.encode()
        for start in (b"\t<", b"\n<"):
            tsv = tsv.replace(start + base, start + root)
        if base not in tsv:
            return tsv
        parts, done = [], 0
        found = tsv.find(base)
        while found != -1:
            start = tsv.rfind(b"\n", 0, found) + 1
            end = tsv.find(b"\n", found)
            end = len(tsv) if end == -1 else end
            parts += [tsv[done:start], self._local_terms(tsv[start:end])]
            done = end
            found = tsv.find(base, end)
        parts.append(tsv[done:])
        return b"".join(parts)

    def local_ntriples(self, data: bytes) -> bytes:
        """N-Triples with every IRI under the base moved to the root (strings kept).

        Fast path: in N-Triples a literal is always a triple's object, so a ``<`` before the
        first ``"`` of its line begins an IRI; when no line has the base after a ``"`` (in a
        datatype, or in a string that spells it), one ``bytes.replace`` maps them all. Otherwise
        the text is tokenized, which never touches strings.
        """
        base = self.base.encode()
        if self.identity or base not in data:
            return data
        if not re.search(rb'"[^\n]*<' + re.escape(base), data):
            return data.replace(b"<" + base, b"<" + self.root.encode())
        return self._local_terms(data)

    def _local_terms(self, data: bytes) -> bytes:
        """Every ``<IRI>`` term of TSV or N-Triples text under the base moved to the root."""
        base, root = self.base.encode(), self.root.encode()

        def term(match: re.Match[bytes]) -> bytes:
            iri = match.group("iri")
            if iri is not None and iri.startswith(base):
                return b"<" + root + iri[len(base) :] + b">"
            return match.group(0)

        return _TSV_TERMS.sub(term, data)

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
        """The same mapping for pyoxigraph terms (dumps, CONSTRUCT and DESCRIBE results)."""
        if isinstance(node, ox.NamedNode):
            value = node.value
            if value.startswith(self.base) and not self.identity:
                return ox.NamedNode(self.root + value[len(self.base) :])
            return node
        if isinstance(node, ox.Triple):
            return self.ox_triple(node)
        if isinstance(node, ox.Literal) and not node.language:
            datatype = node.datatype.value
            local = self.local(datatype)
            if local != datatype:
                return ox.Literal(node.value, datatype=ox.NamedNode(local))
        return node

    def ox_triple(self, triple: ox.Triple) -> ox.Triple:
        if self.identity:
            return triple
        return ox.Triple(
            self.ox_term(triple.subject),
            self.ox_term(triple.predicate),
            self.ox_term(triple.object),
        )

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
