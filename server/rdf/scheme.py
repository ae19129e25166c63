"""The IRI scheme, in one place: things under ``{base}id/``, documents about them under ``doc/``.

"Cool URIs for the Semantic Web" (W3C Interest Group Note, 2008), section 4.3: a thing's IRI
answers ``303 See Other`` to a document about it. Every module that makes or reads one of these
paths asks this module, so the scheme can never disagree with itself.
"""

from __future__ import annotations

import re

#: Path segment of things (``{base}id/{kind}/{slug}``).
THINGS = "id/"
#: Path segment of the documents describing them (``{base}doc/{kind}/{slug}``).
DOCUMENTS = "doc/"

#: A kind or a slug: one path segment of unreserved characters (RFC 3986 section 2.3).
SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def thing_iri(base: str, kind: str, slug: str) -> str:
    """The IRI of a thing: ``{base}id/{kind}/{slug}``."""
    return f"{base}{THINGS}{kind}/{slug}"


def things_prefix(base: str) -> str:
    """The prefix every thing's IRI starts with."""
    return base + THINGS


def document_path(kind: str, slug: str) -> str:
    """The path (relative to the base) of the document about ``/id/{kind}/{slug}``."""
    return f"{DOCUMENTS}{kind}/{slug}"


def document_of(base: str, iri: str) -> str | None:
    """The document IRI of a thing's IRI; ``None`` for an IRI outside ``{base}id/``."""
    prefix = things_prefix(base)
    if not iri.startswith(prefix):
        return None
    return base + DOCUMENTS + iri[len(prefix) :]
