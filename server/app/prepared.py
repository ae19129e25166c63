"""Every resource's Turtle document prepared once per dataset version, shared by the workers.

A crawler asks for each resource once: nothing is repeated, so each worker's response cache
(:mod:`server.http.cache`) never helps it, and every first answer costs a description (three
queries) and its writing. So each web worker forks a preparer (:class:`Preparer`), which at a
low CPU priority asks the app itself for what a crawler of Turtle asks, for every resource
(:func:`server.describe.resources.things`): ``/id/…`` with ``Accept: text/turtle`` (the 303)
and ``/doc/….ttl`` (the document), as the client at ``PREPARE_ROOT`` would (the IRIs of an
answer depend on the host it was asked at), and keeps the responses the cache's own rules
allow (:meth:`~server.http.cache.ResponseCache.storable`) in the version's shared file
(:class:`~server.http.cache.SharedResponses`). Every worker's cache then answers them from
there: the same bytes and headers the app would have sent.

One preparer works at a time (it locks :func:`lock_path`), in :data:`SHARDS` parts: one
whose worker stops leaves the parts it had not finished to the next, and a later start on the
same version and root finds the work done. It is a process of its own, not a thread of the
worker, for memory: describing every resource reads the whole store, and
pyoxigraph's in-memory store writes to what it reads (reference counts and locks), so a worker
that read it all would turn its share of the store loaded before the fork
(:func:`server.store.load_before_fork`) into a copy of its own; the preparer's copy goes when
it exits. The file's ``prepared`` table says how far each part got;
``/health`` reports the sum (:func:`progress`), so a benchmark or an operator can wait for it
and see its cost. Only ``ictkg serve`` turns this on (``PREPARE``; the directory is its own and
is removed when it stops): the app alone (tests, ``--dev``) prepares nothing, nor does a server
on ``--store`` or ``--sparql-endpoint`` (:func:`server.serving.serve.prepare_documents`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder

from server.describe.resources import things
from server.http.cache import ResponseCache, SharedResponses
from server.rdf.scheme import document_path, things_prefix
from server.workers.orphans import fork_helper

#: Resources prepared per transaction: readers see the work as it goes.
BATCH = 200

#: What a crawler of Turtle asks for each resource: (path template, Accept).
REQUESTS = (("id/{kind}/{slug}", "text/turtle"), ("{document}.ttl", None))


def init_app(app: Flask) -> None:
    """Start preparing when ``PREPARED_DIR`` and ``PREPARE_ROOT`` are set (``ictkg serve``)."""
    cache = app.extensions.get("ictkg.response_cache")
    root = app.config.get("PREPARE_ROOT")
    if cache is None or cache.shared is None or not root:
        return
    app.extensions["ictkg.prepare"] = Preparer(app, cache, root)


#: The process name (``/proc/<pid>/comm``) of a preparer.
PREPARER_NAME = "ictkg-prepare"


class Preparer:
    """The process that prepares the documents for one web worker, and exits when done.

    Forked when the app is made, as the query workers' spawner is
    (:func:`server.workers.orphans.fork_helper`). A thread of the worker waits for it;
    :meth:`join` and :meth:`is_alive` are a thread's.
    """

    def __init__(self, app: Flask, cache: ResponseCache, root: str) -> None:
        self.pid = fork_helper(PREPARER_NAME, lambda: prepare(app, cache, root))
        self._waiter = threading.Thread(target=self._wait, name="ictkg-prepare", daemon=True)
        self._waiter.start()

    def _wait(self) -> None:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def join(self, timeout: float | None = None) -> None:
        self._waiter.join(timeout)

    def is_alive(self) -> bool:
        return self._waiter.is_alive()


#: The resources are prepared in this many parts, each recorded when done (``prepared``).
SHARDS = 8


def lock_path(shared: SharedResponses, version: str, root: str) -> str:
    """The file a preparer locks (``flock``) while it prepares ``version`` for ``root``."""
    digest = hashlib.sha256(root.encode()).hexdigest()[:16]
    return f"{shared.path(version)}.{digest}.lock"


def prepare(app: Flask, cache: ResponseCache, root: str) -> None:
    """Prepare every resource's responses for ``root``: each part not prepared yet."""
    log = logging.getLogger("ictkg")
    # As low a priority as a long query's (QUERY_WORKER_NICE): requests get the CPU first.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, int(app.config["QUERY_WORKER_NICE"]))
    shared = cache.shared
    assert shared is not None
    try:
        version = app.extensions["ictkg"].version
        shared.directory.mkdir(parents=True, exist_ok=True)
        connection = _open(shared, version)
        # One preparer at a time (see the module docstring): the next finds the work done.
        lock = open(lock_path(shared, version, root), "w")  # noqa: SIM115
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            resources: list[str] | None = None
            for shard in range(SHARDS):
                state = _state(connection, root, shard)
                if state is not None and state.get("done"):
                    continue
                if resources is None:
                    resources = things(app.extensions["ictkg"], app.config["BASE_IRI"])
                _prepare_shard(app, cache, connection, root, shard, resources[shard::SHARDS])
        finally:
            lock.close()
            connection.close()
    except Exception:  # never take the worker down: serving works without it
        log.exception("preparing the documents for %s failed", root)


def _open(shared: SharedResponses, version: str) -> sqlite3.Connection:
    """The version's file, created if need be; files of earlier versions are removed."""
    path = shared.path(version)
    for other in shared.directory.glob("responses-*"):
        if not other.name.startswith(path.name):
            other.unlink(missing_ok=True)
    connection = sqlite3.connect(path, timeout=60)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    for statement in shared.SCHEMA:
        connection.execute(statement)
    connection.commit()
    return connection


def _prepare_shard(
    app: Flask,
    cache: ResponseCache,
    connection: sqlite3.Connection,
    root: str,
    shard: int,
    resources: list[str],
) -> None:
    started = time.perf_counter()
    prefix = things_prefix(app.config["BASE_IRI"])
    state: dict[str, Any] = {"resources": len(resources), "prepared": 0, "bytes": 0}
    batch: list[tuple] = []
    for number, iri in enumerate(resources, 1):
        kind, _, slug = iri[len(prefix) :].partition("/")
        for template, accept in REQUESTS:
            path = template.format(kind=kind, slug=slug, document=document_path(kind, slug))
            row = _answer(cache, root, path, accept)
            if row is not None:
                batch.append(row)
                state["bytes"] += len(row[4])
        if number % BATCH == 0 or number == len(resources):
            state["prepared"] = number
            state["seconds"] = round(time.perf_counter() - started, 2)
            _write(connection, batch, root, shard, state)
            batch = []
    state["done"] = True
    _write(connection, [], root, shard, state)


def _answer(cache: ResponseCache, root: str, path: str, accept: str | None) -> tuple | None:
    """The row of the app's answer to ``GET {root}{path}``, when the cache's rules keep it."""
    headers = {"Accept": accept} if accept else {}
    environ = EnvironBuilder(path="/" + path, base_url=root, headers=headers).get_environ()
    key = cache.primary_key(environ)
    if key is None:
        return None
    seen: dict[str, Any] = {}

    def capture(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None):
        seen["status"], seen["headers"] = status, response_headers
        return lambda data: None

    iterable = cache.app(environ, capture)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    stored = cache.storable(environ, seen.get("status", ""), seen.get("headers", []), body)
    return None if stored is None else SharedResponses.row(key, stored)


def _write(
    connection: sqlite3.Connection, rows: list[tuple], root: str, shard: int, state: dict
) -> None:
    with connection:
        connection.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)", rows)
        connection.execute(
            "INSERT OR REPLACE INTO prepared VALUES (?, ?, ?)", (root, shard, json.dumps(state))
        )


def _state(connection: sqlite3.Connection, root: str, shard: int) -> dict[str, Any] | None:
    found = connection.execute(
        "SELECT state FROM prepared WHERE root = ? AND shard = ?", (root, shard)
    ).fetchone()
    return json.loads(found[0]) if found else None


def progress(app: Flask) -> dict[str, Any] | None:
    """How far preparing has got for this version and ``PREPARE_ROOT`` (``None``: not on):
    resources prepared, of how many, bytes kept, the longest part's seconds, done or not."""
    cache = app.extensions.get("ictkg.response_cache")
    root = app.config.get("PREPARE_ROOT")
    if cache is None or cache.shared is None or not root:
        return None
    path = cache.shared.path(app.extensions["ictkg"].version)
    parts: list[dict[str, Any]] = []
    if path.exists():
        with contextlib.suppress(sqlite3.Error):
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = connection.execute("SELECT state FROM prepared WHERE root = ?", (root,))
                parts = [json.loads(state) for (state,) in rows]
            finally:
                connection.close()
    return {
        "root": root,
        "prepared": sum(p["prepared"] for p in parts),
        "resources": sum(p["resources"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
        "seconds": max((p.get("seconds", 0.0) for p in parts), default=0.0),
        "done": len(parts) == SHARDS and all(p.get("done") for p in parts),
    }
