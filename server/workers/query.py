"""User queries run in worker processes, each under a time limit.

pyoxigraph cannot interrupt a running query, and a thread cannot be killed; a process can. A
:class:`QueryPool` keeps a few worker processes ready, which share the loaded store copy-on-write
(an on-disk store is reopened read-only in each child, see ``Store.after_fork``). A query is
handed to an idle worker through a pipe; the worker runs it, serializes the results itself and
sends back bytes. When the answer does not come within the time limit the worker is killed
(``SIGKILL``) and replaced by a fresh one, and the client gets 503: one runaway query never
stalls the others. Workers kept ready matter for speed: a fork costs milliseconds, a pipe round
trip tens of microseconds (``make bench`` reports both, ``bench/figures.py``). A worker is also
replaced, after its answer, once it holds more than ``QUERY_WORKER_MEMORY`` of its own: what a
query reads of an in-memory store becomes the worker's own copy (pyoxigraph writes reference
counts and locks as it reads), so without a bound each worker could in time hold a whole copy
of the store it was forked to share (see :func:`_serve`). The bound is high (512 MiB) because
a replacement copies again what its queries read: at 1e6 triples, with 64 MiB, every
scanning query was followed by a replacement, and the mix answered a third as many queries.

Each web worker has its own pool, made when the app is created (before the worker starts its
threads); every query worker, the first ones and their replacements, is forked by the pool's
:class:`Spawner`, a process forked at that moment, never by a request thread. Query workers hold
no inherited socket or pipe but their own pipe, and are killed by the kernel when their parent
dies (:func:`server.workers.orphans.die_with_parent`); a worker also checks every second that
its parent is alive, and exits when its pipe closes.

IRIs follow the server's one rule (:mod:`server.rdf.iris`): a job carries the request's
:class:`Rewriter`; the worker maps the root's IRIs of the query and of its dataset parameters to
the canonical ones, and maps the results' canonical IRIs back to the root before serializing
them, where it costs least (one regular-expression pass over the TSV every solution sequence
already goes through, one over a graph's N-Triples). Results beyond the row cap are cut
(see :func:`execute`). A query that runs longer than :data:`NICE_AFTER` gets a lower priority
(``QUERY_WORKER_NICE``): while runaway queries use every core until they are killed, the web
workers still get the CPU at once for everything else (``tests/serving/test_load.py`` measures it),
and the queries of a normal mix, done within it, run at the priority the engine alone would
have (on a shared machine, a query process always niced got a fraction of a core).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import resource
import select
import signal
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server.rdf.formats import DATASET_OFFERS, RDF_OFFERS, RESULTS_OFFERS, Offer, by_name
from server.rdf.iris import Rewriter
from server.store.base import StoreUnavailable
from server.store.safety import QueryRefused, check_query
from server.text import NOT_XML_UTF8, code_point
from server.workers.orphans import (
    QUERY_WORKER_NAME,
    die_with_parent,
    fork_helper,
    name_this_process,
    quiet_signals,
    release_descriptors,
)


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
    #: The IRI mapping of the request: its root's IRIs in the query mean canonical ones.
    rewriter: Rewriter | None = None
    #: Whether results carry the root's IRIs (the query page wants canonical ones to label).
    local_results: bool = True


@dataclass(frozen=True)
class Answer:
    """Serialized results; ``media_type`` is ``None`` when no acceptable format fits the form."""

    form: str  # "solutions", "boolean" or "graph"
    media_type: str | None
    body: bytes = b""
    truncated: bool = False
    #: The character (``U+0001``) that kept the results from the XML format asked for: XML 1.0
    #: cannot carry it, so the body would be ill-formed (:data:`server.text.NOT_XML`).
    not_xml: str = ""


#: Seconds a query runs at the web worker's priority before it gets ``QUERY_WORKER_NICE``: the
#: queries of a normal mix finish within it and get the CPU like the engine alone would, a
#: runaway yields to the web workers for the rest of its time limit.
NICE_AFTER = 0.1


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


def cut_solutions(
    solutions: ox.QuerySolutions, limit: int, rewriter: Rewriter | None = None
) -> tuple[ox.QuerySolutions, bool]:
    """At most ``limit`` solutions, and whether there were more; pyoxigraph does every encoding.

    The solutions go through SPARQL TSV (lossless: every term is written in Turtle syntax),
    stopped after the header and ``limit`` rows plus one that tells they were cut, and are
    parsed back. Only the first ``limit + 1`` rows are ever computed. With a ``rewriter`` their
    IRIs are moved to its root on the way (:meth:`Rewriter.local_tsv`), so every results format
    written from them carries the root's IRIs.
    """
    sink = _LineLimit(1 + limit + 1)
    with contextlib.suppress(_LineLimit.Full):
        solutions.serialize(sink, format=ox.QueryResultsFormat.TSV)
    tsv = b"".join(sink.chunks)
    truncated = sink.seen > 1 + limit
    if truncated:
        tsv = tsv[: tsv.rstrip(b"\n").rfind(b"\n") + 1]
    if rewriter is not None:
        tsv = rewriter.local_tsv(tsv)
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

    Results asked for in an XML format (SPARQL XML, RDF/XML) that hold a character XML 1.0
    cannot carry (a query can make one: ``"\\u0001"``) come back without a body, naming it in
    :attr:`Answer.not_xml`: pyoxigraph writes the character raw, an ill-formed document.

    Raises ``SyntaxError`` (a malformed query or an update), :class:`QueryRefused`, and
    :class:`StoreUnavailable`.
    """
    answer = serialized(store, job)
    if answer.media_type in XML_TYPES:
        found = NOT_XML_UTF8.search(answer.body)
        if found is not None:
            character = code_point(found[0].decode("utf-8"))
            return Answer(answer.form, answer.media_type, b"", answer.truncated, character)
    return answer


#: The formats written in XML, where a character XML 1.0 excludes cannot be written at all.
XML_TYPES = frozenset(
    o.media_type
    for o in RESULTS_OFFERS + RDF_OFFERS
    if o.results_format == ox.QueryResultsFormat.XML or o.rdf_format == ox.RdfFormat.RDF_XML
)


def serialized(store: Any, job: Job) -> Answer:
    """The job's results, as bytes in the format it asks for (:func:`execute`)."""
    check_query(job.sparql)
    rw = job.rewriter if job.rewriter is not None and not job.rewriter.identity else None
    sparql, defaults, named = job.sparql, job.default_graph_uris, job.named_graph_uris
    if rw is not None:
        sparql = rw.canonical_query(sparql)
        defaults = tuple(rw.canonical(iri) for iri in defaults)
        named = tuple(rw.canonical(iri) for iri in named)
    prefixes = dict(job.prefixes) or None
    try:
        results = store.query(
            sparql,
            default_graph_uris=list(defaults),
            named_graph_uris=list(named),
            prefixes=prefixes,
            base_iri=job.base_iri,
        )
    except SyntaxError:
        if sparql == job.sparql:
            raise
        # The message's line and column must point into the text the client sent.
        ox.Store().query(job.sparql, prefixes=prefixes, base_iri=job.base_iri)
        raise
    out = rw if job.local_results else None
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
        solutions, truncated = cut_solutions(results, job.row_limit, out)
        body = solutions.serialize(format=offer.results_format)
        if truncated and job.truncation_link:
            body = add_link(body, offer, job.truncation_link)
        return Answer("solutions", offer.media_type, body, truncated)
    offer = offer_for(job.graph_type)
    if offer is None:
        return Answer("graph", None)
    triples = list(itertools.islice(results, job.row_limit + 1))
    truncated = len(triples) > job.row_limit
    triples = triples[: job.row_limit]
    if out is None or out.identity:
        body = ox.serialize(triples, format=offer.rdf_format)
    else:
        # Mapped as N-Triples bytes (Rewriter.local_ntriples): many times faster than making
        # new terms one by one; read back by the engine when another format was asked for.
        body = out.local_ntriples(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        if offer.rdf_format != ox.RdfFormat.N_TRIPLES:
            mapped = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
            body = ox.serialize((q.triple for q in mapped), format=offer.rdf_format)
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


def _serve(store: Any, conn: Connection, parent: int, memory: int = 0) -> None:
    """The worker's loop: answer jobs until the pipe closes or the parent is gone.

    Each reply says, last, whether this worker holds more than ``memory`` bytes of its own (0:
    no bound; :func:`own_memory`). Reading that takes milliseconds, so it is read only once
    the page faults since the last reading (``ru_minflt``, a system call) could have taken it
    past ``memory``: a page of the shared store that a query writes to (pyoxigraph's
    in-memory store does, to what it reads) is copied at its first write, one fault, as is
    every new page the worker takes (faults also count memory given back and taken again,
    hence the reading before a verdict).
    """
    page = os.sysconf("SC_PAGE_SIZE")
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    room = memory  # bytes the worker may still make its own, as last read
    while True:
        if not conn.poll(1.0):
            if os.getppid() != parent:
                return
            continue
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        kind, value = _answer(store, job)
        over = False
        now = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        if memory and (now - faults) * page > room:
            faults, own = now, own_memory()
            over, room = own > memory, max(page, memory - own)
        conn.send((kind, value, over))


def own_memory() -> int:
    """Bytes of memory this process holds that no other process shares (Linux: the private
    pages of ``/proc/self/smaps_rollup``; 0 where it cannot be read)."""
    try:
        rollup = Path("/proc/self/smaps_rollup").read_text()
    except OSError:
        return 0
    private = 0
    for line in rollup.splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            private += int(line.split()[1]) * 1024
    return private


class Spawner:
    """The process that forks every query worker of one web worker.

    It is forked when the pool is made, while the web worker is still single-threaded (the app
    is created before the HTTP server starts its threads), and keeps nothing but the store and
    one socket to the pool. A worker that must be replaced (its query ran over, it died) is
    forked here, never in the web worker: a fork from a request thread would copy the locks
    the other threads hold at that moment (the store's, the allocator's) into a child that can
    never release them, and every descriptor the web worker had open just then (client
    connections, the listening socket). The spawner hands back the new worker's pipe and a
    pidfd (a handle on the process that cannot name a reused pid) over the socket
    (``SCM_RIGHTS``); its children are reaped by the kernel (``SIGCHLD`` ignored).

    Both the spawner and its query workers are named :data:`QUERY_WORKER_NAME`, let go of
    every inherited descriptor they do not use (:func:`release_descriptors`) and are killed by
    the kernel when their parent dies (:func:`die_with_parent`): a web worker killed mid-query
    takes its spawner and query workers with it, whatever happens to the master.
    """

    def __init__(self, start_worker: Any) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)

        def spawner() -> None:
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps its children
            _spawn_on_request(theirs, start_worker)

        self.pid = fork_helper(QUERY_WORKER_NAME, spawner, keep={theirs.fileno()})
        theirs.close()
        self.socket = ours
        self._lock = threading.Lock()

    def spawn(self) -> _Worker:
        """A new query worker, forked by the spawner."""
        with self._lock:
            try:
                self.socket.sendall(b"+")
                message, fds, _, _ = socket.recv_fds(self.socket, 8, 2)
            except OSError as error:
                raise QueryFailed(f"the query worker spawner is gone: {error}") from None
        if len(message) != 8 or len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise QueryFailed("the query worker spawner is gone")
        return _Worker(int.from_bytes(message, "little"), Connection(fds[0]), fds[1])

    def close(self) -> None:
        """Close the socket (the spawner leaves on end of file) and reap the spawner."""
        self.socket.close()
        if _wait_for_exit([self.pid], 2):
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)


def _spawn_on_request(conn: socket.socket, start_worker: Any) -> None:
    """The spawner's loop: one query worker forked per byte received, until end of file."""
    me = os.getpid()
    while conn.recv(1):
        parent_end, child_end = Pipe()
        pid = os.fork()
        if pid == 0:  # the query worker
            status = 0
            try:
                conn.close()
                parent_end.close()
                start_worker(child_end, me)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        child_end.close()
        try:
            handle = os.pidfd_open(pid)
        except OSError:  # died at once (reaped already): the pool sees a broken reply
            parent_end.close()
            conn.sendall(b"-")
            continue
        socket.send_fds(conn, [pid.to_bytes(8, "little")], [parent_end.fileno(), handle])
        parent_end.close()
        os.close(handle)


def _wait_for_exit(pids: list[int], seconds: float) -> list[int]:
    """Wait up to ``seconds`` for this process's children ``pids`` to exit; those still alive."""
    deadline = time.monotonic() + seconds
    left = list(pids)
    while left:
        for pid in list(left):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
            left.remove(pid)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return left


@dataclass
class _Worker:
    pid: int
    conn: Connection
    pidfd: int
    #: Whether it runs at the lower priority of a long query (:meth:`QueryPool.run`).
    lowered: bool = False

    def kill(self) -> None:
        """SIGKILL the worker through its pidfd (never another process that reused its pid)."""
        self.conn.close()
        with contextlib.suppress(ProcessLookupError, OSError):
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self.pidfd)


class QueryPool:
    """A few query workers ready to run a job each, within ``timeout`` seconds (see
    :class:`Spawner` for where they come from)."""

    def __init__(self, store: Any, size: int = 2, nice: int = 0, memory: int = 0) -> None:
        self.store = store
        self.size = max(1, size)
        self.nice = nice
        self.memory = memory  # bytes a worker may make its own, then it is replaced; 0: no bound
        self._priority = os.getpriority(os.PRIO_PROCESS, 0)  # the workers' when forked
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._spawner = Spawner(self._start_worker)
        for _ in range(self.size):
            self._idle.put(self._spawn())
        self._finalizer = weakref.finalize(self, _close_workers, self._all, self._spawner)

    def _start_worker(self, conn: Connection, parent: int) -> None:
        """In a query worker just forked by the spawner: set it up, then serve jobs."""
        quiet_signals()
        name_this_process(QUERY_WORKER_NAME)  # how the master knows an orphan
        die_with_parent(parent)
        release_descriptors(keep={conn.fileno()})
        self.store.after_fork()
        _serve(self.store, conn, parent, self.memory)

    def _spawn(self) -> _Worker:
        worker = self._spawner.spawn()
        with self._lock:
            self._all[worker.pid] = worker
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker (it ran over, or broke); the spawner reaps it."""
        with self._lock:
            self._all.pop(worker.pid, None)
        worker.kill()

    def run(self, job: Job, timeout: float) -> Answer:
        """The answer to ``job``; the query gets ``timeout`` seconds once a worker takes it.

        Raises :class:`QueryTimeout`, :class:`PoolBusy`, ``SyntaxError``, :class:`QueryRefused`,
        :class:`StoreUnavailable` (also when the query ran over and the store does not answer a
        trivial query either) or :class:`QueryFailed`.
        """
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {timeout:g} s") from None
        reply = None
        try:
            worker.conn.send(job)
            started = time.monotonic()
            ready = worker.conn.poll(min(timeout, NICE_AFTER) if self.nice else timeout)
            if not ready and self.nice:
                self._lower(worker)
                ready = worker.conn.poll(max(0.0, timeout - (time.monotonic() - started)))
            if ready:
                reply = worker.conn.recv()
        except (EOFError, OSError):
            reply = ("failed", "the query worker died", True)
        finally:
            # Replaced: a worker that ran over, failed, has grown past its memory, or would
            # keep a lower priority.
            if reply is None or reply[0] == "failed" or reply[2] or not self._restore(worker):
                self._retire(worker)
                if not self._closed:
                    self._idle.put(self._spawn())
            else:
                self._idle.put(worker)
        if reply is None:
            # A store that does not answer at all is down, not busy with this query: say so
            # rather than ask the client to narrow a query that never ran.
            self.store.check()
            raise QueryTimeout(f"the query ran over the time limit of {timeout:g} s")
        kind, value, _ = reply
        if kind == "ok":
            return value
        raise {
            "syntax": SyntaxError,
            "refused": QueryRefused,
            "unavailable": StoreUnavailable,
        }.get(kind, QueryFailed)(value)

    def _lower(self, worker: _Worker) -> None:
        """Give a query that has run :data:`NICE_AFTER` seconds the lower priority (its worker
        has not answered, so it is alive: its pid is its own)."""
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, worker.pid, self._priority + self.nice)
            worker.lowered = True

    def _restore(self, worker: _Worker) -> bool:
        """Whether ``worker`` can take the next job at the usual priority: raising it back
        needs a privilege (``CAP_SYS_NICE``, or ``RLIMIT_NICE``); without it the worker is
        replaced (a fork, after a query that took long anyway)."""
        if not worker.lowered:
            return True
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, self._priority)
        except OSError:
            return False
        worker.lowered = False
        return True

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return list(self._all)

    def close(self) -> None:
        self._closed = True
        self._finalizer()


def _close_workers(workers: dict[int, _Worker], spawner: Spawner) -> None:
    """Close every pipe (workers leave on end of file), give them two seconds, kill the rest;
    then close the spawner."""
    for worker in list(workers.values()):
        worker.conn.close()
    handles = [worker.pidfd for worker in workers.values()]
    deadline = time.monotonic() + 2
    while handles and time.monotonic() < deadline:
        exited, _, _ = select.select(handles, [], [], max(0.0, deadline - time.monotonic()))
        handles = [h for h in handles if h not in exited]
    for worker in list(workers.values()):
        worker.kill()
    workers.clear()
    spawner.close()
