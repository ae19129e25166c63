"""Content negotiation, in one place: the choice among the offers of :mod:`server.rdf.formats`.

Each offer is a media type, a short format name (for ``format=`` / ``output=`` and for the
per-format document URLs), a file extension and the pyoxigraph format that writes it. Views
never pick serializers themselves: they ask :func:`negotiate` which offer to use and hand their
graph or results to one function that turns them into a response.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from server.rdf.formats import ALIASES, Offer


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
