"""The store contract that every view relies on, whatever engine answers.

The embedded store (:mod:`server.store.embedded`) and a remote SPARQL endpoint
(:mod:`server.store.remote`) both implement :class:`QueryStore`; views only ever call what is
declared here, so swapping the engine is a configuration change.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

#: What a query returns: solutions, a boolean, or triples (an iterator of ``ox.Triple``).
QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | Iterator[ox.Triple]


class StoreUnavailable(RuntimeError):
    """The store cannot answer now (a remote store is down): a 503 for clients, retry later."""


class QueryStore(ABC):
    """A read-only SPARQL store of the dataset's named graphs (their union is the default graph).

    ``base_iri`` is the dataset's canonical base; ``files`` the source files it was loaded from
    (empty for a remote store); ``version`` names the dataset's content (it changes whenever any
    graph does, and is the root of every ETag).
    """

    base_iri: str
    files: list[Path]

    @property
    @abstractmethod
    def kind(self) -> str:
        """``memory``, ``disk`` or ``remote``: shown by ``/health``."""

    @abstractmethod
    def after_fork(self) -> None:
        """Drop what a forked process must not share with its parent (connections, caches)."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a read-only query; the default graph is the union of all graphs unless told.

        ``prefixes`` are declared for the query (its own declarations win) and ``base_iri``
        resolves its relative IRIs (:mod:`server.store.prefixes`).
        """

    @property
    def modified(self) -> float | None:
        """When the dataset's content last changed (POSIX seconds; the newest file's time)."""
        return max((f.stat().st_mtime for f in self.files), default=None)

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store can answer now (a remote store is
        asked a trivial query; an embedded one always can)."""
        return None

    @abstractmethod
    def __len__(self) -> int:
        """The number of quads in the dataset."""
