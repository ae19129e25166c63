"""Content negotiation (RFC 9110 section 12.5.1 ``Accept``), one named row per rule."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.http.conneg import _best_for_header, negotiate, negotiate_header
from server.rdf.formats import HTML, RDF_OFFERS, RESULTS_OFFERS

DOC = (*RDF_OFFERS, HTML)


def accept(header: str) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


ROWS = [
    # (id, offers, Accept header, expected media type or None for 406)
    ("no Accept: the first offer (Turtle)", DOC, "", "text/turtle"),
    ("*/*: the first offer", DOC, "*/*", "text/turtle"),
    ("exact type", DOC, "application/rdf+xml", "application/rdf+xml"),
    (
        "q-values: the higher wins",
        DOC,
        "text/turtle;q=0.5, application/ld+json",
        "application/ld+json",
    ),
    ("type wildcard", DOC, "text/*", "text/turtle"),
    ("browser: HTML", DOC, "text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
    ("nothing acceptable: 406", DOC, "image/png", None),
    ("q=0 refuses a type", DOC, "text/turtle;q=0, application/n-triples", "application/n-triples"),
    (
        "rdflib's N-Triples request (text/plain)",
        DOC,
        "text/plain, */*;q=0.1",
        "application/n-triples",
    ),
    ("old Turtle type", DOC, "application/x-turtle", "text/turtle"),
    ("generic JSON client gets JSON-LD", DOC, "application/json", "application/ld+json"),
    ("generic XML client gets RDF/XML", DOC, "application/xml", "application/rdf+xml"),
    (
        "generic JSON client gets SPARQL JSON",
        RESULTS_OFFERS,
        "application/json",
        "application/sparql-results+json",
    ),
    (
        "registered type wins a tie with an alias",
        RESULTS_OFFERS,
        "application/json, application/sparql-results+xml",
        "application/sparql-results+xml",
    ),
    ("alias without a target on offer: 406", RESULTS_OFFERS, "text/plain", None),
    # RFC 9110 §12.5.1: a media range's parameters (other than q) do not stop a match; the
    # ones below are what we answer with, or a JSON-LD profile we do not write (ignored).
    ("our own Content-Type (charset)", DOC, "text/turtle; charset=utf-8", "text/turtle"),
    ("charset in other case", DOC, "Text/Turtle;Charset=UTF-8", "text/turtle"),
    (
        "JSON-LD with a profile we do not write",
        DOC,
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"',
        "application/ld+json",
    ),
    (
        "SPARQL JSON with a charset",
        RESULTS_OFFERS,
        "application/sparql-results+json; charset=utf-8",
        "application/sparql-results+json",
    ),
    ("CSV with header=present", RESULTS_OFFERS, "text/csv;header=present", "text/csv"),
    (
        "parameters do not outrank q",
        RESULTS_OFFERS,
        "text/csv;header=present;q=0.5, application/sparql-results+xml",
        "application/sparql-results+xml",
    ),
    ("q=0 beside */* refuses a type", DOC, "text/turtle;q=0, */*", "application/ld+json"),
    (
        "q=0 with parameters refuses a type",
        DOC,
        "text/turtle;charset=utf-8;q=0, */*",
        "application/ld+json",
    ),
    ("q=0 on the only type: 406", DOC, "text/turtle;charset=utf-8;q=0", None),
    (
        "a type given twice keeps its highest q",
        DOC,
        "text/turtle;q=0.1, application/ld+json;q=0.5, text/turtle;charset=utf-8;q=0.9",
        "text/turtle",
    ),
]


@pytest.mark.parametrize(
    ("offers", "header", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_negotiate(offers, header, expected):
    chosen = negotiate(accept(header), offers)
    assert (chosen.media_type if chosen else None) == expected


@pytest.mark.parametrize(
    ("offers", "header", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_negotiate_header_agrees_and_is_remembered(offers, header, expected):
    """The endpoint's path (the header's text, weighed once) chooses as :func:`negotiate`."""
    for _ in range(2):
        chosen = negotiate_header(header, offers)
        assert (chosen.media_type if chosen else None) == expected
    assert _best_for_header.cache_info().hits >= 1
