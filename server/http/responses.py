"""From graphs and bytes to HTTP responses: one place for every header.

Views build graphs in canonical IRIs and hand them to :func:`represent` (or bytes to
:func:`respond`); nothing else picks a serializer or sets caching headers. What a response
carries, and why:

- the format from :mod:`server.http.conneg` (``Accept``, or the per-format URL's extension), with
  ``Vary: Accept`` on negotiated responses and 406 listing what is available (RFC 9110 §12.5.1,
  §15.5.7);
- ``Content-Location`` naming the per-format document actually sent (RFC 9110 §8.7) and
  ``Link: <…>; rel="alternate"; type="…"`` for every other format (RFC 8288);
- a strong ``ETag`` hashed from the dataset version (``store.version``) and the bytes sent, and
  ``Last-Modified`` (the newest loaded file, else the load time), so ``make_conditional``
  answers ``If-None-Match`` / ``If-Modified-Since`` with 304 (RFC 9110 §13) and caches
  revalidate (``Cache-Control: no-cache``, RFC 9111 §5.2.2.4); HEAD is answered by Werkzeug
  from the same response without its body (RFC 9110 §9.3.2);
- CORS on every response of the app, redirects and errors included, and answers to preflight
  ``OPTIONS`` requests (Fetch standard §3.2): see :func:`cors`.

Representations are computed once per (dataset version, root URL, document, format) and kept in
a bounded LRU with their ETag: the data only changes when the server reloads.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyoxigraph as ox
from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from rdflib import OWL, Graph, URIRef

from server.http.conneg import negotiate
from server.http.errors import HttpError
from server.i18n import language
from server.rdf import jsonld
from server.rdf.formats import Offer, by_name
from server.rdf.iris import Rewriter
from server.store.base import StoreUnavailable
from server.store.prefixes import predefined

JSONLD = "application/ld+json"


class LRU:
    """A small thread-safe least-recently-used cache of computed values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = build()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)


@dataclass(frozen=True)
class Representation:
    body: bytes
    content_type: str
    etag: str


@dataclass
class HttpState:
    """What this module keeps per app: the caches and the dataset's modification time."""

    graphs: LRU
    bodies: LRU
    last_modified: datetime
    contexts: LRU


def init_app(app: Flask) -> None:
    size = int(app.config["REPRESENTATION_CACHE_SIZE"])
    app.extensions["ictkg.http"] = HttpState(
        graphs=LRU(size),
        bodies=LRU(size),
        last_modified=dataset_mtime(app.extensions["ictkg"]),
        contexts=LRU(8),
    )
    app.add_url_rule("/context.jsonld", "jsonld_context", context_view)
    app.before_request(require_host)


#: ``Host`` as RFC 9110 §7.2 defines it: ``uri-host [ ":" port ]`` (RFC 3986 §3.2.2), an IP
#: literal in brackets or a registered name (IPv4 included), percent-encoding allowed.
HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(:[0-9]*)?")


def require_host() -> None:
    """Refuse a request whose ``Host`` cannot name this server: 400 (RFC 9112 §3.2).

    Every IRI an answer carries is named after the host the request came to (``REWRITE_IRIS``);
    werkzeug reads a missing or malformed ``Host`` (``a b``) as the empty host, or passes one
    with two ports, and the answer would carry IRIs such as ``http:///doc/…`` that work nowhere.
    """
    sent = request.headers.get("Host", "")  # granian passes an absent Host as empty
    if request.host and (not sent or HOST.fullmatch(sent)):
        return
    if not sent:
        raise HttpError(
            400,
            "The request has no Host header: this server names the IRIs of its answers after "
            "the host it is reached on (RFC 9112 §3.2).",
        )
    raise HttpError(400, f"The Host header {sent!r} is not a host[:port] (RFC 9112 §3.2).")


def dataset_mtime(store: Any) -> datetime:
    """The newest modification time of the loaded files (as ``ictkg load`` recorded it for a
    remote store), else now (whole seconds, UTC)."""
    try:
        stamp = store.modified
    except StoreUnavailable:  # a remote store that is down at start-up
        stamp = None
    return datetime.fromtimestamp(int(stamp if stamp is not None else time.time()), tz=UTC)


def state() -> HttpState:
    return current_app.extensions["ictkg.http"]


def store() -> Any:
    return current_app.extensions["ictkg"]


def rewriter() -> Rewriter:
    """The IRI mapping for the current request (identity when ``REWRITE_IRIS`` is off)."""
    base = current_app.config["BASE_IRI"]
    return Rewriter(base, request.root_url if current_app.config["REWRITE_IRIS"] else base)


def context(rw: Rewriter) -> dict[str, Any]:
    """The JSON-LD context for this root, built once per dataset version."""
    key = (store().version, rw.root)

    def build() -> dict[str, Any]:
        return jsonld.local_context(
            jsonld.canonical_context(store(), current_app.config["BASE_IRI"]), rw
        )

    return state().contexts.get_or_build(key, build)


def query_prefixes() -> dict[str, str]:
    """The prefixes predefined for every query (:mod:`server.store.prefixes`), built once per
    dataset version; the endpoint and the query page use the same table."""
    version = store().version
    return state().contexts.get_or_build(
        ("query-prefixes", version), lambda: predefined(store(), current_app.config)
    )


def query_base() -> str:
    """The base IRI of relative IRIs in queries: the dataset's (:mod:`server.store.prefixes`)."""
    return str(current_app.config["BASE_IRI"])


def prefixes(rw: Rewriter) -> dict[str, str]:
    """The namespace prefixes of this root's context, for Turtle and RDF/XML."""
    return {
        prefix: namespace
        for prefix, namespace in context(rw).items()
        if isinstance(namespace, str) and namespace.endswith(("#", "/"))
    }


def context_url(rw: Rewriter) -> str:
    return rw.root + "context.jsonld"


def serialize(graph: Graph, offer: Offer, rw: Rewriter) -> bytes:
    """The bytes of ``graph`` (already in local IRIs) in the offer's RDF format."""
    if offer.media_type == "application/ld+json":
        return jsonld.compact(graph, context(rw), context_url(rw))
    for prefix, namespace in prefixes(rw).items():
        graph.bind(prefix, URIRef(namespace), override=True, replace=True)
    return graph.serialize(format=offer.rdflib_format, encoding="utf-8")


def write_triples(
    triples: Sequence[ox.Triple], offer: Offer, rw: Rewriter, topic: str | None = None
) -> bytes:
    """The bytes of ``triples`` (canonical IRIs) in local IRIs, written by pyoxigraph.

    For the formats pyoxigraph writes as rdflib does (Turtle, N-Triples, RDF/XML): no rdflib
    graph is built, which is most of a cold document's cost. The order is fixed, so the bytes
    (and the ETag) do not depend on the engine's blank node labels: the resources' triples by
    subject, ``topic`` first, then each blank node's after them in the order they were first
    reached, labelled ``b0``, ``b1``…
    """
    local = [rw.ox_triple(t) for t in triples]
    if topic and rw.local(topic) != topic:
        local.append(ox.Triple(ox.NamedNode(rw.local(topic)), SAME_AS, ox.NamedNode(topic)))
    ordered = canonical_order(local, rw.local(topic) if topic else None)
    if offer.rdf_format == ox.RdfFormat.N_TRIPLES:
        return ox.serialize(ordered, format=offer.rdf_format)
    return ox.serialize(ordered, format=offer.rdf_format, prefixes=prefixes(rw))


SAME_AS = ox.NamedNode(str(OWL.sameAs))


def canonical_order(triples: Sequence[ox.Triple], first: str | None) -> list[ox.Triple]:
    """``triples`` grouped by subject in a fixed order, blank nodes relabelled by first reach.

    Two blank nodes with the same subject and predicate are told apart by what they state
    (their triples with non-blank objects), not by their labels.
    """
    by_blank: dict[ox.BlankNode, list[ox.Triple]] = {}
    named: list[ox.Triple] = []
    for t in triples:
        (
            by_blank.setdefault(t.subject, []) if isinstance(t.subject, ox.BlankNode) else named
        ).append(t)

    def content(blank: ox.BlankNode) -> tuple[str, ...]:
        return tuple(
            sorted(
                f"{t.predicate} {t.object}"
                for t in by_blank.get(blank, ())
                if not isinstance(t.object, ox.BlankNode)
            )
        )

    def key(t: ox.Triple) -> tuple:
        o = t.object
        blank = isinstance(o, ox.BlankNode)
        return (t.predicate.value, blank, content(o) if blank else str(o))

    labels: dict[ox.BlankNode, ox.BlankNode] = {}
    out: list[ox.Triple] = []
    reached: list[ox.BlankNode] = []

    def emit(group: list[ox.Triple]) -> None:
        for t in sorted(group, key=key):
            o = t.object
            if isinstance(o, ox.BlankNode):
                if o not in labels:
                    labels[o] = ox.BlankNode(f"b{len(labels)}")
                    reached.append(o)
                o = labels[o]
            s = (
                labels.get(t.subject, t.subject)
                if isinstance(t.subject, ox.BlankNode)
                else t.subject
            )
            out.append(ox.Triple(s, t.predicate, o))

    subjects: dict[str, list[ox.Triple]] = {}
    for t in named:
        subjects.setdefault(t.subject.value, []).append(t)
    for subject in sorted(subjects, key=lambda s: (s != first, s)):
        emit(subjects[subject])
    done = 0
    while True:
        while done < len(reached):
            emit(by_blank.pop(reached[done], []))
            done += 1
        if not by_blank:  # a blank node no other node reaches: in a fixed order too
            break
        orphan = min(by_blank, key=content)
        labels[orphan] = ox.BlankNode(f"b{len(labels)}")
        reached.append(orphan)
    return out


def etag_for(body: bytes) -> str:
    """A strong validator: changes with the dataset version and with the bytes sent."""
    digest = hashlib.sha256(store().version.encode() + b"\0" + body)
    return digest.hexdigest()[:40]


def content_type(media_type: str) -> str:
    if media_type.startswith("text/") or media_type.endswith(("+json", "+xml", "/n-triples")):
        return f"{media_type}; charset=utf-8"
    return media_type


def url(rw: Rewriter, path: str, offer: Offer | None = None, query: str = "") -> str:
    """The local URL of a document (``path`` relative to the root), per format if given."""
    target = rw.root + path + (f".{offer.extension}" if offer else "")
    return f"{target}?{query}" if query else target


def alternates(rw: Rewriter, path: str, offers: Sequence[Offer], query: str, but: Offer | None):
    """``Link`` entries naming every other format (RFC 8288 ``rel="alternate"``).

    JSON-LD responses carry none: pyld 3.3's document loader (``pyld.documentloader``) reads
    ``rel="alternate"`` as one link and fails on a document with several ("Could not retrieve
    a JSON-LD document"), whatever its media type. The other formats stay reachable by
    negotiation on the same URL (``Vary: Accept``) and are listed on every other format's
    response.
    """
    return ", ".join(
        f'<{url(rw, path, o, query)}>; rel="alternate"; type="{o.media_type}"'
        for o in offers
        if o != but
    )


def not_acceptable(rw: Rewriter, path: str, offers: Sequence[Offer], query: str = "") -> HttpError:
    """406 with the list of what is available (RFC 9110 §15.5.7), in the body and as Link."""
    return HttpError(
        406,
        "none of the formats offered here matches the Accept header.",
        alternatives=[(o.media_type, url(rw, path, o, query)) for o in offers],
        headers={"Link": alternates(rw, path, offers, query, None)},
    )


def choose(offers: Sequence[Offer], extension: str | None) -> Offer | None:
    """The offer for a per-format URL's extension, or the negotiated one."""
    if extension is not None:
        return by_name(tuple(offers), extension)
    return negotiate(request.accept_mimetypes, tuple(offers))


def no_format(path: str, extension: str) -> HttpError:
    """404 for a document URL whose extension names no format of it (``/doc/x.pdf``)."""
    return HttpError(
        404, _("no format .%(extension)s of /%(path)s", extension=extension, path=path)
    )


def represent(
    path: str,
    offers: Sequence[Offer],
    build: Callable[[], Graph],
    *,
    html: Callable[[Graph, Rewriter], str] | None = None,
    extension: str | None = None,
    topic: str | None = None,
    query: str = "",
    triples: Callable[[], Sequence[ox.Triple]] | None = None,
) -> Response:
    """The response for a document: a graph in canonical IRIs, in the negotiated format.

    ``path`` is the document's path without extension (``doc/state/belarus``); ``extension`` is
    the per-format URL's (``ttl``) or ``None`` to negotiate; ``query`` is kept in every URL we
    send (``page=2``). ``build`` is called at most once per dataset version and root; ``html``
    renders the local graph for people. ``topic`` (canonical) gets ``owl:sameAs`` from its local
    name when the two differ (see :mod:`server.rdf.iris`). ``triples``, when given, are the same
    graph as pyoxigraph triples: the formats pyoxigraph writes are written from them
    (:func:`write_triples`).
    """
    rw = rewriter()
    offer = choose(offers, extension)
    if offer is None:
        if extension is not None:
            raise no_format(path, extension)
        raise not_acceptable(rw, path, offers, query)
    version = store().version

    def local_graph() -> Graph:
        # Prefixes are bound when an RDF format is written (serialize): HTML needs none, so
        # a page does not pay for the context's queries.
        graph = rw.graph(build())
        if topic and rw.local(topic) != topic:
            graph.add((URIRef(rw.local(topic)), OWL.sameAs, URIRef(topic)))
        return graph

    def from_graph() -> Representation:
        graph = state().graphs.get_or_build((version, rw.root, path, query), local_graph)
        if offer.media_type == "text/html":
            if html is None:
                raise LookupError(f"no HTML for {path}")
            data = html(graph, rw).encode()
        else:
            data = serialize(graph, offer, rw)
        return Representation(data, content_type(offer.media_type), etag_for(data))

    def body() -> Representation:
        if triples is not None and offer.media_type not in ("text/html", JSONLD):
            data = write_triples(triples(), offer, rw, topic)
            return Representation(data, content_type(offer.media_type), etag_for(data))
        return from_graph()

    # HTML speaks the reader's language (?lang= or Accept-Language): one body per language; and
    # its language links name the URL asked (/doc/x or /doc/x.html): one body per URL, or a
    # worker would serve either's links at both, each URL with two ETags across workers.
    variant = language.current() if offer.media_type == "text/html" else None
    asked = extension if variant is not None else None
    key = (version, rw.root, path, query, offer.name, variant, asked)
    representation = state().bodies.get_or_build(key, body)
    response = finish(representation, url(rw, path, offer, query))
    if offer.media_type != JSONLD:
        response.headers["Link"] = alternates(rw, path, offers, query, offer)
    if extension is None:
        response.vary.add("Accept")
    if variant is not None and not variant.explicit:
        response.vary.add("Accept-Language")
    return response


def respond(
    key: Hashable, build: Callable[[], bytes], media_type: str, *, filename: str | None = None
) -> Response:
    """The response for fixed bytes (a dump, the context), built once per version and key."""

    def body() -> Representation:
        data = build()
        return Representation(data, content_type(media_type), etag_for(data))

    representation = state().bodies.get_or_build((store().version, key), body)
    response = finish(representation, request.base_url)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def finish(representation: Representation, location: str) -> Response:
    """Validators and caching headers, then 304 when the client's copy is current."""
    response = Response(representation.body, content_type=representation.content_type)
    response.headers["Content-Location"] = location
    response.set_etag(representation.etag)
    response.last_modified = state().last_modified
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def context_view() -> Response:
    """``/context.jsonld``: the context every JSON-LD document of this root references."""
    rw = rewriter()
    return respond(
        ("context", rw.root), lambda: jsonld.context_document(context(rw)), "application/ld+json"
    )
