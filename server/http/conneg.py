"""Content negotiation, in one place: the choice among the offers of :mod:`server.rdf.formats`.

Each offer is a media type, a short format name (for ``format=`` / ``output=`` and for the
per-format document URLs), a file extension and the pyoxigraph format that writes it. Views
never pick serializers themselves: they ask :func:`negotiate` which offer to use and hand their
graph or results to one function that turns them into a response.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from server.rdf.formats import Offer

#: Media types that real clients send for our formats, mapped to the types we answer with, in
#: order of preference. rdflib asks for N-Triples as ``text/plain`` (its registration before RDF
#: 1.1), older tools for Turtle as ``application/x-turtle``, and generic JSON/XML clients for
#: SPARQL results or RDF as ``application/json`` / ``application/xml``. An alias only counts when
#: one of its targets is on offer, and it loses ties to the registered type.
ALIASES: dict[str, tuple[str, ...]] = {
    "text/plain": ("application/n-triples",),
    "application/x-turtle": ("text/turtle",),
    "application/turtle": ("text/turtle",),
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
}


def negotiate(accept: MIMEAccept, offers: tuple[Offer, ...]) -> Offer | None:
    """The best offer for an ``Accept`` header; the first offer when the client states none.

    Returns ``None`` when nothing offered is acceptable (the caller answers 406).
    """
    if not accept:
        return offers[0]
    by_type = {o.media_type: o for o in offers}
    for alias, targets in ALIASES.items():
        target = next((t for t in targets if t in by_type), None)
        if target is not None:
            by_type.setdefault(alias, by_type[target])
    best = accept.best_match(list(by_type))
    return None if best is None else by_type[best]
