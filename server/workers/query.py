"""User queries run in worker processes, each under a time limit.

pyoxigraph cannot interrupt a running query, and a thread cannot be killed; a process can. A
:class:`QueryPool` keeps a few pre-forked worker processes that inherit the loaded store
copy-on-write (an on-disk store is reopened read-only in each child, see ``Store.after_fork``).
A query is handed to an idle worker through a pipe; the worker runs it, serializes the results
itself and sends back bytes. When the answer does not come within the time limit the worker is
killed (``SIGKILL``) and replaced by a fresh fork, and the client gets 503: one runaway query
never stalls the others. Pre-forking matters for speed: a fork costs milliseconds, a pipe round
trip tens of microseconds (``tests/test_sparql_safety.py`` measures both).

Each web worker has its own pool, forked when the app is created (before the worker starts its
threads). A worker checks every second that its parent is alive and exits when it is not, or
when its pipe closes; one busy with a query when its web worker is killed is ended by the
server's master (:mod:`server.workers.orphans`).

Results beyond the row cap are cut (see :func:`execute`). Workers run at a lower priority
(``QUERY_WORKER_NICE``): while runaway queries use every core until they are killed, the web
workers still get the CPU at once for everything else (``tests/test_load.py`` measures it).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import signal
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from server.rdf.formats import DATASET_OFFERS, RDF_OFFERS, RESULTS_OFFERS, Offer, by_name
from server.store.base import StoreUnavailable
from server.store.safety import QueryRefused, check_query
from server.workers.orphans import QUERY_WORKER_NAME, name_this_process


@dataclass(frozen=True)
class Job:
    """A query and everything needed to answer it, whatever its form turns out to be.

    The results offer is used for SELECT / ASK, the graph offer for CONSTRUCT / DESCRIBE; either
    is ``None`` when the client accepts nothing of that kind (answered with 406). Offers travel
    as media types: pyoxigraph's format objects do not pickle. ``prefixes`` (name, namespace
    pairs) and ``base_iri`` are predefined for the query (:mod:`server.store.prefixes`).
    """

    sparql: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    results_type: str | None = None
    graph_type: str | None = None
    row_limit: int = 10_000
    truncation_link: str = ""
    prefixes: tuple[tuple[str, str], ...] = ()
    base_iri: str | None = None


@dataclass(frozen=True)
class Answer:
    """Serialized results; ``media_type`` is ``None`` when no acceptable format fits the form."""

    form: str  # "solutions", "boolean" or "graph"
    media_type: str | None
    body: bytes = b""
    truncated: bool = False


class QueryTimeout(RuntimeError):
    """The query ran over its time limit (its worker was killed)."""


class PoolBusy(RuntimeError):
    """No worker became free within the time limit."""


class QueryFailed(RuntimeError):
    """The engine failed while running a well-formed query (an internal error)."""


class _LineLimit:
    """A binary sink keeping at most ``lines`` lines, then stopping the writer that feeds it.

    SPARQL TSV has exactly one line per row (terms escape their newlines), so counting lines
    counts rows, and raising from ``write`` stops the engine from computing the rest.
    """

    class Full(Exception):
        pass

    def __init__(self, lines: int) -> None:
        self.lines = lines
        self.chunks: list[bytes] = []
        self.seen = 0

    def write(self, data: bytes) -> int:
        data = bytes(data)
        count = data.count(b"\n")
        if self.seen + count > self.lines:
            cut = -1
            for _ in range(self.lines - self.seen):
                cut = data.index(b"\n", cut + 1)
            self.chunks.append(data[: cut + 1])
            self.seen = self.lines
            raise self.Full
        self.chunks.append(data)
        self.seen += count
        return len(data)

    def flush(self) -> None:
        pass


def cut_solutions(solutions: ox.QuerySolutions, limit: int) -> tuple[ox.QuerySolutions, bool]:
    """At most ``limit`` solutions, and whether there were more; pyoxigraph does every encoding.

    The solutions go through SPARQL TSV (lossless: every term is written in Turtle syntax),
    stopped after the header and ``limit`` rows plus one that tells they were cut, and are
    parsed back. Only the first ``limit + 1`` rows are ever computed.
    """
    sink = _LineLimit(1 + limit + 1)
    with contextlib.suppress(_LineLimit.Full):
        solutions.serialize(sink, format=ox.QueryResultsFormat.TSV)
    tsv = b"".join(sink.chunks)
    truncated = sink.seen > 1 + limit
    if truncated:
        tsv = tsv[: tsv.rstrip(b"\n").rfind(b"\n") + 1]
    return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV), truncated


def add_link(body: bytes, offer: Offer, link: str) -> bytes:
    """Add ``link`` to the head of SPARQL JSON / XML results (the only body place for it).

    SPARQL 1.1 Query Results JSON §3.1 allows ``"link"`` in ``head``, SPARQL XML Results §2.2
    ``<link href>`` after the variables. pyoxigraph writes ``{"head":{`` and ``</head>`` first,
    so the link goes in at the first of them.
    """
    if offer.results_format == ox.QueryResultsFormat.JSON and body.startswith(b'{"head":{'):
        member = b'"link":["' + link.encode() + b'"]'
        rest = body[len(b'{"head":{') :]
        return b'{"head":{' + member + (b"," if not rest.startswith(b"}") else b"") + rest
    if offer.results_format == ox.QueryResultsFormat.XML and b"</head>" in body:
        element = b'<link href="' + link.replace("&", "&amp;").replace('"', "&quot;").encode()
        return body.replace(b"</head>", element + b'"/></head>', 1)
    return body


def execute(store: Any, job: Job) -> Answer:
    """Run one job on the store and serialize its results; the row cap is applied here.

    Raises ``SyntaxError`` (a malformed query or an update), :class:`QueryRefused`, and
    :class:`StoreUnavailable`.
    """
    check_query(job.sparql)
    results = store.query(
        job.sparql,
        default_graph_uris=list(job.default_graph_uris),
        named_graph_uris=list(job.named_graph_uris),
        prefixes=dict(job.prefixes) or None,
        base_iri=job.base_iri,
    )
    if isinstance(results, ox.QueryBoolean):
        offer = offer_for(job.results_type)
        if offer is None:
            return Answer("boolean", None)
        body = results.serialize(format=offer.results_format)
        return Answer("boolean", offer.media_type, body)
    if isinstance(results, ox.QuerySolutions):
        offer = offer_for(job.results_type)
        if offer is None:
            return Answer("solutions", None)
        solutions, truncated = cut_solutions(results, job.row_limit)
        body = solutions.serialize(format=offer.results_format)
        if truncated and job.truncation_link:
            body = add_link(body, offer, job.truncation_link)
        return Answer("solutions", offer.media_type, body, truncated)
    offer = offer_for(job.graph_type)
    if offer is None:
        return Answer("graph", None)
    triples = list(itertools.islice(results, job.row_limit + 1))
    truncated = len(triples) > job.row_limit
    body = ox.serialize(triples[: job.row_limit], format=offer.rdf_format)
    return Answer("graph", offer.media_type, body, truncated)


def offer_for(media_type: str | None) -> Offer | None:
    """The results or graph offer of :mod:`server.http.conneg` with this media type."""
    if media_type is None:
        return None
    return by_name(RESULTS_OFFERS + RDF_OFFERS + DATASET_OFFERS, media_type)


def _answer(store: Any, job: Job) -> tuple[str, Any]:
    """What a worker sends back: ``("ok", Answer)`` or the kind and message of the failure."""
    try:
        return "ok", execute(store, job)
    except SyntaxError as error:
        return "syntax", str(error)
    except QueryRefused as error:
        return "refused", str(error)
    except StoreUnavailable as error:
        return "unavailable", str(error)
    except Exception as error:
        return "failed", f"{type(error).__name__}: {error}"


def _serve(store: Any, conn: Connection, parent: int) -> None:
    """The worker's loop: answer jobs until the pipe closes or the parent is gone."""
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:
                return
            continue
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_answer(store, job))


@dataclass
class _Worker:
    pid: int
    conn: Connection


class QueryPool:
    """A few pre-forked query workers; each job gets one, within ``timeout`` seconds."""

    def __init__(self, store: Any, size: int = 2, nice: int = 0) -> None:
        self.store = store
        self.size = max(1, size)
        self.nice = nice
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(self._spawn())
        self._finalizer = weakref.finalize(self, _close_workers, self._all)

    def _spawn(self) -> _Worker:
        parent_end, child_end = Pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the caller's code
            status = 0
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                name_this_process(QUERY_WORKER_NAME)  # how the master knows an orphan
                if self.nice:  # runaway queries yield the CPU to the web workers' requests
                    os.nice(self.nice)
                parent_end.close()
                for other in list(self._all.values()):
                    other.conn.close()
                self.store.after_fork()
                _serve(self.store, child_end, parent)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        child_end.close()
        worker = _Worker(pid, parent_end)
        with self._lock:
            self._all[pid] = worker
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (it ran over, or broke) and reap it."""
        with self._lock:
            self._all.pop(worker.pid, None)
        worker.conn.close()
        try:
            os.kill(worker.pid, signal.SIGKILL)
            os.waitpid(worker.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def run(self, job: Job, timeout: float) -> Answer:
        """The answer to ``job``; the query gets ``timeout`` seconds once a worker takes it.

        Raises :class:`QueryTimeout`, :class:`PoolBusy`, ``SyntaxError``, :class:`QueryRefused`,
        :class:`StoreUnavailable` or :class:`QueryFailed`.
        """
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {timeout:g} s") from None
        reply = None
        try:
            worker.conn.send(job)
            if worker.conn.poll(timeout):
                reply = worker.conn.recv()
        except (EOFError, OSError):
            reply = ("failed", "the query worker died")
        finally:
            if reply is None or reply[0] == "failed":
                self._retire(worker)
                if not self._closed:
                    self._idle.put(self._spawn())
            else:
                self._idle.put(worker)
        if reply is None:
            raise QueryTimeout(f"the query ran over the time limit of {timeout:g} s")
        kind, value = reply
        if kind == "ok":
            return value
        raise {
            "syntax": SyntaxError,
            "refused": QueryRefused,
            "unavailable": StoreUnavailable,
        }.get(kind, QueryFailed)(value)

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return list(self._all)

    def close(self) -> None:
        self._closed = True
        self._finalizer()


def _close_workers(workers: dict[int, _Worker]) -> None:
    """Close every pipe (workers exit on EOF), then make sure they are gone."""
    for worker in list(workers.values()):
        worker.conn.close()
    deadline = time.monotonic() + 2
    for pid in list(workers):
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                break
            time.sleep(0.01)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    workers.clear()
