"""Live ``ictkg serve`` processes for the fault, load and security tests, and their processes.

Unlike ``conftest.ictkg_serve``, :func:`served` gives the test the master's process (to
send it signals and find its workers) and writes the server's log to a file the test can read
while the server runs (a pipe nobody reads would block a busy server).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from support import BIN, free_port, serving

FAULTS = Path(__file__).parent / "fixtures" / "faults"
FAULTS_BASE = "https://example.org/ft/"


def copy_faults_dataset(target: Path) -> Path:
    """The fault fixture (ontology, data, shapes) copied under ``target``, to be changed."""
    for name in ("ontology", "data", "shapes"):
        shutil.copytree(FAULTS / name, target / name)
    return target


@dataclass
class Served:
    process: subprocess.Popen
    root: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The HTTP server's worker processes (the master's children)."""
        return children(self.pid)


@contextmanager
def served(
    *options: str,
    dataset: Path | None = None,
    base: str = FAULTS_BASE,
    env: dict[str, str] | None = None,
    log: Path,
    port: int | None = None,
) -> Iterator[Served]:
    """``ictkg serve`` (granian) on ``dataset`` (ontology/, data/, shapes/), until /health;
    on ``port``, or a free one."""
    port = port or free_port()
    command = [str(BIN / "ictkg"), "serve", "--port", str(port), "--base-iri", base]
    if dataset is not None:
        for name in ("ontology", "data", "shapes"):
            command += [f"--{name}", str(dataset / name)]
    command += list(options)
    environment = {**os.environ, "ICTKG_VALIDATE_ON_START": "true", **(env or {})}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    root = f"http://127.0.0.1:{port}/"
    server = Served(process, root, log)
    with serving(
        process,
        lambda: requests.get(root + "health", timeout=2).status_code in (200, 503),
        "ictkg serve",
        60,
        message=lambda: f"ictkg serve did not start:\n{server.log_text()}",
    ):
        yield server


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (Linux: ``/proc/{pid}/task/*/children``)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(p for p in set(found) if alive(p))


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid``: workers, and their query workers."""
    below = []
    for child in children(pid):
        below += [child, *descendants(child)]
    return sorted(below)


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def pss_kib(pids: list[int]) -> int:
    """Memory of the processes in KiB, shared pages divided among their sharers (``Pss``).

    Resident sizes would count a page shared copy-on-write by a worker and its forks once per
    process; the proportional size adds up to what the processes really hold together.
    """
    total = 0
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def query_workers(pid: int) -> list[int]:
    """The ``ictkg-query`` processes below ``pid`` (query workers, and their spawners)."""
    from server.workers.orphans import QUERY_WORKER_NAME, process_name

    return [p for p in descendants(pid) if process_name(p) == QUERY_WORKER_NAME]


def cpu_ticks(pid: int) -> int:
    """CPU time used by ``pid`` so far, in clock ticks (user + system; 0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def running_query(pids: list[int], before: dict[int, int]) -> bool:
    """Whether one of ``pids`` has used CPU since ``before`` (``{pid: cpu_ticks}``): a query
    worker busy with a query."""
    return any(cpu_ticks(pid) > before.get(pid, 0) + 2 for pid in pids)


def tcp_sockets(pid: int) -> set[int]:
    """Inodes of the TCP sockets (listening or connected) ``pid`` holds open."""
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(int(target[len("socket:[") : -1]))
    tcp = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        tcp |= {int(row.split()[9]) for row in rows}
    return held & tcp


def port_is_free(port: int) -> bool:
    """A new server could listen on ``port`` now (bound as servers bind, SO_REUSEADDR)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def listening_pids(port: int) -> list[int]:
    """The processes holding a socket listening on 127.0.0.1:``port`` (granian: its workers)."""
    wanted = set()
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
            wanted.add(f"socket:[{fields[9]}]")
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (proc / "fd").iterdir()}
        except OSError:
            continue
        if links & wanted:
            found.append(int(proc.name))
    return sorted(found)
