"""The one table of formats: what we offer, by media type, short name and file extension.

Each offer names the pyoxigraph format that writes it; content negotiation
(:mod:`server.http.conneg`) chooses among these offers, the query workers write results with
them, and the dumps (:data:`DUMPS`) are files in these formats.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


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


@dataclass(frozen=True)
class Dump:
    """One downloadable file: its name under ``/dumps/``, what it holds and how it is written."""

    filename: str
    media_type: str
    title: str
    gzipped: bool = False
    content_type: str | None = None  # the HTTP Content-Type when it differs (gzip files)


DUMPS: tuple[Dump, ...] = (
    Dump("dataset.ttl", "text/turtle", "Turtle dump (all graphs merged)"),
    Dump(
        "dataset.nt.gz",
        "application/n-triples",
        "N-Triples dump, gzipped (all graphs merged)",
        gzipped=True,
        content_type="application/gzip",
    ),
    Dump("dataset.jsonld", "application/ld+json", "JSON-LD dump (all graphs merged)"),
    Dump(
        "dataset.nq.gz",
        "application/n-quads",
        "N-Quads dump, gzipped (one named graph per source file)",
        gzipped=True,
        content_type="application/gzip",
    ),
    Dump("dataset.trig", "application/trig", "TriG dump (one named graph per source file)"),
)
