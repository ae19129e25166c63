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
    """The index of the best of ``media_types`` (their aliases count as them), or ``None``."""
    if not accept:
        return 0
    by_type = {media_type: i for i, media_type in enumerate(media_types)}
    for alias, targets in ALIASES.items():
        target = next((t for t in targets if t in by_type), None)
        if target is not None:
            by_type.setdefault(alias, by_type[target])
    best = accept.best_match(list(by_type))
    return None if best is None else by_type[best]
