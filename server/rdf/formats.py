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
    """One format: its media type, short name, file extension, and who writes and reads it."""

    media_type: str
    name: str
    extension: str
    rdf_format: ox.RdfFormat | None = None
    results_format: ox.QueryResultsFormat | None = None
    #: rdflib's serializer and parser name, for the formats rdflib writes (pages' graphs).
    rdflib_format: str | None = None


HTML = Offer("text/html", "html", "html")

#: RDF documents, in order of preference when the client has none (Turtle is the default).
RDF_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", "ttl", "ttl", ox.RdfFormat.TURTLE, rdflib_format="turtle"),
    Offer("application/ld+json", "jsonld", "jsonld", ox.RdfFormat.JSON_LD, rdflib_format="json-ld"),
    Offer("application/rdf+xml", "rdf", "rdf", ox.RdfFormat.RDF_XML, rdflib_format="xml"),
    Offer("application/n-triples", "nt", "nt", ox.RdfFormat.N_TRIPLES, rdflib_format="nt"),
)

#: Datasets (graphs matter): for CONSTRUCT over named graphs and for dumps.
DATASET_OFFERS: tuple[Offer, ...] = (
    Offer("application/trig", "trig", "trig", ox.RdfFormat.TRIG, rdflib_format="trig"),
    Offer("application/n-quads", "nq", "nq", ox.RdfFormat.N_QUADS, rdflib_format="nquads"),
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


#: Media types that real clients send for our formats, mapped to the types we answer with, in
#: order of preference. rdflib asks for N-Triples as ``text/plain`` (its registration before RDF
#: 1.1), older tools for Turtle as ``application/x-turtle``, Notation 3 readers (Turtle is N3)
#: as ``text/n3``, and generic JSON/XML clients for SPARQL results or RDF as
#: ``application/json`` / ``application/xml``. An alias only counts when one of its targets is
#: on offer, and it loses ties to the registered type.
ALIASES: dict[str, tuple[str, ...]] = {
    "text/plain": ("application/n-triples",),
    "application/x-turtle": ("text/turtle",),
    "application/turtle": ("text/turtle",),
    "text/n3": ("text/turtle",),
    "text/rdf+n3": ("text/turtle",),
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
}


#: The files the dataset is made of, by suffix: what the store loads and the validator reads.
SOURCE_FORMATS: dict[str, Offer] = {
    "." + o.extension: o for o in RDF_OFFERS if o.name in ("ttl", "nt")
}


def reader_for(media_type: str) -> Offer | None:
    """The offer that parses an answer of this media type (registered types and their aliases)."""
    offers = {o.media_type: o for o in (*RESULTS_OFFERS, *RDF_OFFERS)}
    if media_type in offers:
        return offers[media_type]
    return next((offers[t] for t in ALIASES.get(media_type, ()) if t in offers), None)


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
