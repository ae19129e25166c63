"""Content negotiation (RFC 9110 section 12.5.1 ``Accept``), one named row per rule."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.http.conneg import negotiate
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
]


@pytest.mark.parametrize(
    ("offers", "header", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS]
)
def test_negotiate(offers, header, expected):
    chosen = negotiate(accept(header), offers)
    assert (chosen.media_type if chosen else None) == expected
