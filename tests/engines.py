"""The SPARQL engines users run, started for real on 127.0.0.1 and loaded with ``ictkg load``.

- :class:`OxigraphServer`: ``oxigraph serve`` (read-write; the ``oxigraph`` PyPI package of the
  test extra), Graph Store endpoint ``/store``, queries at ``/query``.
- :class:`Virtuoso`: Debian's ``virtuoso-opensource`` (7.2; ``make install`` installs it), with a
  ``virtuoso.ini`` of its own in a temporary directory (its ISQL and HTTP ports free ones), the
  Graph Store endpoint ``/sparql-graph-crud-auth`` (digest authentication as ``dba``, the
  account a new database has), queries at ``/sparql``.

Both load through the real command (:meth:`Engine.load`: ``ictkg load --into``), so the tests
that use them test the loader too. :class:`HoldingRelay` stands in front of either to make it
an engine busy with a long answer. Imported as ``engines`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from support import BIN, free_port, stop, wait_until

from bench.peers import VIRTUOSO_INI

VIRTUOSO = shutil.which("virtuoso-t")


class Engine:
    """A SPARQL engine process on 127.0.0.1: its query and Graph Store endpoints."""

    name = "engine"
    endpoint = ""
    store_url = ""
    user: str | None = None
    password: str | None = None
    process: subprocess.Popen | None = None
    start_seconds = 30.0

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        self.log = open(self.directory / "engine.log", "wb")  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.directory,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: requests.get(self.endpoint, params={"query": "ASK {}"}, timeout=2).ok,
            self.process,
            self.name,
            self.start_seconds,
            interval=0.1,
            message=lambda: f"{self.name} did not start:\n{self.output()}",
        )

    def output(self) -> str:
        return (self.directory / "engine.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, 20)
            self.log.close()

    def load(self, *options: str) -> subprocess.CompletedProcess:
        """``ictkg load --into`` this engine (credentials in the environment)."""
        env = dict(os.environ)
        if self.user is not None:
            env |= {"ICTKG_LOAD_USER": self.user, "ICTKG_LOAD_PASSWORD": self.password or ""}
        return subprocess.run(
            [str(BIN / "ictkg"), "load", "--into", self.store_url, *options],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )


class OxigraphServer(Engine):
    """``oxigraph serve`` on a free port, its database in ``directory``."""

    name = "oxigraph serve"

    def __init__(self, directory: Path, *options: str) -> None:
        """``options``: more of ``oxigraph serve``'s, e.g. ``--timeout-s``."""
        self.directory = directory
        self.options = options
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/query"
        self.store_url = f"http://127.0.0.1:{self.port}/store"

    def command(self) -> list[str]:
        return [
            str(BIN / "oxigraph"),
            "serve",
            "--location",
            str(self.directory / "db"),
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.options,
        ]


class Virtuoso(Engine):
    """Debian's Virtuoso with a database of its own in ``directory``, on free ports."""

    name = "virtuoso"
    user = password = "dba"
    start_seconds = 90.0  # a new database is created at the first start

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/sparql"
        self.store_url = f"http://127.0.0.1:{self.port}/sparql-graph-crud-auth"
        ini = VIRTUOSO_INI.format(
            dir=directory,
            isql=free_port(),
            http=self.port,
            buffers=10000,
            dirty=6000,
            connections=8,
        )
        (directory / "virtuoso.ini").write_text(ini)

    def command(self) -> list[str]:
        assert VIRTUOSO, "virtuoso-t is not installed (make install installs it)"
        return [VIRTUOSO, "+foreground", "+configfile", str(self.directory / "virtuoso.ini")]


class HoldingRelay:
    """A TCP relay to a real engine that holds every request holding ``marker`` until a probe
    (``ASK {}``) has come after it: an engine alive but busy computing a large answer, as
    Virtuoso is with the dumps at 1e5. No clock decides: the answer is released by the probe."""

    PROBE = urlencode({"query": "ASK {}"}).encode()

    def __init__(self, endpoint: str, marker: bytes) -> None:
        """Relay to the engine's query ``endpoint``; :attr:`url` is the same path here."""
        parts = urlsplit(endpoint)
        self.upstream_port, self.marker = parts.port, marker
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}{parts.path}"
        self.probes = self.held = self.released = 0
        self.changed = threading.Condition()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self.relay, args=(connection,), daemon=True).start()

    def relay(self, connection: socket.socket) -> None:
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                if not (chunk := connection.recv(1 << 16)):
                    return  # the client went away
                request += chunk
            head, _, body = request.partition(b"\r\n\r\n")
            length = int(
                next(
                    line.split(b":")[1]
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
            )
            while len(body) < length:
                if not (chunk := connection.recv(1 << 16)):
                    return
                body += chunk
            if body == self.PROBE:
                with self.changed:
                    self.probes += 1
                    self.changed.notify_all()
            elif self.marker in body:
                with self.changed:
                    self.held += 1
                    seen = self.probes
                    if self.changed.wait_for(lambda: self.probes > seen, timeout=60):
                        self.released += 1
            with socket.create_connection(("127.0.0.1", self.upstream_port)) as upstream:
                upstream.sendall(head + b"\r\n\r\n" + body)
                while chunk := upstream.recv(1 << 16):
                    connection.sendall(chunk)

    def close(self) -> None:
        self.listener.close()
