"""Content negotiation, in one place: the table of offers and the choice among them.

Each offer is a media type, a short format name (for ``format=`` / ``output=`` and for the
per-format document URLs), a file extension and the pyoxigraph format that writes it. Views
never pick serializers themselves: they ask :func:`negotiate` which offer to use and hand their
graph or results to one function that turns them into a response.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Offer:
    media_type: str
    name: str
    extension: str
    rdf_format: ox.RdfFormat | None = None
    results_format: ox.QueryResultsFormat | None = None


HTML = Offer("text/html", "html", "html")

#: RDF documents, in order of preference when the client has none (Turtle is the default).
RDF_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", "ttl", "ttl", rdf_format=ox.RdfFormat.TURTLE),
    Offer("application/ld+json", "jsonld", "jsonld", rdf_format=ox.RdfFormat.JSON_LD),
    Offer("application/rdf+xml", "rdf", "rdf", rdf_format=ox.RdfFormat.RDF_XML),
    Offer("application/n-triples", "nt", "nt", rdf_format=ox.RdfFormat.N_TRIPLES),
)

#: Datasets (graphs matter): for CONSTRUCT over named graphs and for dumps.
DATASET_OFFERS: tuple[Offer, ...] = (
    Offer("application/trig", "trig", "trig", rdf_format=ox.RdfFormat.TRIG),
    Offer("application/n-quads", "nq", "nq", rdf_format=ox.RdfFormat.N_QUADS),
)

#: SELECT / ASK results.
RESULTS_OFFERS: tuple[Offer, ...] = (
    Offer(
        "application/sparql-results+json",
        "json",
        "srj",
        results_format=ox.QueryResultsFormat.JSON,
    ),
    Offer(
        "application/sparql-results+xml",
        "xml",
        "srx",
        results_format=ox.QueryResultsFormat.XML,
    ),
    Offer("text/csv", "csv", "csv", results_format=ox.QueryResultsFormat.CSV),
    Offer("text/tab-separated-values", "tsv", "tsv", results_format=ox.QueryResultsFormat.TSV),
)


def by_name(offers: tuple[Offer, ...], name: str) -> Offer | None:
    """The offer a short name (``ttl``, ``json``…) or a full media type stands for."""
    for offer in offers:
        if name in (offer.name, offer.extension, offer.media_type):
            return offer
    return None


def negotiate(accept: MIMEAccept, offers: tuple[Offer, ...]) -> Offer | None:
    """The best offer for an ``Accept`` header; the first offer when the client states none.

    Returns ``None`` when nothing offered is acceptable (the caller answers 406).
    """
    if not accept:
        return offers[0]
    best = accept.best_match([o.media_type for o in offers])
    if best is None:
        return None
    return next(o for o in offers if o.media_type == best)
