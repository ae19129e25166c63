"""Identical requests within a dataset version, answered from memory without running the app.

The data only changes when the server reloads, so the answer to a ``GET`` of a SPARQL query, a
``/id/…`` redirect or a ``/doc/…`` document is the same every time it is asked the same way.
Computing it again — Flask's routing, content negotiation, a pipe round trip to a query worker,
the engine — is what made the server many times slower than ``oxigraph serve`` on repeated
requests (BENCHMARKS.md). This WSGI middleware sits in front of the Flask app and replays the
whole stored response: status, headers (``ETag``, ``Vary``, CORS…) and body, byte for byte.

It follows HTTP caching's own rules (RFC 9111) so a replayed response is the one the app would
have sent:

- the primary key is the request's method, scheme, host, path and query string (§2: the target
  URI) plus the dataset version (``store.version``), so a reload never serves stale data;
- the response's ``Vary`` header names the request headers that select among its variants
  (§4.1): a stored response is used only when the new request's values for those headers are
  the same (``Accept`` and ``Accept-Language`` here); ``Vary: *`` is never stored;
- only ``GET`` requests without conditional or range headers, cookies or credentials are
  answered from the cache (conditional requests go to the app, which answers 304 itself);
- only ``200`` and ``303`` responses without ``Set-Cookie`` and without ``no-store`` /
  ``private`` are stored, each at most ``max_body`` bytes, all of them at most ``max_bytes``,
  the least recently used dropped first.

Only the paths that answer from the data are cached (``/sparql``, ``/id/``, ``/doc/``): pages
and dumps have their own caching in :mod:`server.http.responses`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

#: Request headers that make a request unfit for a shared, replayed answer.
BYPASS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
)

#: Headers that change which URL the app believes it serves (``request.root_url``).
URL_HEADERS = (
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
)

CACHEABLE_STATUS = ("200", "303")


@dataclass(frozen=True)
class Stored:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    vary: tuple[str, ...]  # WSGI environ keys, e.g. HTTP_ACCEPT
    selecting: tuple[str | None, ...]  # their values in the request that was stored

    @cached_property
    def size(self) -> int:
        """Bytes it takes, about: counted once, read at every store and eviction."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 64


def environ_key(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")


class ResponseCache:
    """WSGI middleware: replays stored responses (see the module docstring for the rules)."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        version: Callable[[], str],
        *,
        max_entries: int = 4096,
        max_bytes: int = 64 * 1024 * 1024,
        max_body: int = 1024 * 1024,
        prefixes: tuple[str, ...] = ("/sparql", "/id/", "/doc/"),
        shared: SharedResponses | None = None,
    ) -> None:
        self.app = app
        self.version = version
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_body = max_body
        self.prefixes = prefixes
        self.shared = shared
        self._entries: OrderedDict[tuple, list[Stored]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    # --- keys -----------------------------------------------------------------------------

    def primary_key(self, environ: dict[str, Any]) -> tuple | None:
        """The stored responses' key for this request, or ``None`` when it must not be cached."""
        if environ.get("REQUEST_METHOD") != "GET" or self.max_entries <= 0:
            return None
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.prefixes):
            return None
        if any(environ.get(h) for h in BYPASS):
            return None
        try:
            version = self.version()
        except Exception:  # the store is down (StoreUnavailable): the app answers 503 itself
            return None
        return (
            version,
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("SCRIPT_NAME", ""),
            path,
            environ.get("QUERY_STRING", ""),
            *(environ.get(h) for h in URL_HEADERS),
        )

    # --- the store ------------------------------------------------------------------------

    def lookup(self, key: tuple, environ: dict[str, Any]) -> Stored | None:
        with self._lock:
            variants = self._entries.get(key)
            if not variants:
                return None
            for stored in variants:
                if tuple(environ.get(h) for h in stored.vary) == stored.selecting:
                    self._entries.move_to_end(key)
                    return stored
        return None

    def store(self, key: tuple, stored: Stored) -> None:
        with self._lock:
            variants = self._entries.setdefault(key, [])
            for old in [v for v in variants if v.vary == stored.vary]:
                if old.selecting == stored.selecting:
                    variants.remove(old)
                    self._bytes -= old.size
            variants.append(stored)
            self._bytes += stored.size
            self._entries.move_to_end(key)
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= sum(v.size for v in dropped)

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    # --- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        key = self.primary_key(environ)
        if key is None:
            return self.app(environ, start_response)
        stored = self.lookup(key, environ)
        if stored is None and self.shared is not None:
            stored = self.shared.lookup(key, environ)
            if stored is not None:
                self.store(key, stored)
        if stored is not None:
            self.hits += 1
            start_response(stored.status, list(stored.headers))
            return [stored.body]
        self.misses += 1
        return self._call_and_store(key, environ, start_response)

    def _call_and_store(
        self, key: tuple, environ: dict[str, Any], start_response: Callable
    ) -> Iterable[bytes]:
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        iterable = self.app(environ, capture)
        try:
            chunks = []
            size = 0
            for chunk in iterable:
                chunks.append(chunk)
                size += len(chunk)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        body = b"".join(chunks)
        stored = self.storable(environ, seen.get("status", ""), seen.get("headers", []), body)
        if stored is not None:
            self.store(key, stored)
        return [body]

    def storable(
        self, environ: dict[str, Any], status: str, headers: list[tuple[str, str]], body: bytes
    ) -> Stored | None:
        """The response as stored, or ``None`` when the rules say it must not be."""
        if status[:3] not in CACHEABLE_STATUS or len(body) > self.max_body:
            return None
        vary: list[str] = []
        for name, value in headers:
            lowered = name.lower()
            if lowered == "set-cookie":
                return None
            if lowered == "cache-control" and any(
                d.strip().split("=")[0] in ("no-store", "private") for d in value.lower().split(",")
            ):
                return None
            if lowered == "vary":
                for field in value.split(","):
                    if field.strip() == "*":
                        return None
                    if field.strip():
                        vary.append(environ_key(field))
        selecting = tuple(environ.get(h) for h in vary)
        # ``Date`` is when a message is sent (RFC 9110 §6.6.1): the HTTP server adds the
        # current one to a replayed response, never the stored one's.
        kept = [(name, value) for name, value in headers if name.lower() != "date"]
        return Stored(status, kept, body, tuple(vary), selecting)


def init_app(app: Any) -> None:
    """Put the cache in front of the app (``RESPONSE_CACHE_SIZE`` 0 turns it off)."""
    config = app.config
    size = int(config.get("RESPONSE_CACHE_SIZE", 4096))
    if size <= 0:
        return
    store = app.extensions["ictkg"]
    cache = ResponseCache(
        app.wsgi_app,
        lambda: store.version,
        max_entries=size,
        max_bytes=int(config.get("RESPONSE_CACHE_BYTES", 64 * 1024 * 1024)),
        max_body=int(config.get("RESPONSE_CACHE_MAX_BODY", 1024 * 1024)),
        shared=SharedResponses(config["PREPARED_DIR"]) if config.get("PREPARED_DIR") else None,
    )
    app.extensions["ictkg.response_cache"] = cache
    app.wsgi_app = cache


class SharedResponses:
    """Responses prepared once per dataset version and shared by every web worker.

    Each worker keeps its own :class:`ResponseCache` in memory, so without this each one pays
    for every first answer itself. Prepared responses live in one SQLite file per dataset
    version in ``directory`` (SQLite is in the standard library; many processes read one file,
    its pages sit once in the operating system's cache, and a writer never blocks readers in
    WAL mode). :mod:`server.app.prepared` writes them, by the rules of :class:`ResponseCache`
    (the same keys, the same :meth:`ResponseCache.storable`); a worker's cache asks here on a
    miss. A missing file (nothing prepared yet) is looked for again at most once a second.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._local = threading.local()

    def path(self, version: str) -> Path:
        return self.directory / f"responses-{version[:40]}.sqlite"

    @staticmethod
    def row_key(key: tuple) -> str:
        """A primary key without its version (the file is the version's) as text."""
        return json.dumps(list(key[1:]))

    def _connection(self, version: str) -> sqlite3.Connection | None:
        local = self._local
        if getattr(local, "version", None) == version and local.connection is not None:
            return local.connection
        now = time.monotonic()
        if getattr(local, "version", None) == version and now < local.retry:
            return None
        if getattr(local, "connection", None) is not None:
            local.connection.close()
        local.version, local.connection, local.retry = version, None, now + 1.0
        path = self.path(version)
        if path.exists():
            try:
                local.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            except sqlite3.Error:
                local.connection = None
        return local.connection

    def lookup(self, key: tuple, environ: dict[str, Any]) -> Stored | None:
        connection = self._connection(key[0])
        if connection is None:
            return None
        try:
            rows = connection.execute(
                "SELECT status, headers, body, vary, selecting FROM responses WHERE key = ?",
                (self.row_key(key),),
            ).fetchall()
        except sqlite3.Error:  # not created yet, or being replaced: the app answers
            return None
        for status, headers, body, vary, selecting in rows:
            vary_keys = tuple(json.loads(vary))
            values = tuple(json.loads(selecting))
            if tuple(environ.get(h) for h in vary_keys) == values:
                return Stored(
                    status, [tuple(h) for h in json.loads(headers)], body, vary_keys, values
                )
        return None

    @staticmethod
    def row(key: tuple, stored: Stored) -> tuple[str, str, str, str, bytes, str]:
        return (
            SharedResponses.row_key(key),
            json.dumps(list(stored.selecting)),
            stored.status,
            json.dumps(stored.headers),
            stored.body,
            json.dumps(list(stored.vary)),
        )

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS responses (key TEXT, selecting TEXT, status TEXT, "
        "headers TEXT, body BLOB, vary TEXT, PRIMARY KEY (key, selecting))",
        "CREATE TABLE IF NOT EXISTS prepared (root TEXT, shard INTEGER, state TEXT, "
        "PRIMARY KEY (root, shard))",
    )
