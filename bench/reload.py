"""Requests dropped while the data is reloaded, under granian and under gunicorn.

The trade-off README ("Reloads and granian") describes, measured: ``ictkg serve`` (2 workers)
on a copy of the fault fixture, clients requesting a document and a SPARQL query without pause
on kept-alive connections (no retry: every error counts), while the data is changed and the
master sent ``SIGHUP`` ``--reloads`` times; each reload is complete when the new edition is
served and every worker has been replaced. Printed per server: reloads, requests, failed
requests (refused, reset, or a status other than 200) and the target: none failed, and the
requests per second during the reloads (gunicorn stops its old workers gracefully: a client
kept alive on one waits for it). granian's
workers each listen on a socket of their own, so connections queued at a stopping worker can
be reset (unless ``net.ipv4.tcp_migrate_req=1``); gunicorn's master holds the one socket.

    .venv/bin/python -m bench.reload [--reloads 3] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).parent.parent
FAULTS = ROOT / "tests" / "fixtures" / "faults"
BASE = "https://example.org/ft/"
EDITION = f"SELECT ?one WHERE {{ <{BASE}id/item/one> <{BASE}ontology#edition> ?one }}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:  # a thread that ended meanwhile
            continue
    return found


def wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def edition(root: str) -> str | None:
    try:
        response = requests.get(
            root + "sparql", params={"query": EDITION}, headers={"Accept": "text/csv"}, timeout=5
        )
    except requests.RequestException:
        return None
    return response.text.splitlines()[1] if response.ok else None


class Clients:
    """Threads requesting without pause on kept-alive connections; every failure counted."""

    def __init__(self, root: str, count: int) -> None:
        self.root = root
        self.outcomes: Counter[str] = Counter()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run) for _ in range(count)]

    def run(self) -> None:
        with requests.Session() as session:
            while not self.stop.is_set():
                for path, params in (("doc/item/one.ttl", {}), ("sparql", {"query": EDITION})):
                    try:
                        response = session.get(self.root + path, params=params, timeout=10)
                        self.outcomes["ok" if response.status_code == 200 else "status"] += 1
                    except requests.RequestException as error:
                        self.outcomes[type(error).__name__] += 1


def measure(server: str, reloads: int, clients: int) -> tuple[float, Counter[str]]:
    work = Path(tempfile.mkdtemp(prefix="ictkg-reload-bench-"))
    try:
        for name in ("ontology", "data", "shapes"):
            shutil.copytree(FAULTS / name, work / name)
        port = free_port()
        command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
        command += ["--base-iri", BASE, "--workers", "2", "--threads", "4", "--server", server]
        command += ["--no-access-log"]
        for name in ("ontology", "data", "shapes"):
            command += [f"--{name}", str(work / name)]
        log = (work / "log").open("wb")
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        root = f"http://127.0.0.1:{port}/"
        try:
            wait(lambda: edition(root) == "1", 60, "the server")
            load = Clients(root, clients)
            started = time.monotonic()
            for thread in load.threads:
                thread.start()
            for number in range(reloads):
                version = "v2" if number % 2 == 0 else "v1"
                source = FAULTS / version if version == "v2" else FAULTS / "data"
                for name in ("a.ttl", "b.ttl"):
                    shutil.copy(source / name, work / "data" / name)
                workers = children(process.pid)
                os.kill(process.pid, signal.SIGHUP)
                wanted = "2" if version == "v2" else "1"
                wait(lambda wanted=wanted: edition(root) == wanted, 60, "the new edition")
                wait(lambda w=workers: not children(process.pid) & w, 60, "every worker new")
                print(f"{server}: reload {number + 1} done, {dict(load.outcomes)}", file=sys.stderr)
            load.stop.set()
            for thread in load.threads:
                thread.join()
            return time.monotonic() - started, load.outcomes
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reloads", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    for server in ("granian", "gunicorn"):
        seconds, outcomes = measure(server, args.reloads, args.clients)
        failed = sum(n for kind, n in outcomes.items() if kind != "ok")
        total = sum(outcomes.values())
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(outcomes.items()) if k != "ok")
        print(
            f"{server:<9} {args.reloads} reloads in {seconds:.1f} s: {total} requests "
            f"({total / seconds:.0f}/s), {failed} failed"
            f"{f' ({kinds})' if kinds else ''}   target 0 failed: "
            f"{'met' if failed == 0 else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
