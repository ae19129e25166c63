"""Content negotiation, in one place: the choice among the offers of :mod:`server.rdf.formats`.

Each offer is a media type, a short format name (for ``format=`` / ``output=`` and for the
per-format document URLs), a file extension and the pyoxigraph format that writes it. Views
never pick serializers themselves: they ask :func:`negotiate` which offer to use and hand their
graph or results to one function that turns them into a response.
"""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from server.rdf.formats import ALIASES, Offer


def negotiate(accept: MIMEAccept, offers: tuple[Offer, ...]) -> Offer | None:
    """The best offer for an ``Accept`` header; the first offer when the client states none.

    Returns ``None`` when nothing offered is acceptable (the caller answers 406).
    """
    index = _best(accept, tuple(o.media_type for o in offers))
    return None if index is None else offers[index]


def negotiate_header(header: str | None, offers: tuple[Offer, ...]) -> Offer | None:
    """:func:`negotiate` for the text of an ``Accept`` header, remembered for the next request.

    Clients send few different headers, and weighing one against the offers costs more than
    the rest of a small query's request handling (``make bench``): each header is parsed and
    weighed once per list of offers (the most recent 1024 kept).
    """
    index = _best_for_header(header or "", tuple(o.media_type for o in offers))
    return None if index is None else offers[index]


@lru_cache(maxsize=1024)
def _best_for_header(header: str, media_types: tuple[str, ...]) -> int | None:
    return _best(parse_accept_header(header, MIMEAccept), media_types)


def _best(accept: MIMEAccept, media_types: tuple[str, ...]) -> int | None:
    """The index of the best of ``media_types`` (their aliases count as them), or ``None``.

    Media ranges are weighed by type and subtype alone (:func:`_ranges`).
    """
    if not accept:
        return 0
    accept = _ranges(accept)
    by_type = {media_type: i for i, media_type in enumerate(media_types)}
    for alias, targets in ALIASES.items():
        target = next((t for t in targets if t in by_type), None)
        if target is not None:
            by_type.setdefault(alias, by_type[target])
    best = accept.best_match(list(by_type))
    return None if best is None else by_type[best]


def _ranges(accept: MIMEAccept) -> MIMEAccept:
    """``accept`` with each media range reduced to its type and subtype (lower case).

    werkzeug matches a range's parameters exactly, so ``text/turtle; charset=utf-8`` — the very
    Content-Type we answer with — or ``text/csv;header=present`` would match nothing (406).
    RFC 9110 §12.5.1 leaves parameters to the media type: our offers take none that changes
    the body (always UTF-8; CSV with its header line), and a JSON-LD ``profile`` we do not
    write (expanded, flattened…) is no reason to refuse: the ``application/ld+json``
    registration (JSON-LD 1.1, IANA Considerations) says a profile does not change what the
    document means, and a server ignores the ones it does not honour. Only ``q`` counts: a
    range given twice keeps its highest, and ``q=0`` still refuses (``text/turtle;q=0, */*``
    never gives Turtle).
    """
    qualities: dict[str, float] = {}
    for value, quality in accept:
        media_range = value.split(";", 1)[0].strip().lower()
        qualities[media_range] = max(quality, qualities.get(media_range, quality))
    return MIMEAccept(qualities.items())
