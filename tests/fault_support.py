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
) -> Iterator[Served]:
    """``ictkg serve`` (granian) on ``dataset`` (ontology/, data/, shapes/), until /health."""
    port = free_port()
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
