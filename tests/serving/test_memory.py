"""One copy of the in-memory store for every process of a server (BENCHMARKS.md, issue 5's
memory target).

``ictkg serve``'s master loads the store before it forks its web workers, which share it
copy-on-write with it and with their query workers; a reload loads the new store there too.
pyoxigraph's in-memory store writes to what it reads, so what a worker reads becomes its own
copy: the count ``/health`` shows is taken once, at load, and the documents are prepared by a
process that exits when it is done. Measured on 2e5 generated triples (about 160 MB of store),
from ``/proc``: the master holds the store, the workers hold little of their own.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
import requests
from fault_support import alive, children, served
from support import wait_for

from bench.generate import generate
from server.app.prepared import PREPARER_NAME
from server.config import BASE_IRI
from server.workers.orphans import QUERY_WORKER_NAME, process_name


def rollup(pid: int) -> dict[str, int]:
    """``/proc/<pid>/smaps_rollup`` in MiB: Anonymous, Private_Dirty, Pss…"""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        values[key] = int(value.split()[0]) // 1024
    return values


def assert_one_copy(master: int, workers: list[int]) -> None:
    """Where the store is, not how large anything is (no memory threshold: README, Tests):
    the workers' memory is mostly the master's, and little of it their own. Had each worker
    loaded its own store, the master would hold a fraction of a worker's memory."""
    held = rollup(master)["Anonymous"]
    for worker in workers:
        memory = rollup(worker)
        assert held > 0.8 * memory["Anonymous"], f"master {held} MiB, worker {memory}"
        assert memory["Private_Dirty"] < held / 3, f"master {held} MiB, worker {memory}"


def web_workers(server) -> list[int]:
    """The master's children that are web workers: a worker that stops leaves its query
    workers and preparer to the master (a subreaper) for as long as they take to die."""
    helpers = (QUERY_WORKER_NAME, PREPARER_NAME)
    return [p for p in server.workers() if process_name(p) not in helpers]


def preparing(server) -> bool:
    """Whether a worker of ``server`` has a preparer at work now."""
    return any(process_name(p) == PREPARER_NAME for w in web_workers(server) for p in children(w))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("data-2e5")
    generate(2e5, directory)
    return directory


@pytest.mark.parametrize("http_server", ["granian", "gunicorn"])
def test_the_workers_share_the_store_the_master_loaded(tmp_path, generated, http_server) -> None:
    data = tmp_path / "data"
    shutil.copytree(generated, data)
    options = ("--workers", "2", "--data", str(data), "--server", http_server)
    # The documents are prepared meanwhile (about 24 000 resources: still at work when the
    # memory is read), by a process of their own: the workers do not read the store for it.
    env = {"ICTKG_VALIDATE_ON_START": "false", "ICTKG_PREPARE": "true", "TMPDIR": str(tmp_path)}
    with served(*options, base=BASE_IRI, env=env, log=tmp_path / "log") as server:
        wait_for(lambda: len(web_workers(server)) == 2, what="both workers")
        for _ in range(20):  # the count, asked of both workers: never counted again
            assert requests.get(server.root + "health", timeout=10).json()["triples"] > 2e5
        wait_for(lambda: preparing(server), what="a preparer at work")
        assert_one_copy(server.pid, web_workers(server))

        # A reload loads the new store in the master; the new workers share it.
        before = set(web_workers(server))
        (data / "extra.nt").write_text(
            f'<{BASE_IRI}id/city/extra> <http://www.w3.org/2000/01/rdf-schema#label> "Extra"@en .\n'
        )
        os.kill(server.pid, signal.SIGHUP)
        wait_for(
            lambda: len(web_workers(server)) == 2 and not before & set(web_workers(server)),
            seconds=60,
            what="two new workers",
        )
        wait_for(
            lambda: requests.get(server.root + "id/city/extra", timeout=10).status_code != 404,
            what="the new data served",
        )
        assert_one_copy(server.pid, web_workers(server))


def test_the_preparer_exits_when_the_documents_are_prepared(tmp_path) -> None:
    from fault_support import copy_faults_dataset

    dataset = copy_faults_dataset(tmp_path / "kg")
    env = {"ICTKG_PREPARE": "true", "TMPDIR": str(tmp_path)}
    with served("--workers", "2", dataset=dataset, env=env, log=tmp_path / "log") as server:
        wait_for(
            lambda: requests.get(server.root + "health", timeout=5).json()["prepared"]["done"],
            what="the documents prepared",
        )
        wait_for(lambda: not preparing(server), what="no preparer left")
        assert all(alive(w) for w in children(server.pid))
