"""Things and the documents that describe them: ``/id/…`` → 303 → ``/doc/…``.

Cool URIs for the Semantic Web (W3C Interest Group Note, 2008), section 4.3: a thing's URI
``/id/{kind}/{slug}`` answers ``303 See Other`` to a document about it, chosen by ``Accept``
(HTML for browsers, Turtle for ``*/*`` and RDF clients); each document also has per-format URLs
(``/doc/{kind}/{slug}.ttl`` …) and ``/doc/{kind}/{slug}`` negotiates.

A description is built with three SPARQL queries through ``store.query``, whatever the number
of links: the resource's own triples with its blank nodes followed (a CONSTRUCT nesting one
OPTIONAL per level, down to :data:`BLANK_DEPTH` levels — portable to any SPARQL 1.1 store),
one page of incoming links together with their number (a count sub-query beside the page
sub-query), and one batched ``VALUES`` query for the labels and types of every resource it links
to, the labels of its terms, and which sources back which of its facts (the ``dcterms:source``
stated in the same named graph, i.e. the same file, as the fact). Incoming links are links from
IRIs, or from a blank node of another resource (an n-ary relation), shown from that resource.
The HTML page is rendered from the description alone (see
:mod:`server.pages.resource_page`): no page needs more than these three queries.

Paging of incoming links is told in the RDF with the Hydra Core vocabulary, a W3C Community
Group vocabulary for exactly this (``hydra:Collection``, ``hydra:totalItems``,
``hydra:PartialCollectionView`` with ``hydra:first`` / ``previous`` / ``next`` / ``last``):
``<doc#incoming>`` is the collection of resources linking here and ``<doc?page=N>`` its pages.
The document says what it is about with ``foaf:primaryTopic``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Flask, current_app, request
from flask_babel import gettext as _
from rdflib import RDF, XSD, BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF
from rdflib.term import Node

from server.http.conneg import negotiate
from server.http.errors import HttpError, page_number
from server.http.responses import LRU, not_acceptable, represent, rewriter, store, url
from server.rdf import alignments, scheme
from server.rdf.formats import HTML, RDF_OFFERS, Offer, by_name
from server.rdf.iris import Rewriter
from server.rdf.labels import LABEL_PREDICATES, inverse_label_predicate
from server.rdf.namespaces import HYDRA
from server.rdf.scheme import SEGMENT, document_of, document_path
from server.rdf.terms import graph_of, to_rdflib, with_blank_prefix

#: The formats of a document, Turtle first: it is the answer to ``*/*`` and to no ``Accept``.
DOC_OFFERS: tuple[Offer, ...] = (*RDF_OFFERS, HTML)

#: How deep blank nodes are followed from a resource (nested n-ary relations, notes…).
BLANK_DEPTH = 6

#: Predicates whose values name a resource, best first.


bp = Blueprint("resources", __name__)


def init_app(app: Flask) -> None:
    app.extensions["ictkg.descriptions"] = LRU(int(app.config["REPRESENTATION_CACHE_SIZE"]))
    # The incoming links of the last resources paged past their first page (:func:`all_links`).
    app.extensions["ictkg.incoming"] = LRU(2)
    app.register_blueprint(bp)


# --- the queries ------------------------------------------------------------------------------


def own_query(iri: str, depth: int = BLANK_DEPTH) -> str:
    """CONSTRUCT the resource's triples and, level by level, those of its blank nodes."""
    template = [f"<{iri}> ?p0 ?o0 ."]
    where = f"<{iri}> ?p0 ?o0 ."
    nested = ""
    for level in range(depth, 0, -1):
        prev = level - 1
        nested = f" OPTIONAL {{ FILTER(isBlank(?o{prev})) ?o{prev} ?p{level} ?o{level} .{nested} }}"
    template += [f"?o{i - 1} ?p{i} ?o{i} ." for i in range(1, depth + 1)]
    return f"CONSTRUCT {{ {' '.join(template)} }} WHERE {{ {where}{nested} }}"


#: Links stated here, not entailed (:mod:`server.rdf.alignments`): each entailed link restates a
#: stated one, in the linking resource's own document. Stated means "in a graph other than the
#: entailed one", written with a graph variable: Virtuoso takes seconds over ``FILTER NOT EXISTS
#: { GRAPH <entailed> {…} }`` even on the 1 500 triples of the real data (BENCHMARKS.md, issue 14).
INCOMING = """
  {{ GRAPH ?g {{ ?s ?p <{iri}> }} FILTER(isIRI(?s) && ?g != <{entailed}>) }}
  UNION
  {{ GRAPH ?g {{ ?s ?p ?b }} GRAPH ?h {{ ?b ?q <{iri}> }}
     FILTER(isIRI(?s) && isBlank(?b) && ?g != <{entailed}> && ?h != <{entailed}>) }}
"""


def count_query(iri: str, entailed: str) -> str:
    pattern = INCOMING.format(iri=iri, entailed=entailed)
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?b ?q WHERE {{ {pattern} }} }}"


def page_query(iri: str, size: int, page: int, entailed: str) -> str:
    """One page of incoming links and, in one more row (``?n`` bound, the rest not), their total
    number: one query instead of two. ``entailed`` names the graph of entailed triples, whose
    links are not listed.

    The count and the page are a UNION, not a join: Virtuoso evaluates a page joined to the
    count in an OPTIONAL ten times slower than the two apart.
    """
    pattern = INCOMING.format(iri=iri, entailed=entailed)
    return (
        f"SELECT ?n ?s ?p ?b ?q WHERE {{ {{ {count_query(iri, entailed)} }} UNION {{ "
        f"SELECT DISTINCT ?s ?p ?b ?q WHERE {{ {pattern} }} "
        f"ORDER BY STR(?s) STR(?p) STR(?q) ?b LIMIT {size} OFFSET {(page - 1) * size} }} }} "
        "ORDER BY STR(?s) STR(?p) STR(?q) ?b"
    )


def counted_links(rows: Iterable[Any]) -> tuple[int, list[Any]]:
    """An answer of :func:`page_query`: the total (the row with ``?n`` bound) and the links."""
    rows = list(rows)
    total = next((int(row["n"].value) for row in rows if row["n"] is not None), 0)
    return total, [row for row in rows if row["s"] is not None]


#: The most incoming links read whole (:func:`all_links`); a resource with more is paged by
#: one query a page. About 200 bytes a link are kept, for the last two resources paged.
READ_WHOLE = 250_000


def all_links(source: Any, iri: str, entailed: str) -> list[Any] | None:
    """Every incoming link of ``iri`` (rows ``?s ?p ?b ?q``, in the order of the pages), or None
    when there are more than :data:`READ_WHOLE` or the store answered fewer than it counts (an
    engine that caps its results, as Virtuoso's ``ResultSetMaxRows``).

    Every page of :func:`page_query` counts and sorts all the links to keep 50: at 1e6 triples,
    a resource cited by every other (121 228 links, 2 425 pages) took 1.7 s a page, so reading
    its pages, or exporting them, took hours. Past the first page they are read once (one
    query: the first "page" of :data:`READ_WHOLE` links, with the count) and cut.
    """
    total, links = counted_links(source.query(page_query(iri, READ_WHOLE, 1, entailed)))
    return links if len(links) == total else None


def labels_query(
    linked: Iterable[URIRef],
    vocabulary: Iterable[URIRef],
    topic: str | None = None,
    entailed: str | None = None,
    term_names: Iterable[URIRef] = LABEL_PREDICATES,
) -> str | None:
    """One query for the labels and types of linked resources, the names of terms
    (``term_names``: their labels, and the inverse labels pages name incoming links with) and,
    when ``topic`` is given, the sources backing each of its facts: rows with ``?g`` bound are
    (predicate ``?x``, object ``?p``, source ``?v``), a source stated in the fact's own graph;
    with ``entailed`` (the graph of entailed triples), rows with ``?e`` bound are its facts
    (predicate ``?x``, object ``?p``) found only there."""
    linked_values = " ".join(f"<{x}>" for x in sorted(set(linked)))
    vocab_values = " ".join(f"<{x}>" for x in sorted(set(vocabulary)))
    labels = " ".join(f"<{p}>" for p in LABEL_PREDICATES)
    # ``FILTER(?p IN …)``, not a second ``VALUES ?p``: with two VALUES blocks pyoxigraph scans
    # every triple (640 ms at 1e6 triples, 1 ms this way; BENCHMARKS.md).
    parts = []
    if linked_values:
        parts.append(
            f"{{ VALUES ?x {{ {linked_values} }} ?x ?p ?v "
            f"FILTER(?p IN ({', '.join([*labels.split(), f'<{RDF.type}>'])})) }}"
        )
    if vocab_values:
        only_labels = ", ".join(f"<{p}>" for p in term_names)
        parts.append(f"{{ VALUES ?x {{ {vocab_values} }} ?x ?p ?v FILTER(?p IN ({only_labels})) }}")
    if topic and parts:
        parts.append(f"{{ GRAPH ?g {{ <{topic}> ?x ?p . <{topic}> <{DCTERMS.source}> ?v }} }}")
        if entailed:
            parts.append(f"{{ GRAPH <{entailed}> {{ <{topic}> ?x ?p }} BIND(true AS ?e) }}")
    if not parts:
        return None
    return f"SELECT ?x ?p ?v ?g ?e WHERE {{ {' UNION '.join(parts)} }}"


THINGS = """
SELECT DISTINCT ?x WHERE {{
  {{ ?x ?p ?o }} UNION {{ ?s ?p ?x }}
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "{prefix}"))
}}
"""


def things(source: Any, base: str) -> list[str]:
    """Every IRI under ``{base}id/`` the store mentions that answers at ``/id/…``, sorted."""
    prefix = scheme.things_prefix(base)
    found = []
    for row in source.query(THINGS.format(prefix=prefix)):
        iri = row["x"].value
        kind, _, slug = iri[len(prefix) :].partition("/")
        if SEGMENT.fullmatch(kind) and SEGMENT.fullmatch(slug):
            found.append(iri)
    return sorted(found)


# --- descriptions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Description:
    """A resource's description in canonical IRIs, with its paging of incoming links.

    ``triples`` are the engine's own terms, written as they are by pyoxigraph's serializers for
    Turtle, N-Triples and RDF/XML (:func:`server.http.responses.write_triples`): a cold document
    costs no conversion to rdflib. ``graph``, the same triples in rdflib, is made only for what
    rdflib and pyld write (HTML pages, JSON-LD), once per description.
    """

    iri: str
    document: str
    triples: tuple[ox.Triple, ...]
    total: int
    page: int
    pages: int
    #: Which sources back which own fact: ``(predicate, object)`` → sources; a blank object is
    #: keyed as ``(predicate, None)`` (blank nodes of separate queries cannot be matched).
    provenance: dict[tuple[Node, Node | None], frozenset[Node]] = field(default_factory=dict)
    #: The own facts that are entailed, not stated (:mod:`server.rdf.alignments`), keyed alike: the
    #: RDF documents state them, the HTML page leaves them out (it shows what was stated).
    entailed: frozenset[tuple[Node, Node | None]] = frozenset()

    @cached_property
    def graph(self) -> Graph:
        return graph_of(self.triples)


_TYPE = ox.NamedNode(str(RDF.type))


def describe(
    source: Any,
    base: str,
    iri: str,
    page: int,
    size: int,
    whole: Callable[[], list[Any] | None] | None = None,
) -> Description | None:
    """The description of ``iri`` (page ``page`` of its incoming links), or None if unknown.

    Returns a description with ``page > pages`` when the page is out of range. Blank nodes of
    the own triples and of the incoming links get distinct label prefixes: labels are scoped to
    one answer of a remote store, so two queries' ``_:b0`` need not be the same node. Past the
    first page, ``whole`` gives every incoming link (:func:`all_links`, kept by the caller) to
    cut the page from, or None to ask the store for the page alone.
    """
    # dict: insertion-ordered and without the repeats the nested OPTIONALs give
    triples = dict.fromkeys(with_blank_prefix(t, "o") for t in source.query(own_query(iri)))
    entailed_graph = alignments.graph_iri(base)
    links = whole() if whole is not None and page > 1 else None
    if links is not None:
        total = len(links)
        rows = links[(page - 1) * size : page * size]
    else:
        total, rows = counted_links(source.query(page_query(iri, size, page, entailed_graph)))
    if not triples and total == 0:
        return None
    pages = max(1, math.ceil(total / size))
    document = document_of(base, iri)
    topic = ox.NamedNode(iri)
    if page > pages:
        return Description(iri, document, tuple(triples), total, page, pages)

    incoming: list[ox.NamedNode] = []
    for row in rows:
        subject = row["s"]
        if row["b"] is None:
            triples[ox.Triple(subject, row["p"], topic)] = None
        else:
            blank = ox.BlankNode("i" + row["b"].value)
            triples[ox.Triple(subject, row["p"], blank)] = None
            triples[ox.Triple(blank, row["q"], topic)] = None
        incoming.append(subject)

    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode)} | set(incoming)
    classes = {t.object for t in triples if t.predicate == _TYPE}
    vocabulary = {t.predicate for t in triples} | classes
    term_names = (*LABEL_PREDICATES, inverse_label_predicate(base))
    query = labels_query(
        (URIRef(x.value) for x in linked - classes - {topic}),
        (URIRef(x.value) for x in vocabulary),
        iri,
        entailed_graph,
        term_names,
    )
    backing: dict[tuple[Node, Node | None], set[Node]] = {}
    entailed: set[tuple[Node, Node | None]] = set()
    if query:
        for row in source.query(query):
            if row["e"] is not None:
                p, o = to_rdflib(row["x"]), to_rdflib(row["p"])
                entailed.add((p, None if isinstance(o, BNode) else o))
            elif row["g"] is None:
                triples[ox.Triple(row["x"], row["p"], row["v"])] = None
            else:
                x, p, v = to_rdflib(row["x"]), to_rdflib(row["p"]), to_rdflib(row["v"])
                backing.setdefault((x, None if isinstance(p, BNode) else p), set()).add(v)
    provenance = {fact: frozenset(sources) for fact, sources in backing.items()}

    doc = ox.NamedNode(document)
    collection = ox.NamedNode(document + "#incoming")
    hydra = {name: ox.NamedNode(str(HYDRA[name])) for name in HYDRA_TERMS}
    made = [
        (doc, _TYPE, ox.NamedNode(str(FOAF.Document))),
        (doc, ox.NamedNode(str(FOAF.primaryTopic)), topic),
        (collection, _TYPE, hydra["Collection"]),
        (collection, hydra["totalItems"], ox.Literal(str(total), datatype=_INTEGER)),
        *((collection, hydra["member"], subject) for subject in incoming),
    ]
    if pages > 1:
        view = ox.NamedNode(f"{document}?page={page}")
        made += [
            (collection, hydra["view"], view),
            (view, _TYPE, hydra["PartialCollectionView"]),
            (view, hydra["first"], ox.NamedNode(f"{document}?page=1")),
            (view, hydra["last"], ox.NamedNode(f"{document}?page={pages}")),
        ]
        if page > 1:
            made.append((view, hydra["previous"], ox.NamedNode(f"{document}?page={page - 1}")))
        if page < pages:
            made.append((view, hydra["next"], ox.NamedNode(f"{document}?page={page + 1}")))
    triples.update(dict.fromkeys(ox.Triple(*t) for t in made))
    return Description(
        iri, document, tuple(triples), total, page, pages, provenance, frozenset(entailed)
    )


HYDRA_TERMS = (
    "Collection",
    "totalItems",
    "member",
    "view",
    "PartialCollectionView",
    "first",
    "last",
    "previous",
    "next",
)
_INTEGER = ox.NamedNode(str(XSD.integer))


def cached_description(iri: str, page: int) -> Description | None:
    config = current_app.config
    source = store()
    base = config["BASE_IRI"]
    key = (source.version, iri, page)

    def whole() -> list[Any] | None:
        return current_app.extensions["ictkg.incoming"].get_or_build(
            (source.version, iri), lambda: all_links(source, iri, alignments.graph_iri(base))
        )

    return current_app.extensions["ictkg.descriptions"].get_or_build(
        key,
        lambda: describe(source, base, iri, page, int(config["BACKLINKS_PAGE_SIZE"]), whole),
    )


# --- HTML (see server.pages.values and server.pages.resource_page) -------------------------


def render_description(description: Description, graph: Graph, rw: Rewriter) -> str:
    """The HTML page of a description (``graph`` is its local-IRI version)."""
    from server.pages import resource_page

    return resource_page.render(description, graph, rw)


# --- views ------------------------------------------------------------------------------------


def thing_iri(kind: str, slug: str) -> str | None:
    if not (SEGMENT.fullmatch(kind) and SEGMENT.fullmatch(slug)):
        return None
    return scheme.thing_iri(current_app.config["BASE_IRI"], kind, slug)


def not_found(what: str) -> HttpError:
    return HttpError(404, what)


@bp.get("/id/<kind>/<slug>")
def thing(kind: str, slug: str):
    """303 See Other to the document, in the format the client prefers (Cool URIs §4.3)."""
    iri = thing_iri(kind, slug)
    if iri is None or not store().query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"):
        raise not_found(_("no resource /id/%(kind)s/%(slug)s", kind=kind, slug=slug))
    rw = rewriter()
    path = document_path(kind, slug)
    query = request.query_string.decode("ascii", "replace")
    offer = negotiate(request.accept_mimetypes, DOC_OFFERS)
    if offer is None:
        raise not_acceptable(rw, path, DOC_OFFERS, query)
    response = current_app.response_class(status=303)
    response.headers["Location"] = url(rw, path, offer, query)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<kind>/<name>")
def document(kind: str, name: str):
    """The description of ``/id/{kind}/{slug}``: negotiated, or per format by extension."""
    slug, _dot, extension = name.rpartition(".")
    if not slug or by_name(DOC_OFFERS, extension) is None:
        slug, extension = name, None
    iri = thing_iri(kind, slug)
    raw_page = request.args.get("page")
    page = page_number(raw_page)
    description = cached_description(iri, page) if iri else None
    if description is None:
        raise not_found(_("no resource /id/%(kind)s/%(slug)s", kind=kind, slug=slug))
    if page > description.pages:
        raise not_found(_("page %(page)s of %(pages)s", page=page, pages=description.pages))
    return represent(
        document_path(kind, slug),
        DOC_OFFERS,
        lambda: description.graph,
        triples=lambda: description.triples,
        html=lambda graph, rw: render_description(description, graph, rw),
        extension=extension,
        topic=iri,
        query=f"page={raw_page}" if raw_page is not None else "",
    )
