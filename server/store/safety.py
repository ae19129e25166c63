"""Refuse queries that would make the server open a connection.

pyoxigraph is built with its HTTP client, so ``SERVICE <iri> { ... }`` would fetch ``<iri>``
(verified: a listener on 127.0.0.1 sees the connection), and the Python API has no switch to
turn federation off. So a query is refused before it runs when the keyword ``SERVICE`` appears
as a token: outside strings, IRIs and comments, and not as a variable (``?service``) or a part
of a prefixed name (``ex:service``, ``service:x``). The scan errs on the side of refusing: a
prefixed name such as ``ex:a.service`` is refused too, never a real ``SERVICE`` let through.

``FROM`` / ``FROM NAMED`` and the protocol's dataset IRIs name graphs of the store only (an
unknown IRI is an empty graph; verified with the same listener), and ``LOAD`` is an update,
which the endpoint never runs.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: Strings (long ones first), IRI references and comments: spans whose text is not keywords.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
#: SERVICE as a keyword: not after a variable sigil or a prefix colon, not before a colon.
_SERVICE = re.compile(r"(?<![\w?$:])service(?![\w:])", re.IGNORECASE)
#: FROM / FROM NAMED as keywords (SPARQL 1.1 Query §13.2: the query states its own dataset).
_FROM = re.compile(r"(?<![\w?$:])from(?![\w:])", re.IGNORECASE)
#: SPARQL 1.1 Query §19.2: \u / \U escapes may stand for any character of the query text.
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryRefused(ValueError):
    """A well-formed request this endpoint will not run (a 400 with the reason)."""


def _unescape(text: str) -> str:
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"

    return _CODEPOINT.sub(char, text)


@lru_cache(maxsize=16)
def keywords_text(sparql: str) -> str:
    """The query with its strings, IRIs and comments blanked out (codepoint escapes applied).

    Remembered for the last few queries: the checks below each scan the same text once per
    query (a query refused, its dataset, its form).
    """
    return _OPAQUE.sub(lambda m: " " * len(m.group(0)), _unescape(sparql))


def check_query(sparql: str) -> None:
    """Raise :class:`QueryRefused` for a query that would call out of the server."""
    if _SERVICE.search(keywords_text(sparql)):
        raise QueryRefused(
            "SERVICE (federated query) is not allowed on this endpoint: it would make the "
            "server fetch from another address. Query the remote endpoint yourself."
        )


def declares_dataset(sparql: str) -> bool:
    """Whether the query has ``FROM`` / ``FROM NAMED`` clauses (then they define its dataset).

    The same token scan as :func:`check_query`; a prefixed name such as ``ex:a.from`` counts
    too (the query then sees the store's own, empty, default graph, as SPARQL says).
    """
    return bool(_FROM.search(keywords_text(sparql)))


#: The keyword that opens a query's body (after its PREFIX / BASE prologue), as a token.
_FORM = re.compile(
    r"(?<![\w?$:])(select|construct|describe|ask|insert|delete|load|clear|create|drop|copy|move"
    r"|add|with)(?![\w:])",
    re.IGNORECASE,
)


def query_form(sparql: str) -> str | None:
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``: what the query returns; ``None`` for an
    update or text that is not a query.

    pyoxigraph has no query parser in its Python API, so this is the token scan of
    :func:`check_query`: strings, IRIs and comments are blanked out, and the prologue
    (``BASE <iri>``, ``PREFIX name: <iri>``) holds no keyword, so the first keyword is the form.
    A prefix named like a keyword (``PREFIX select: <…>``) is skipped: it ends in a colon.
    """
    match = _FORM.search(keywords_text(sparql))
    form = match.group(1).upper() if match else None
    return form if form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else None
