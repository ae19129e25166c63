"""A remote SPARQL 1.1 endpoint behind the same interface as the embedded store.

For data that outgrows one process (``oxigraph serve``, Virtuoso, Fuseki, QLever, GraphDB,
Neptune): the query is sent with the SPARQL 1.1 Protocol (URL-encoded POST, section 2.1.2, the
form every server supports) and the answer is parsed back into pyoxigraph objects, so the
endpoint serializes remote results exactly as it serializes embedded ones. Tested for real
against ``oxigraph serve`` and Virtuoso 7.2 (``tests/store/test_remote_conformance.py``).

- **The dataset's graphs only.** The store holds one named graph per file, with the embedded
  store's IRIs (``{base}graph/{dir}/{file}``, as ``ictkg load`` puts them). An engine has graphs
  of its own (Virtuoso: its schemas, its service description), so the front never lists the
  engine's graphs: it reads the list ``ictkg load`` wrote (:data:`META_QUERY`, in the graph
  :func:`meta_graph`), or failing that the graphs whose IRI starts with ``{base}graph/``. A
  query that states no dataset (no ``FROM``, no protocol IRIs) is sent with those graphs as
  ``default-graph-uri`` and ``named-graph-uri`` (Protocol §2.1.4), so its default graph is
  their union on any SPARQL 1.1 store, and ``GRAPH ?g`` never meets an engine's own graph.
  Where a triple is stated in two graphs, engines count it once per graph (``oxigraph serve``
  0.5.13: oxigraph#1919; Virtuoso), where the merge holds it once; so ``ictkg load`` then also
  loads the merge into :func:`merge_graph`, as the embedded store holds it in its default graph
  (:func:`server.store.embedded.merge_default_graph`), and records it (``sd:defaultGraph``); the
  front sends that graph as the default graph, the others as the named ones.
- **Accept by query form.** SELECT / ASK ask for SPARQL results (XML, then JSON), CONSTRUCT /
  DESCRIBE for N-Triples (then Turtle, RDF/XML): an engine that gets a results type for a graph
  answers in a format of its own (Virtuoso: RDF/JSON). Answers are read by their media type;
  the non-standard bits engines send are mended (:func:`parse_answer`).
- **Metadata off the request path.** Graph names and sizes, and the ``version`` (the root of
  every ETag), are re-read every ``refresh_interval`` seconds by a thread of each process (started
  at its first use, so after a fork too); requests read the last known value. Only the very
  first read of a process waits for the store.
- **Bounded and discreet when the store fails.** Each request to the store waits at most
  ``timeout`` seconds (``REMOTE_TIMEOUT``, 5 s: the server's own pages); user queries, which run
  in query workers, wait up to ``query_timeout`` (their own limit). A store that refuses
  connections, does not answer in time, or answers 5xx raises
  :class:`~server.store.base.StoreUnavailable` (a 503 with ``Retry-After``) whose message says
  what happened without the internal URL or the connection error, which go to the log. An
  answer later than ``timeout`` is not given up at once: the store is asked ``ASK {}``, and if
  it answers (alive, busy computing a large answer: the dumps and VoID at 1e5 on Virtuoso), the
  answer is waited for up to ``busy_timeout`` (120 s); a frozen store does not answer it.
  Nothing is cached across failures: the server recovers as soon as the store answers again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import select
import socket
import ssl
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import h11
import pyoxigraph as ox
from rdflib.namespace import DCTERMS, VOID

from server.config import graph_namespace
from server.rdf.formats import reader_for
from server.store.base import QueryResult, QueryStore, StoreUnavailable
from server.store.safety import declares_dataset, query_form

log = logging.getLogger("ictkg.store")

#: What we ask the remote for, by query form: results for SELECT / ASK, graphs for the others.
#: XML before JSON: Virtuoso 7.2 writes a large answer in XML two to four times as fast as in
#: JSON (171 539 rows at 1e5, busy machine: 4.9 s against 11.6 s, 11 s against 44 s), and
#: pyoxigraph reads it at once, where Virtuoso's JSON must be mended first; ``oxigraph serve``
#: is a little slower in XML (3.8 s against 2.3 s), a fair price for the engine that needs it.
ACCEPT_RESULTS = "application/sparql-results+xml, application/sparql-results+json;q=0.9"
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
ACCEPT_ANY = f"{ACCEPT_RESULTS}, {ACCEPT_GRAPH}"

VOID_TRIPLES = str(VOID.triples)
DCTERMS_IDENTIFIER = str(DCTERMS.identifier)
DCTERMS_MODIFIED = str(DCTERMS.modified)
SD_DEFAULT_GRAPH = "http://www.w3.org/ns/sparql-service-description#defaultGraph"

#: The graphs ``ictkg load`` recorded, with their sizes and content hashes, and the merge it
#: loaded as the default graph, if any.
META_QUERY = (
    "SELECT ?g ?n ?h ?m ?d WHERE {{ GRAPH <{meta}> {{ "
    f"?g <{VOID_TRIPLES}> ?n ; <{DCTERMS_IDENTIFIER}> ?h "
    f"OPTIONAL {{{{ <{{meta}}> <{DCTERMS_MODIFIED}> ?m }}}} "
    f"OPTIONAL {{{{ <{{meta}}> <{SD_DEFAULT_GRAPH}> ?d }}}} "
    "}} }}"
)
#: Without that record: the graphs under ``{base}graph/`` and their sizes (no empty pattern:
#: ``GRAPH ?g { }`` answers one unbound row on Virtuoso).
SIZES_QUERY = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
    'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g'
)

#: The longest wait for an answer from an engine that is alive (it answers ``ASK {}``) but busy
#: with a large one: the dumps and VoID ask for every triple, which takes Virtuoso 7.2 more than
#: ten seconds at 1e5 triples on a busy machine; they are built once per dataset version.
BUSY_TIMEOUT = 120.0

#: The most bytes of status line and headers an answer may have (Virtuoso's echo of a dataset of
#: a thousand graphs is about 150 KB).
MAX_ANSWER_HEAD = 4 << 20

#: How long a connection to the store is kept while no request uses it. Servers close idle
#: connections on their own clock: Apache httpd after 5 s, Virtuoso 10 s, Jetty (Fuseki) 30 s,
#: ``oxigraph serve`` 60 s, and the last writes a ``500`` ("Resource temporarily unavailable")
#: on the idle connection as it does. A connection older than the shortest of these is not
#: reused, so a request is never sent just as the server gives up on it.
KEEP_IDLE_SECONDS = 4.0


def meta_graph(base_iri: str) -> str:
    """The graph where ``ictkg load`` records what it loaded (never part of the dataset)."""
    return f"{graph_namespace(base_iri)}meta"


def merge_graph(base_iri: str) -> str:
    """The graph where ``ictkg load`` puts the merge of the dataset's graphs, when a triple is
    stated in two of them: the default graph of queries (never a named graph of the dataset)."""
    return f"{graph_namespace(base_iri)}merge"


@dataclass(frozen=True)
class Metadata:
    """What the front knows of the remote dataset: its graphs, their sizes, its version."""

    sizes: dict[str, int]
    version: str
    modified: float | None = None  # when the loaded files last changed (POSIX seconds)
    #: The graph holding the merge of the others, the default graph of queries (None: their union).
    default_graph: str | None = None


@dataclass
class RemoteStore(QueryStore):
    """A SPARQL 1.1 endpoint holding the dataset, one named graph per source file."""

    endpoint: str
    base_iri: str
    timeout: float = 5.0
    query_timeout: float = 30.0
    refresh_interval: float = 10.0
    #: How long an answer is waited for in all once the engine has shown, by answering a
    #: trivial query, that it is alive and busy with this one (:meth:`_send`).
    busy_timeout: float = BUSY_TIMEOUT
    files: list[Path] = field(default_factory=list)
    _metadata: Metadata | None = field(default=None, repr=False)
    _refresher: int | None = field(default=None, repr=False)  # the pid that runs one
    #: Whether connections are kept open between requests (:func:`post`): in query workers.
    keep_alive: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    kind = "remote"

    def after_fork(self) -> None:
        """In a query worker: user queries may take up to their own time limit, and its one
        connection to the store is kept open from query to query (the few query workers send
        nearly every request; a connection per web thread would hold as many of the engine's
        threads or slots, idle, for as long as the server runs).

        The metadata inherited from the parent stays until this process's refresher (started
        at first use: threads do not survive a fork) reads it again.
        """
        self.timeout = max(self.timeout, self.query_timeout)
        self.busy_timeout = self.timeout  # a user query has its limit, however busy the engine
        self.keep_alive = True
        self._lock = threading.Lock()

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
            sparql = prologue(prefixes or {}, base_iri, sparql) + sparql
        if not default_graph_uris and not named_graph_uris and not declares_dataset(sparql):
            named_graph_uris = self.graph_names()
            merged = self.metadata().default_graph
            default_graph_uris = [merged] if merged else named_graph_uris
        return self._send(sparql, default_graph_uris or [], named_graph_uris or [])

    def _send(
        self,
        sparql: str,
        default_graph_uris: list[str],
        named_graph_uris: list[str],
        timeout: float | None = None,
        quiet: bool = False,
    ) -> QueryResult:
        """One SPARQL Protocol request, exactly as given. A failure is logged as a warning, or
        only for debugging when ``quiet`` (the refresher says once that the store is down)."""
        form = query_form(sparql)
        accept = {"SELECT": ACCEPT_RESULTS, "ASK": ACCEPT_RESULTS}.get(form or "", ACCEPT_ANY)
        if form in ("CONSTRUCT", "DESCRIBE"):
            accept = ACCEPT_GRAPH
        fields = urllib.parse.urlencode([("query", sparql)])
        fields += dataset_fields(tuple(default_graph_uris), tuple(named_graph_uris))
        wait = timeout or self.timeout
        warn = log.debug if quiet else log.warning
        try:
            status, media_type, body = post(
                self.endpoint,
                fields.encode(),
                {
                    "Accept": accept,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "User-Agent": "ictkg",
                },
                wait,
                alive=None if timeout else self.alive,
                patience=max(wait, self.busy_timeout),
                keep=self.keep_alive and threading.current_thread() is threading.main_thread(),
            )
        except TimeoutError as error:
            waited = error.seconds if isinstance(error, LateAnswer) else wait
            warn("store %s did not answer in %g s: %s", self.endpoint, waited, error)
            raise StoreUnavailable(f"the store did not answer in {waited:g} s") from None
        except (OSError, h11.ProtocolError) as error:  # refused, unknown host, reset, garbage
            warn("store %s is unreachable: %s", self.endpoint, error)
            raise StoreUnavailable("the store cannot be reached") from None
        if status >= 400:
            message = body.decode("utf-8", "replace").strip()
            # Virtuoso repeats the query after its message, with the dataset it was given.
            message = message.split("\n\nSPARQL query:", 1)[0].strip()
            if 400 <= status < 500:
                raise SyntaxError(message or f"the store refused the query ({status})")
            warn("store %s answered %s: %s", self.endpoint, status, message[:500])
            raise StoreUnavailable(f"the store answered with an error ({status})")
        answer = parse_answer(media_type, body, form)
        if form == "ASK" and isinstance(answer, ox.QuerySolutions):
            return ask_answer(answer)
        return answer

    # --- metadata, refreshed off the request path ------------------------------------------------

    def read_metadata(self, *, quiet: bool = False) -> Metadata:
        """Graph names, sizes and version from the store now (the loader's record, or a count);
        ``quiet``: a failure is not logged as a warning (:meth:`_send`)."""
        meta = meta_graph(self.base_iri)
        rows = list(self._send(META_QUERY.format(meta=meta), [], [meta], quiet=quiet))
        recorded = {
            row["g"].value: (int(row["n"].value), row["h"].value)
            for row in rows
            if row["g"] is not None and row["n"] is not None and row["h"] is not None
        }
        modified = default = None
        if recorded:
            default = next((row["d"].value for row in rows if row["d"] is not None), None)
            sizes = {g: n for g, (n, _) in recorded.items() if g != default}
            listing = "".join(f"{g} {h}\n" for g, (_, h) in sorted(recorded.items()))
            stamps = [row["m"].value for row in rows if row["m"] is not None]
            modified = max((timestamp(m) for m in stamps), default=None)
        else:
            prefix = graph_namespace(self.base_iri)
            sizes_query = SIZES_QUERY.format(prefix=prefix.replace('"', '\\"'))
            rows = self._send(sizes_query, [], [], quiet=quiet)
            sizes = {
                row["g"].value: int(row["n"].value)
                for row in rows
                if row["g"] is not None
                and row["n"] is not None
                and row["g"].value not in (meta, merge_graph(self.base_iri))
            }
            listing = "".join(f"{g} {n}\n" for g, n in sorted(sizes.items()))
        return Metadata(sizes, hashlib.sha256(listing.encode()).hexdigest(), modified, default)

    def refresh(self, *, quiet: bool = False) -> Metadata:
        """Read the metadata now and keep it for the requests that follow."""
        metadata = self.read_metadata(quiet=quiet)
        self._metadata = metadata
        return metadata

    def metadata(self) -> Metadata:
        """The last metadata read (the first call of a process reads it, and may raise
        :class:`StoreUnavailable`); a refresher thread of this process keeps it current."""
        if self._refresher != os.getpid():
            with self._lock:
                if self._refresher != os.getpid():
                    self._refresher = os.getpid()
                    threading.Thread(
                        target=refresh_forever,
                        args=(weakref.ref(self), self.refresh_interval),
                        name="ictkg-remote-metadata",
                        daemon=True,
                    ).start()
        metadata = self._metadata
        if metadata is None:
            metadata = self.refresh()
        return metadata

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers a trivial query now."""
        self._send("ASK {}", [], [], timeout=min(self.timeout, 5.0))

    def alive(self) -> bool:
        """Whether the store answers a trivial query now (asked when a query outlasts the
        timeout: a frozen engine does not answer it, a busy one does)."""
        try:
            self.check()
        except StoreUnavailable:
            return False
        log.info("store %s is busy with a long answer; waiting for it", self.endpoint)
        return True

    def graph_names(self) -> list[str]:
        """The dataset's named graphs (never the engine's own), as last read."""
        return sorted(self.metadata().sizes)

    @property
    def graphs(self) -> dict[str, Path | None]:
        """The named graphs the remote store holds (no local file behind them)."""
        return dict.fromkeys(self.graph_names())

    def graph_sizes(self) -> dict[str, int]:
        return dict(self.metadata().sizes)

    @property
    def modified(self) -> float | None:
        """When the loaded files last changed, as the loader recorded it."""
        return self.metadata().modified

    @property
    def version(self) -> str:
        """The dataset version: a hash of the loader's content hashes (or of graph sizes)."""
        return self.metadata().version

    def __len__(self) -> int:
        return sum(self.metadata().sizes.values())


class LateAnswer(TimeoutError):
    """No complete answer within ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer in {seconds:g} s")
        self.seconds = seconds


@lru_cache(maxsize=8)
def dataset_fields(default_graph_uris: tuple[str, ...], named_graph_uris: tuple[str, ...]) -> str:
    """The protocol's dataset parameters, URL-encoded, each after a ``&``: the same graph names
    go with nearly every query (the dataset's), so they are encoded once."""
    fields = [("default-graph-uri", u) for u in default_graph_uris]
    fields += [("named-graph-uri", u) for u in named_graph_uris]
    return "".join("&" + urllib.parse.urlencode([field]) for field in fields)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    alive: Callable[[], bool] | None = None,
    patience: float = 0.0,
    keep: bool = False,
) -> tuple[int, str, bytes]:
    """One HTTP/1.1 POST: the status, media type and body of the answer, within ``timeout``
    seconds in all (connecting, sending, every byte of the answer); or, when the answer is
    late and ``alive()`` says the server still answers other requests, within ``patience``
    seconds in all. Engines compute an answer whole before its first byte (Virtuoso), so the
    time of a large answer cannot be told from a frozen engine by waiting on the socket.

    Written with h11 rather than ``http.client``, which refuses answers with more than 100
    header fields: Virtuoso echoes every ``default-graph-uri`` and ``named-graph-uri`` in a
    header of its own, so a dataset of 50 files already gets 100. Never through a proxy from
    the environment: the endpoint is named by the operator.

    With ``keep``, the connection is kept open for the next request of the same thread
    (:data:`CONNECTIONS`): a new TCP connection per query cost more than a small query itself
    (``make bench``, the front's overhead). A kept connection is not reused once it has been
    idle for :data:`KEEP_IDLE_SECONDS`, or when the store has closed it or written on it
    unasked (:func:`spoke_unasked`). One the store closes as the request goes out fails before
    any byte of an answer; the request is then sent once more on a new connection (a query
    changes nothing, so sending it twice is safe). Without ``keep``, the request says
    ``Connection: close``.
    """
    parts = urllib.parse.urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    request = h11.Request(
        method="POST",
        target=target,
        headers=[
            ("Host", parts.netloc.rsplit("@", 1)[-1]),
            ("Content-Length", str(len(body))),
            *([] if keep else [("Connection", "close")]),
            *headers.items(),
        ],
    )
    wait = _Wait(started, timeout, alive, patience)
    key = (parts.scheme, parts.hostname or "", port)
    kept = CONNECTIONS.take(key) if keep else None
    if kept is not None:
        try:
            return _exchange(kept, key, request, body, wait)
        except _Stale:
            pass  # closed by the store while it was kept: once more on a new connection
    remaining = wait.deadline - time.monotonic()
    if remaining <= 0:
        raise LateAnswer(timeout)
    raw = socket.create_connection((parts.hostname, port), timeout=remaining)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock = (
            ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
            if secure
            else raw
        )
    except BaseException:
        raw.close()
        raise
    connection = _Kept(sock, h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_ANSWER_HEAD))
    return _exchange(connection, key, request, body, wait)


@dataclass
class _Wait:
    """How long :func:`post` waits: ``timeout``, extended once to ``patience`` if ``alive()``."""

    started: float
    timeout: float
    alive: Callable[[], bool] | None
    patience: float

    def __post_init__(self) -> None:
        self.deadline = self.started + self.timeout

    def remaining(self) -> float:
        """Seconds left; raises :class:`LateAnswer` when none are (after asking ``alive()``)."""
        remaining = self.deadline - time.monotonic()
        if (
            remaining <= 0
            and self.alive is not None
            and self.patience > self.timeout
            and self.alive()
        ):
            self.alive, self.deadline = None, self.started + self.patience
            remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise LateAnswer(self.deadline - self.started)
        return remaining


class _Stale(Exception):
    """A kept connection failed before any byte of the answer arrived."""


@dataclass(eq=False)
class _Kept:
    """An open connection to the store, usable by the process that opened it."""

    sock: socket.socket
    h11: h11.Connection
    pid: int = field(default_factory=os.getpid)
    used: bool = False
    idle_since: float = 0.0

    def reusable(self) -> bool:
        """Whether a request may go out on it: not idle too long, and silent since its last
        answer."""
        return time.monotonic() - self.idle_since < KEEP_IDLE_SECONDS and not spoke_unasked(
            self.sock
        )

    def __del__(self) -> None:
        # Dropped with its thread (a refresher that ended) or its process's copy: closed, not
        # left to the garbage collector.
        self.sock.close()


def _exchange(
    connection: _Kept, key: tuple[str, str, int], request: h11.Request, body: bytes, wait: _Wait
) -> tuple[int, str, bytes]:
    """Send ``request`` on ``connection`` and read the answer; keep the connection if it can
    serve another request, close it otherwise (any failure included)."""
    sock, state = connection.sock, connection.h11
    answered = False
    try:
        try:
            sock.settimeout(max(0.001, wait.deadline - time.monotonic()))
            # One write: a request in pieces waits for the store's delayed ACK (Nagle) on a
            # kept connection, 40 ms a query.
            sock.sendall(
                b"".join(
                    state.send(event) or b""
                    for event in (request, h11.Data(data=body), h11.EndOfMessage())
                )
            )
            status, media_type, chunks = 0, "", []
            while True:
                event = state.next_event()
                if event is h11.NEED_DATA:
                    sock.settimeout(wait.remaining())
                    try:
                        data = sock.recv(1 << 16)
                    except TimeoutError:
                        continue  # the deadline passed: given up or extended above
                    answered = answered or bool(data)
                    state.receive_data(data)
                elif isinstance(event, h11.Response):
                    status = event.status_code
                    for name, value in event.headers:
                        if name == b"content-type":
                            media_type = value.decode("latin-1").split(";")[0].strip().lower()
                elif isinstance(event, h11.Data):
                    chunks.append(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    if not answered:
                        raise ConnectionResetError("closed before any answer")
                    break
        except (OSError, h11.ProtocolError) as error:
            if connection.used and not answered and not isinstance(error, TimeoutError):
                raise _Stale() from error
            raise
    except BaseException:
        sock.close()
        raise
    connection.used = True
    if state.our_state is h11.DONE and state.their_state is h11.DONE:
        state.start_next_cycle()
        CONNECTIONS.keep(key, connection)
    else:
        sock.close()
    return status, media_type, b"".join(chunks)


class Connections:
    """The connections kept open to the store: one per thread and address, per process.

    A forked child never uses its parent's: right after a fork, the child closes its copies
    (``os.register_at_fork``; the parent's connections stay open) and opens its own.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: weakref.WeakSet[_Kept] = weakref.WeakSet()
        self._lock = threading.Lock()

    def take(self, key: tuple[str, str, int]) -> _Kept | None:
        """This thread's connection to ``key``, if it may carry a request (:meth:`_Kept.reusable`);
        one that may not is closed (never a parent's, after a fork)."""
        kept = getattr(self._local, "kept", {}).pop(key, None)
        if kept is None or kept.pid != os.getpid():
            return None  # a parent's copy is closed after the fork, not here
        if not kept.reusable():
            kept.sock.close()
            return None
        return kept

    def held(self, key: tuple[str, str, int]) -> _Kept | None:
        """This thread's kept connection to ``key``, left in place (to look at it)."""
        return getattr(self._local, "kept", {}).get(key)

    def keep(self, key: tuple[str, str, int], connection: _Kept) -> None:
        kept = self._local.__dict__.setdefault("kept", {})
        old = kept.get(key)
        if old is not None and old is not connection:
            old.sock.close()
        connection.idle_since = time.monotonic()
        kept[key] = connection
        with self._lock:
            self._all.add(connection)

    def after_fork_in_child(self) -> None:
        """Close the child's copies of the parent's connections (before anything else runs:
        every descriptor number is still the parent's socket)."""
        self._lock = threading.Lock()
        for connection in list(self._all):
            with contextlib.suppress(OSError):
                connection.sock.close()
        self._all = weakref.WeakSet()


def spoke_unasked(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the store closed it (end of file or a
    reset) or wrote on it without a request, as ``oxigraph serve`` does when it times an idle
    connection out. Either way its next bytes are not the answer to our next request."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))  # POLLHUP and POLLERR are always reported
    except (OSError, ValueError):  # closed already
        return True


#: The connections of this process (see :class:`Connections`).
CONNECTIONS = Connections()
os.register_at_fork(after_in_child=CONNECTIONS.after_fork_in_child)


def refresh_forever(ref: weakref.ref[RemoteStore], interval: float) -> None:
    """A process's refresher: re-read the metadata every ``interval`` seconds, for as long as
    the store exists and this process is the one that started it (not a forked child).

    While the store is down, requests keep the metadata read last. The log says so once, with
    the cause, and once more when the store answers again: every process of the server has a
    refresher, and a warning from each every few seconds would bury everything else.
    """
    pid = os.getpid()
    down = False
    while True:
        time.sleep(interval)
        store = ref()
        if store is None or store._refresher != pid:
            return
        try:
            store.refresh(quiet=down)
            if down:
                down = False
                log.warning("store %s answers again", store.endpoint)
        except StoreUnavailable:
            if not down:
                down = True
                log.warning(
                    "store %s: the metadata cannot be read; requests use what was read last,"
                    " and this log says when the store answers again",
                    store.endpoint,
                )
        except Exception:  # never let the refresher die silently
            log.exception("reading the metadata of the store %s failed", store.endpoint)
        del store


def ask_answer(solutions: ox.QuerySolutions) -> ox.QueryBoolean:
    """The boolean of an ASK that an engine answered as a table (Virtuoso, when the answer is
    false: no row; when true: one row whose only value is true or 1)."""
    rows = list(solutions)
    true = bool(rows) and all(
        term is None or term.value in ("1", "true") for row in rows[:1] for term in row
    )
    document = b'{"head":{},"boolean":' + (b"true" if true else b"false") + b"}"
    return ox.parse_query_results(document, ox.QueryResultsFormat.JSON)


def timestamp(lexical: str) -> float | None:
    """POSIX seconds of an ``xsd:dateTime`` (``None`` if it is not one)."""
    try:
        return datetime.fromisoformat(lexical).timestamp()
    except ValueError:
        return None


def parse_answer(media_type: str, body: bytes, form: str | None = None) -> QueryResult:
    """A remote answer as pyoxigraph objects, chosen by its media type.

    Engines bend the formats: Virtuoso writes ``"lang"`` for ``"xml:lang"`` in SPARQL JSON
    results, and answers a graph asked in JSON as RDF/JSON; both are read. An answer that does
    not parse is the store's fault, not the client's: it raises :class:`StoreUnavailable`
    (a 503), never a ``SyntaxError`` that would blame the query. Graphs are parsed whole here,
    so that no error surfaces later while a response is written. pyoxigraph's RDF/XML parser
    resolves no external entity (``tests/system/test_security.py``).
    """
    try:
        offer = reader_for(media_type)
        if media_type in ("application/sparql-results+json", "application/json"):
            return parse_json_answer(body, form)
        if offer is not None and offer.results_format is not None:
            return ox.parse_query_results(body, offer.results_format)
        if offer is not None and offer.rdf_format is not None:
            return iter([quad.triple for quad in ox.parse(body, offer.rdf_format)])
    except (SyntaxError, ValueError, KeyError, TypeError) as error:
        log.warning("the store answered malformed %s: %s", media_type, error)
        raise StoreUnavailable(f"the store answered malformed {media_type}") from None
    log.warning("the store answered in an unexpected format: %s", media_type)
    raise StoreUnavailable(f"the store answered in an unexpected format: {media_type}")


def parse_json_answer(body: bytes, form: str | None) -> QueryResult:
    """SPARQL results JSON (``lang`` mended to ``xml:lang``), or RDF/JSON for a graph."""
    if form in ("SELECT", "ASK") and b'"lang"' not in body:
        # Nothing to mend (a JSON string holds a quote escaped): pyoxigraph reads it as it is.
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
    if form in ("SELECT", "ASK") and b'"lang"' not in body:
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)  # nothing to mend
    document = json.loads(body)
    if "head" not in document and form in ("CONSTRUCT", "DESCRIBE", None):
        return iter(list(rdf_json_triples(document)))
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if isinstance(term, dict) and "lang" in term and "xml:lang" not in term:
                term["xml:lang"] = term.pop("lang")
    return ox.parse_query_results(json.dumps(document).encode(), ox.QueryResultsFormat.JSON)


def rdf_json_triples(document: dict) -> Iterator[ox.Triple]:
    """The triples of an RDF/JSON document (W3C Note "RDF 1.1 JSON Alternate Serialization")."""

    def node(value: str) -> ox.NamedNode | ox.BlankNode:
        return ox.BlankNode(value[2:]) if value.startswith("_:") else ox.NamedNode(value)

    for subject, predicates in document.items():
        for predicate, objects in predicates.items():
            for obj in objects:
                if obj["type"] in ("uri", "bnode"):
                    term = node(obj["value"])
                elif "lang" in obj:
                    term = ox.Literal(obj["value"], language=obj["lang"])
                elif "datatype" in obj:
                    term = ox.Literal(obj["value"], datatype=ox.NamedNode(obj["datatype"]))
                else:
                    term = ox.Literal(obj["value"])
                yield ox.Triple(node(subject), ox.NamedNode(predicate), term)
