"""The servers measured side by side: how each starts, is loaded, and is asked.

Every peer gets the same files (the project's ontology and the generated data, one named graph
per file, queried as their union) and the same requests:

- ``oxigraph`` — ``oxigraph serve`` in memory (the ``oxigraph`` package), loaded through its
  Graph Store endpoint, ``--union-default-graph``: the yardstick of every ratio;
- ``rdflib-endpoint`` — ``rdflib-endpoint serve`` (FastAPI + rdflib, the usual Python choice);
- ``ictkg`` — our server as operators run it, ``ictkg serve`` (gunicorn);
- ``ictkg-nocache`` — the same with the SPARQL results cache off, to show the engine's own work;
- ``nginx`` — Debian's nginx serving ``ictkg export-site`` (dereferencing only).

Peers without dereferenceable URIs answer ``DESCRIBE <iri>`` through their endpoint instead.
A peer is started, measured and stopped before the next one starts: they never share the CPUs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.wrk import Request
from server.config import BASE_IRI, PROJECT_ROOT
from server.export.site import standalone_config

BIN = Path(sys.executable).parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
MEDIA_TYPES = {".nt": "application/n-triples", ".ttl": "text/turtle"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def data_files(data_dir: Path) -> list[Path]:
    return sorted(ONTOLOGY_DIR.glob("*.ttl")) + sorted(data_dir.glob("*.nt"))


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory_mb(pid: int) -> float:
    """Proportional set size of the process tree (shared pages split among their users), MB."""
    total = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class Peer:
    """A server to measure: its command, how to load it, and how each workload asks it."""

    name: str
    command: Callable[[int, Path], list[str]]
    sparql_path: str | None
    env: dict[str, str] = field(default_factory=dict)
    load: Callable[[str, Path], None] | None = None
    dereference: Callable[[str, str], list[Request]] | None = None
    html: Callable[[str, str], list[Request]] | None = None
    version: Callable[[], str] = lambda: "?"
    process: subprocess.Popen | None = None
    root: str = ""

    def sparql(self, query: str, accept: str) -> Request:
        path = f"{self.sparql_path}?{urllib.parse.urlencode({'query': query})}"
        return Request(path, {"Accept": accept})

    def deref_requests(self, iri: str) -> list[Request]:
        if self.dereference is not None:
            return self.dereference(self.root, iri)
        return [self.sparql(f"DESCRIBE <{iri}>", "text/turtle")]

    def start(self, data_dir: Path, probe: Request, deadline: float = 900) -> float:
        """Start, load, and wait for the first successful answer to ``probe``: seconds taken."""
        port = free_port()
        self.root = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command(port, data_dir),
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if self.load is not None:
            wait_listening(port, self.process, deadline)
            self.load(self.root, data_dir)
        while True:
            try:
                status, _ = fetch(self.root, probe, timeout=60)
                if status < 400:
                    return time.perf_counter() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}")
            if time.perf_counter() - started > deadline:
                raise RuntimeError(f"{self.name} did not answer within {deadline} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
        self.process = None


def wait_listening(port: int, process: subprocess.Popen, deadline: float) -> None:
    started = time.perf_counter()
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}") from None
            if time.perf_counter() - started > deadline:
                raise
            time.sleep(0.05)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(root: str, request: Request, timeout: float = 60) -> tuple[int, bytes]:
    """One request without following redirects: status and body."""
    req = urllib.request.Request(root + request.path, headers=request.headers)
    try:
        with _OPENER.open(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_prepared(peer: Peer, deadline: float = 3600) -> dict[str, Any] | None:
    """For our server: wait until every document is prepared (``/health``'s ``prepared``,
    server/app/prepared.py), so the streams measure the server as it runs once started; the
    seconds it took from the first answer, and the bytes kept, are reported. ``None`` for a
    peer that prepares nothing."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        status, body = fetch(peer.root, Request("/health", {"Accept": "application/json"}))
        state = json.loads(body).get("prepared") if status == 200 else None
        if state is None:
            return None
        if state.get("done"):
            return {**state, "wall_s": round(time.perf_counter() - started, 1)}
        time.sleep(0.5)
    raise RuntimeError(f"{peer.name}: documents not prepared within {deadline} s")


def fetch_location(root: str, request: Request) -> str | None:
    req = urllib.request.Request(root + request.path, headers=request.headers)
    try:
        with _OPENER.open(req, timeout=60):
            return None
    except urllib.error.HTTPError as error:
        return error.headers.get("Location")


# --- the peers ------------------------------------------------------------------------------


def oxigraph_load(root: str, data_dir: Path) -> None:
    """Each file into its own named graph through the Graph Store HTTP Protocol (§5.5 POST)."""
    for file in data_files(data_dir):
        graph = f"{BASE_IRI}graph/{file.parent.name}/{file.stem}"
        url = f"{root}/store?{urllib.parse.urlencode({'graph': graph})}"
        with file.open("rb") as body:
            req = urllib.request.Request(
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": MEDIA_TYPES[file.suffix],
                    "Content-Length": str(file.stat().st_size),
                },
            )
            with urllib.request.urlopen(req, timeout=3600) as response:
                response.read()


def package_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def local_path(root: str, iri: str) -> str:
    return "/" + iri[len(BASE_IRI) :]


def follow(accept: str) -> Callable[[str, str], list[Request]]:
    """``/id/…`` with ``accept``, then the document its 303 points to (asked of the server)."""

    def requests(root: str, iri: str) -> list[Request]:
        first = Request(local_path(root, iri), {"Accept": accept})
        location = fetch_location(root, first)
        if location is None:
            raise RuntimeError(f"{iri}: no 303 from {root}")
        target = urllib.parse.urlsplit(urllib.parse.urljoin(root + first.path, location))
        second = target.path + (f"?{target.query}" if target.query else "")
        return [first, Request(second, {"Accept": accept})]

    return requests


def ictkg(name: str, env: dict[str, str] | None = None, server: str = "granian") -> Peer:
    """``ictkg serve`` with the HTTP server ``server`` (granian, the default, or gunicorn)."""

    def command(port: int, data_dir: Path) -> list[str]:
        return [
            str(BIN / "ictkg"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data",
            str(data_dir),
            "--workers",
            "2",
            "--threads",
            "8",
            "--server",
            server,
            # Like the peers (oxigraph serve logs no request, the nginx peer has access_log
            # off): the figures measure serving, not writing a log line per request.
            "--no-access-log",
        ]

    return Peer(
        name=name,
        command=command,
        sparql_path="/sparql",
        env={"ICTKG_VALIDATE_ON_START": "false", **(env or {})},
        dereference=follow("text/turtle"),
        html=follow("text/html"),
        version=lambda: (
            f"ictkg {package_version('ictkg')}, {server} "
            f"{package_version(server)}, pyoxigraph {package_version('pyoxigraph')}"
        ),
    )


def oxigraph() -> Peer:
    return Peer(
        name="oxigraph",
        command=lambda port, _: [
            str(BIN / "oxigraph"),
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ],
        sparql_path="/query",
        load=oxigraph_load,
        version=lambda: f"oxigraph {package_version('oxigraph')}",
    )


def rdflib_endpoint() -> Peer:
    return Peer(
        name="rdflib-endpoint",
        command=lambda port, data_dir: [
            str(BIN / "rdflib-endpoint"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *[str(f) for f in data_files(data_dir)],
        ],
        sparql_path="/",
        version=lambda: (
            f"rdflib-endpoint {package_version('rdflib-endpoint')}, "
            f"rdflib {package_version('rdflib')}"
        ),
    )


def nginx(site_dir: Path, work_dir: Path) -> Peer:
    """Debian's nginx serving an export (``ictkg export-site``) with its generated config."""

    def command(port: int, _: Path) -> list[str]:
        work_dir.mkdir(parents=True, exist_ok=True)
        config = work_dir / "nginx.conf"
        config.write_text(standalone_config(site_dir, port, work_dir))
        return [nginx_executable(), "-c", str(config), "-p", str(work_dir)]

    return Peer(
        name="nginx",
        command=command,
        sparql_path=None,
        dereference=follow("text/turtle"),
        html=follow("text/html"),
        version=lambda: nginx_version(),
    )


def nginx_executable() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_version() -> str:
    done = subprocess.run([nginx_executable(), "-v"], capture_output=True, text=True, check=False)
    return done.stderr.strip().replace("nginx version: ", "")


def ictkg_load(store_path: str, credentials: dict[str, str] | None = None):
    """Load an engine as users do: ``ictkg load --into`` its Graph Store endpoint (every file
    into the named graph the front expects, counts verified)."""

    def load(root: str, data_dir: Path) -> None:
        done = subprocess.run(
            [
                str(BIN / "ictkg"),
                "load",
                "--into",
                root + store_path,
                "--data",
                str(data_dir),
                "--timeout",
                "3600",
            ],
            env={**os.environ, **(credentials or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ictkg load into {root}{store_path}: {done.stderr.strip()[-500:]}")

    return load


def oxigraph_engine() -> Peer:
    """``oxigraph serve`` as a remote store: loaded by ``ictkg load``; asked directly, its
    default graph is the union of the named graphs (``--union-default-graph``)."""
    peer = oxigraph()
    peer.name = "oxigraph-engine"
    peer.load = ictkg_load("/store")
    return peer


#: A Virtuoso configuration of its own ports and folder (the tests' engines use it too, with less
#: memory and fewer connections).
VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql}
DisableUnixSocket = 1
DirsAllowed = ., {dir}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerThreads = 8
MaxClientConnections = {connections}
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


def virtuoso(work_dir: Path) -> Peer | None:
    """Debian's Virtuoso (``virtuoso-opensource``) with a new database in ``work_dir``, loaded by
    ``ictkg load`` as ``dba`` (a new database's account); ``None`` when it is not installed.
    Its default graph, asked directly, is the union of every graph it holds."""
    executable = shutil.which("virtuoso-t")
    if executable is None:
        return None

    def command(port: int, _: Path) -> list[str]:
        directory = work_dir / f"virtuoso-{port}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        ini = VIRTUOSO_INI.format(
            dir=directory, isql=free_port(), http=port, buffers=50000, dirty=37500, connections=64
        )
        (directory / "virtuoso.ini").write_text(ini)
        return [executable, "+foreground", "+configfile", str(directory / "virtuoso.ini")]

    def version() -> str:
        done = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "virtuoso-opensource-7-bin"],
            capture_output=True,
            text=True,
            check=False,
        )
        return f"Virtuoso {done.stdout.strip() or '?'} (Debian)"

    return Peer(
        name="virtuoso",
        command=command,
        sparql_path="/sparql",
        load=ictkg_load(
            "/sparql-graph-crud-auth", {"ICTKG_LOAD_USER": "dba", "ICTKG_LOAD_PASSWORD": "dba"}
        ),
        version=version,
    )
