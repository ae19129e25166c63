"""The load scripts of the benchmark (``bench/wrk.py``), run by Debian's wrk on a real server.

A crawl asks every resource once: its run must end when the list is asked, and its rate must be
the items over the time they took, not over wrk's whole ``--duration`` (which wrk reports,
and waits for, whatever its threads did). An endless stream run on a list too short must say it
wrapped, so that the harness never reports a replay as new requests.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from bench import wrk


class Counting(BaseHTTPRequestHandler):
    """Answers every GET with a short 200 and counts the paths asked."""

    protocol_version = "HTTP/1.1"
    # One write per answer, sent at once: a split answer waits for the client's delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    asked: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_GET(self) -> None:
        with self.lock:
            self.asked[self.path] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the counts."""


@pytest.fixture
def server() -> Iterator[tuple[str, Counter[str]]]:
    Counting.asked = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Counting.asked
    finally:
        httpd.shutdown()
        httpd.server_close()


def items(count: int) -> list[str]:
    """A crawl's lines: a 303 and its document for each resource."""
    return [f"text/turtle\t/id/r{n}\t/doc/r{n}.ttl" for n in range(count)]


def test_a_finite_run_asks_every_line_once_and_ends_when_it_is_asked(server) -> None:
    root, asked = server
    lines = items(150)
    connections = 4
    figures = wrk.run_stream(root, lines, connections, 3, finite=True)
    assert figures["finished"] is True
    assert figures["wrapped"] == 0
    assert figures["consumed"] == len(lines)
    assert figures["issued"] == [75, 75]
    # Every path, the very first included (wrk asks the first thread for a request before the
    # run, to check it: that request must not take an item).
    every_path = {p for line in lines for p in line.split("\t")[1:]}
    assert every_path <= set(asked)
    # A thread stops when its list is asked: at most one request per connection is left in
    # flight uncounted (and asked again as the stopping thread's last request).
    assert 2 * len(lines) - connections <= figures["requests"] <= 2 * len(lines)
    assert sum(asked.values()) <= 2 * len(lines) + connections
    # The rate is over the time the list took, not the 3 s wrk was given.
    assert figures["seconds"] < 3
    assert figures["rps"] == pytest.approx(figures["requests"] / figures["seconds"])


def test_an_endless_run_on_a_short_list_says_it_wrapped(server) -> None:
    root, asked = server
    figures = wrk.run_stream(root, items(5), 2, 1)
    assert figures["finished"] is False
    assert figures["wrapped"] > 0
    # wrk's own duration: the whole second it was given, however early the list ran out.
    assert figures["seconds"] >= 1
    assert max(asked.values()) > 1
