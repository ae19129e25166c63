"""The SPARQL engines users run, started for real on 127.0.0.1 and loaded with ``ictkg load``.

- :class:`OxigraphServer`: ``oxigraph serve`` (read-write; the ``oxigraph`` PyPI package of the
  test extra), Graph Store endpoint ``/store``, queries at ``/query``.
- :class:`Virtuoso`: Debian's ``virtuoso-opensource`` (7.2; ``make install`` installs it), with a
  ``virtuoso.ini`` of its own in a temporary directory (its ISQL and HTTP ports free ones), the
  Graph Store endpoint ``/sparql-graph-crud-auth`` (digest authentication as ``dba``, the
  account a new database has), queries at ``/sparql``.

Both load through the real command (:meth:`Engine.load`: ``ictkg load --into``), so the tests
that use them test the loader too. Imported as ``engines`` (``tests/`` is on ``sys.path``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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

    def __init__(self, directory: Path) -> None:
        self.directory = directory
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
