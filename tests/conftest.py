"""Shared fixtures: the SPARQL fixture dataset, its apps on both stores, live servers.

- ``sparql_app``: the Flask app on ``tests/fixtures/sparql/`` (three files, three named graphs),
  once with the embedded store and once in front of a real ``oxigraph serve`` holding the same
  files (parametrized: ids ``embedded`` and ``remote``).
- ``oxigraph``: that ``oxigraph serve-read-only`` (session-wide), on 127.0.0.1 and a free port;
  :class:`Oxigraph` also starts private ones (a test that kills its store uses its own).
- ``ictkg_server`` / :func:`ictkg_serve`: ``ictkg serve`` (granian) in a subprocess, ready
  when ``/health`` answers, stopped afterwards.
- ``oxigraph_server`` / ``virtuoso``: ``oxigraph serve`` and Virtuoso (``tests/engines.py``),
  each started once per session; ``loaded_oxigraph`` / ``loaded_virtuoso``: the same, holding the
  project's ``ontology/`` and ``data/`` loaded by ``ictkg load``.
- :class:`Listener`: a TCP listener on 127.0.0.1 that records every connection made to it.
- The order in which ``make test`` hands the files out to its processes: longest first
  (:func:`pytest_collection_modifyitems`).
- Servers the tests start do not prepare documents (``ICTKG_PREPARE=false`` in the environment
  they inherit, :func:`pytest_configure`): preparing every document in the background took
  about 2 s of CPU in each of the suite's many ``ictkg serve``, beside the tests. What it
  changes is tested on its own, with it on (``tests/app/test_prepared.py``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from engines import VIRTUOSO, OxigraphServer, Virtuoso
from support import BIN, fixture_config, free_port, serving, wait_until
from xdist import is_xdist_worker

from server import create_app
from server.config import BASE_IRI, DEFAULTS
from server.store.base import QueryResult
from server.store.embedded import Store, graph_files
from server.store.prefixes import predefined

SPARQL_FIXTURES = Path(__file__).parent / "fixtures" / "sparql"
SPARQL_BASE = "https://example.org/sq/"
SPARQL_CONFIG = fixture_config(
    "sparql",
    SPARQL_BASE,
    VALIDATE_ON_START=False,
    QUERY_TIMEOUT=2.0,
    RESULT_ROW_LIMIT=10,
    QUERY_WORKERS=2,
)


class Oxigraph:
    """A real ``oxigraph serve-read-only`` on 127.0.0.1 holding the fixture files.

    Each file is loaded into its own named graph (the same IRIs as the embedded store) with
    ``oxigraph load``. No ``--union-default-graph``: it would override ``FROM``; the remote
    store sends the graphs as the protocol's dataset instead.
    """

    def __init__(self, location: Path, directories: list[Path], base: str = SPARQL_BASE) -> None:
        self.location = location
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/query"
        self.process: subprocess.Popen | None = None
        for name, file in graph_files(base, directories).items():
            subprocess.run(
                [BIN / "oxigraph", "load", "--location", location, "--file", file, "--graph", name],
                check=True,
                capture_output=True,
            )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                BIN / "oxigraph",
                "serve-read-only",
                "--location",
                self.location,
                "--bind",
                f"127.0.0.1:{self.port}",
                # Runaway test queries are dropped by us on time; the store stops them too.
                "--timeout-s",
                "5",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_until(
            lambda: requests.get(self.endpoint, params={"query": "ASK {}"}, timeout=1).ok,
            self.process,
            "oxigraph serve",
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.communicate(timeout=10)


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory) -> Iterator[Oxigraph]:
    server = Oxigraph(
        tmp_path_factory.mktemp("oxigraph"),
        [SPARQL_FIXTURES / "ontology", SPARQL_FIXTURES / "data"],
    )
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[OxigraphServer]:
    """``oxigraph serve`` (read-write), empty, for the session."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-serve"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory) -> Iterator[Virtuoso]:
    """Debian's Virtuoso with a new database, for the session."""
    if VIRTUOSO is None:
        pytest.fail("virtuoso-t is not installed: `make install` installs virtuoso-opensource")
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    server.start()
    yield server
    server.stop()


def loaded(engine):
    result = engine.load()
    assert result.returncode == 0, result.stderr
    return engine


@pytest.fixture(scope="session")
def loaded_oxigraph(oxigraph_server) -> OxigraphServer:
    """The session's ``oxigraph serve`` holding the project's data (``ictkg load``)."""
    return loaded(oxigraph_server)


@pytest.fixture(scope="session")
def loaded_virtuoso(virtuoso) -> Virtuoso:
    """The session's Virtuoso holding the project's data (``ictkg load``)."""
    return loaded(virtuoso)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def sparql_app(request):
    """The app on the fixture dataset, on each store; its query workers stop afterwards."""
    with sparql_app_on(request) as app:
        yield app


@contextmanager
def sparql_app_on(request, **overrides) -> Iterator:
    """The app on the fixture dataset with ``overrides``, on the store ``request.param`` names
    (``embedded`` or ``remote``: the ``oxigraph`` fixture); its query workers stop afterwards."""
    config = {**SPARQL_CONFIG, **overrides}
    if request.param == "remote":
        config["SPARQL_ENDPOINT"] = request.getfixturevalue("oxigraph").endpoint
    app = create_app(config)
    yield app
    app.extensions["ictkg.queries"].close()


@pytest.fixture
def client(sparql_app):
    return sparql_app.test_client()


@contextmanager
def ictkg_serve(
    *options: str,
    env: dict[str, str] | None = None,
    fixture: bool = True,
    seconds: float = 30,
    interval: float = 0.05,
    group: bool = True,
) -> Iterator[str]:
    """``ictkg serve`` (granian) on the SPARQL fixture dataset (if not ``fixture``: on the real
    data, or on what ``options`` name); yields its root URL once ``/health`` answers (within
    ``seconds``, polled every ``interval``); SIGTERM afterwards, SIGKILL after 15 s (to its
    session if ``group``)."""
    port = free_port()
    command = [str(BIN / "ictkg"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if fixture:
        command += [
            "--base-iri",
            SPARQL_BASE,
            "--ontology",
            str(SPARQL_FIXTURES / "ontology"),
            "--data",
            str(SPARQL_FIXTURES / "data"),
        ]
    command += options
    environment = {**os.environ, "ICTKG_VALIDATE_ON_START": "false", **(env or {})}
    # The log goes to a file: a pipe nobody reads fills up (64 KiB of access log) and then
    # blocks the server's writes, and with them its requests.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def output() -> str:
            log.seek(0)
            return f"ictkg serve did not start:\n{log.read().decode(errors='replace')}"

        root = f"http://127.0.0.1:{port}/"
        with serving(
            process,
            lambda: requests.get(root + "health", timeout=2).status_code in (200, 503),
            "ictkg serve",
            seconds,
            interval=interval,
            message=output,
            stop_seconds=15,
            group=group,
        ):
            yield root


@pytest.fixture(scope="module")
def ictkg_server() -> Iterator[str]:
    """A live ``ictkg serve`` on the fixture dataset (1 worker, 4 threads, 2 s time limit)."""
    with ictkg_serve("--workers", "1", "--threads", "4", "--query-timeout", "2") as root:
        yield root


class Listener:
    """A TCP listener on 127.0.0.1 recording the connections it receives (it must see none)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                try:
                    self.connections.append(conn.recv(4096))
                except OSError:
                    self.connections.append(b"")

    def received(self) -> list[bytes]:
        """Every connection made to it so far: the accept loop is stopped (it finishes the
        connection in hand), then the connections still queued are taken too. A connection
        made while a request was handled exists once its answer is back: no wait is needed."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.socket.setblocking(False)
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:  # BlockingIOError: none left; or closed already
                return self.connections
            with conn:
                conn.settimeout(0.5)
                try:
                    self.connections.append(conn.recv(4096))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# --- the knowledge graph itself, as a user's SPARQL sees it ---------------------------------------
# The seed and outside facts (tests/knowledge_graph/) are questions in SPARQL written with the
# endpoint's own predefined prefixes (server.store.prefixes.predefined): no test keeps a copy.


class Graph:
    """The ontology and data loaded as ``ictkg serve`` loads them."""

    def __init__(self) -> None:
        self.store = Store(
            base_iri=BASE_IRI, directories=[DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"]]
        )
        self.prefixes = predefined(self.store, DEFAULTS)

    def query(self, sparql: str) -> QueryResult:
        return self.store.query(sparql, prefixes=self.prefixes)

    def ask(self, where: str) -> bool:
        return bool(self.query("ASK {" + where + "}"))


@pytest.fixture(scope="session")
def graph() -> Graph:
    return Graph()


# --- the order in which `make test` hands out the files -------------------------------------------
# `make test` runs pytest-xdist with `--dist loadscope --no-loadscope-reorder`: each unit (a file,
# or a test class: the browser sweep has one per language) goes whole to the next free process,
# in the order of the collection. The workers collect the units longest first, by the seconds
# each took in the last run (pytest's cache, `ictkg/unit-seconds`), so that the long ones start
# while every process is busy and the run does not end waiting on one; units not in the record
# come first. Without a record (a fresh clone), the units with the most tests first, as xdist
# orders them itself. Only the order of the units changes, never what runs or the order inside
# a unit (pytest-randomly's); outside xdist nothing changes.

UNIT_SECONDS = "ictkg/unit-seconds"
_spent: Counter[str] = Counter()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("ICTKG_PREPARE", "false")


def unit(nodeid: str) -> str:
    """The unit xdist's ``loadscope`` hands out whole: the test's class, or else its file."""
    return nodeid.rsplit("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not is_xdist_worker(session) or getattr(config, "cache", None) is None:
        return
    seconds = config.cache.get(UNIT_SECONDS, {})
    tests = Counter(unit(item.nodeid) for item in items)

    def weight(item: pytest.Item) -> float:
        name = unit(item.nodeid)
        return seconds.get(name, float("inf")) if seconds else tests[name]

    items.sort(key=weight, reverse=True)  # stable: each unit keeps its own order


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _spent[unit(report.nodeid)] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The process that saw every unit (xdist's controller, or pytest alone) keeps the record."""
    cache = getattr(session.config, "cache", None)
    if is_xdist_worker(session) or cache is None or not _spent:
        return
    record = cache.get(UNIT_SECONDS, {})
    record.update({name: round(seconds, 2) for name, seconds in _spent.items()})
    cache.set(UNIT_SECONDS, record)
