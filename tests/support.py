"""Helpers shared by the tests: free ports, server subprocesses, Chromium, a query counter.

- :func:`free_port`: a free TCP port on 127.0.0.1.
- :func:`wait_for`: wait for a condition, with a deadline.
- :func:`wait_until` / :func:`stop` / :func:`serving`: wait for a server subprocess to answer,
  and stop it (SIGTERM, then SIGKILL if it lingers).
- :func:`launch_chromium`: Debian's Chromium through Playwright, with the flags for a closed
  network and a fresh temporary profile (user-data-dir) of its own.
- :class:`CountingStore`: the real store, counting the queries made through it.
- :func:`canonical` / :func:`assert_isomorphic` / :func:`assert_same_canonical`: graphs compared
  with their blank nodes renamed canonically (pyoxigraph's RDF canonicalization: rdflib's
  ``isomorphic`` is many times slower).

Imported as ``support`` (pytest puts ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import requests

#: The tests folder and the repository root, for fixtures and project files.
TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def fixture_config(name: str, base: str, **settings: object) -> dict[str, object]:
    """Test settings for a fixture dataset ``tests/fixtures/{name}/`` under its own base IRI."""
    root = Path(__file__).parent / "fixtures" / name
    return {
        "TESTING": True,
        "BASE_IRI": base,
        "ONTOLOGY_DIR": str(root / "ontology"),
        "DATA_DIR": str(root / "data"),
        "SHAPES_DIR": str(root / "shapes"),
        **settings,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(
    ready: Callable[[], object],
    process: subprocess.Popen,
    what: str,
    seconds: float = 30,
    *,
    interval: float = 0.05,
    errors: type[Exception] | tuple[type[Exception], ...] = requests.RequestException,
    message: Callable[[], str] | None = None,
) -> None:
    """Poll ``ready()`` (``errors`` from it count as not ready) until true, every ``interval``.

    If the process dies or ``seconds`` pass: without ``message``, the process is killed and the
    error carries its output; with one, the error's text is ``message()`` (the caller stops it).
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():
                return
        except errors:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if message is not None:
                raise RuntimeError(message())
            process.kill()
            output = process.communicate()[0]
            raise RuntimeError(f"{what} did not start:\n{output}")
        # Between two polls, wait on the process itself: a server that dies ends the wait at once.
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=interval)


def wait_for(
    condition: Callable[[], object], seconds: float = 30, what: str = "the condition"
) -> None:
    """Poll ``condition()`` every 50 ms until it is true; fail naming ``what`` after ``seconds``.

    How a test waits for something to happen (never a bare ``sleep``): the deadline is far
    beyond the usual wait, so a busy machine makes the test slower, never wrong.
    """
    deadline = time.monotonic() + seconds
    pause = threading.Event()  # never set: its wait() is a pause that ends at the deadline
    while not condition():
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out after {seconds:g} s waiting for {what}"
        pause.wait(min(0.05, remaining))


def stop(process: subprocess.Popen, seconds: float = 20, *, group: bool = True) -> None:
    """SIGTERM, then SIGKILL if it lingers past ``seconds``: to its whole session when ``group``
    (started with ``start_new_session=True``), else to the process alone."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.communicate()


@contextmanager
def serving(
    process: subprocess.Popen,
    ready: Callable[[], object],
    what: str,
    seconds: float = 30,
    *,
    interval: float = 0.05,
    errors: type[Exception] | tuple[type[Exception], ...] = requests.RequestException,
    message: Callable[[], str] | None = None,
    stop_seconds: float = 20,
    group: bool = True,
) -> Iterator[subprocess.Popen]:
    """A started server ``process``: ready (:func:`wait_until`), the caller's, then stopped."""
    try:
        wait_until(ready, process, what, seconds, interval=interval, errors=errors, message=message)
        yield process
    finally:
        stop(process, stop_seconds, group=group)


def launch_chromium(driver):
    """Debian's Chromium with the flags for a closed network; Playwright gives it a fresh,
    temporary profile (user-data-dir) of its own. ``driver``: ``sync_playwright()``'s."""
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)


class CountingStore:
    """The real store, counting the queries made through it."""

    def __init__(self, store):
        self.store = store
        self.queries: list[str] = []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def query(self, sparql, **kwargs):
        self.queries.append(sparql)
        return self.store.query(sparql, **kwargs)


def canonical(graph) -> ox.Dataset:
    """An rdflib graph, or pyoxigraph triples, as a pyoxigraph dataset whose blank nodes are
    renamed canonically: two graphs are isomorphic exactly when these are equal."""
    if not isinstance(graph, list | tuple | set):
        graph = ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in graph)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def n_triples(quads) -> str:
    """Quads of the default graph as sorted N-Triples lines (for a failure message)."""
    return "".join(f"{quad.triple} .\n" for quad in sorted(quads, key=str))


def assert_isomorphic(expected, actual, what: str = "graphs differ") -> None:
    """Golden-graph check of rdflib graphs or pyoxigraph triples."""
    assert_same_canonical(canonical(expected), canonical(actual), what)


def assert_same_canonical(expected: ox.Dataset, actual: ox.Dataset, what: str) -> None:
    """Two :func:`canonical` graphs are equal; on failure, what is only on one side (blank
    nodes named canonically)."""
    if expected == actual:
        return
    ours, theirs = set(expected), set(actual)
    raise AssertionError(
        f"{what}\n--- only expected:\n"
        + n_triples(ours - theirs)[:3000]
        + "--- only actual:\n"
        + n_triples(theirs - ours)[:3000]
    )
