"""A remote SPARQL 1.1 endpoint behind the same interface as the embedded store.

For data that outgrows one process (Oxigraph server, Fuseki, Virtuoso, QLever, GraphDB,
Neptune): the query is sent with the SPARQL 1.1 Protocol (URL-encoded POST, section 2.1.2, the
form every server supports) and the answer is parsed back into pyoxigraph objects, so the
endpoint serializes remote results exactly as it serializes embedded ones. The remote store must
hold one named graph per file (the same graph IRIs). A query that states no dataset (no ``FROM``,
no protocol IRIs) is sent with every named graph as ``default-graph-uri`` and ``named-graph-uri``
(Protocol §2.1.4), so the default graph is their union on any SPARQL 1.1 store, without a
store-side "union default graph" switch (Oxigraph's and Fuseki's would override ``FROM``).

A store that cannot be reached (refused, timed out, 5xx) raises
:class:`~server.store.embedded.StoreUnavailable`, which clients see as 503; nothing is cached across
failures, so the server recovers by itself as soon as the store answers again.

``version`` is a hash of the graph names and their sizes, not of every byte (hashing a store
that outgrows one process on each change would defeat the purpose); it is re-read at most every
``version_ttl`` seconds.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from server.rdf.formats import reader_for
from server.store.base import QueryResult, QueryStore, StoreUnavailable
from server.store.safety import declares_dataset

#: What we ask the remote for: SPARQL results for SELECT/ASK, N-Triples for graphs.
ACCEPT = (
    "application/sparql-results+json, application/n-triples, "
    "application/sparql-results+xml;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.7"
)
GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"

#: Never through a proxy from the environment: the endpoint is named by the operator.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class RemoteStore(QueryStore):
    """A SPARQL 1.1 endpoint holding the dataset, one named graph per source file."""

    endpoint: str
    base_iri: str
    timeout: float = 30.0
    version_ttl: float = 10.0
    files: list[Path] = field(default_factory=list)
    _version: tuple[float, str] | None = field(default=None, repr=False)
    _names: tuple[float, list[str]] | None = field(default=None, repr=False)

    kind = "remote"

    def after_fork(self) -> None:
        """Nothing to do: each request opens its own connection."""

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Send the query; parse the answer into pyoxigraph results or an iterator of triples.

        With ``prefixes`` / ``base_iri`` (predefined, the query's own declarations win), the
        query is first parsed here, by the same parser as the embedded store's, so a syntax
        error names the line and column of the text the client sent; the remote then gets the
        declarations as a prologue in front of it (:func:`server.store.prefixes.prologue`).

        Raises ``SyntaxError`` with the remote's message when it refuses the query (4xx), and
        :class:`StoreUnavailable` when it cannot answer.
        """
        if prefixes or base_iri:
            from server.store.prefixes import prologue

            ox.Store().query(sparql, prefixes=prefixes, base_iri=base_iri)  # SyntaxError here
            sparql = prologue(prefixes or {}, base_iri) + sparql
        if not default_graph_uris and not named_graph_uris and not declares_dataset(sparql):
            default_graph_uris = named_graph_uris = self.graph_names()
        return self._send(sparql, default_graph_uris or [], named_graph_uris or [])

    def _send(self, sparql: str, default_graph_uris: list[str], named_graph_uris: list[str]):
        """One SPARQL Protocol request, exactly as given."""
        fields = [("query", sparql)]
        fields += [("default-graph-uri", u) for u in default_graph_uris]
        fields += [("named-graph-uri", u) for u in named_graph_uris]
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "Accept": ACCEPT,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "ictkg",
            },
            method="POST",
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                media_type = response.headers.get_content_type()
                body = response.read()
        except urllib.error.HTTPError as error:
            message = error.read().decode("utf-8", "replace").strip()
            if 400 <= error.code < 500:
                raise SyntaxError(
                    message or f"the store refused the query ({error.code})"
                ) from None
            raise StoreUnavailable(f"{self.endpoint} answered {error.code}: {message}") from None
        except (OSError, TimeoutError) as error:  # URLError, refused, reset, timed out
            raise StoreUnavailable(f"{self.endpoint} is unreachable: {error}") from None
        return parse_answer(media_type, body)

    def graph_names(self) -> list[str]:
        """The named graphs of the store, re-read at most every ``version_ttl`` seconds."""
        now = time.monotonic()
        if self._names is None or now - self._names[0] > self.version_ttl:
            rows = self._send(GRAPH_NAMES, [], [])
            self._names = (now, sorted(row["g"].value for row in rows))
        return self._names[1]

    @property
    def graphs(self) -> dict[str, Path | None]:
        """The named graphs the remote store holds (no local file behind them)."""
        return dict.fromkeys(self.graph_names())

    def graph_sizes(self) -> dict[str, int]:
        return {row["g"].value: int(row["n"].value) for row in self.query(GRAPH_SIZES)}

    @property
    def version(self) -> str:
        """The dataset version; the last one known while the store is down (else it raises)."""
        now = time.monotonic()
        if self._version is None or now - self._version[0] > self.version_ttl:
            try:
                sizes = self.graph_sizes()
            except StoreUnavailable:
                if self._version is None:
                    raise
                return self._version[1]
            listing = "".join(f"{g} {n}\n" for g, n in sorted(sizes.items()))
            self._version = (now, hashlib.sha256(listing.encode()).hexdigest())
        return self._version[1]

    def __len__(self) -> int:
        rows = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(rows))["n"].value)


def parse_answer(media_type: str, body: bytes) -> QueryResult:
    """A remote answer as pyoxigraph objects, chosen by its media type.

    An answer that does not parse is the store's fault, not the client's: it raises
    :class:`StoreUnavailable` (a 503), never a ``SyntaxError`` that would blame the query.
    Graphs are parsed whole here, so that no error surfaces later while a response is written.
    pyoxigraph's RDF/XML parser resolves no external entity (``tests/test_security.py``).
    """
    try:
        offer = reader_for(media_type)
        if offer is not None and offer.results_format is not None:
            return ox.parse_query_results(body, offer.results_format)
        if offer is not None and offer.rdf_format is not None:
            return iter([quad.triple for quad in ox.parse(body, offer.rdf_format)])
    except (SyntaxError, ValueError) as error:
        raise StoreUnavailable(f"the store answered malformed {media_type}: {error}") from None
    raise StoreUnavailable(f"the store answered in an unexpected format: {media_type}")
