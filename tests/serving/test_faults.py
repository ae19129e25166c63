"""The server survives faults: bad reloads, a store that goes away, a worker killed mid-request.

Issue 6, "Faults". Everything runs for real: ``ictkg serve`` (granian; gunicorn where named) on the
fault fixture (``tests/fixtures/faults/``, copied so the test can change it), clients hammering
it from threads while the fault happens, and a real ``oxigraph serve`` killed and restarted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest
import requests
from conftest import Oxigraph
from fault_support import (
    FAULTS,
    FAULTS_BASE,
    Served,
    alive,
    copy_faults_dataset,
    cpu_ticks,
    port_is_free,
    query_workers,
    running_query,
    served,
    tcp_sockets,
)
from support import wait_for

FT = FAULTS_BASE + "ontology#"
EDITIONS = (
    f"SELECT ?one ?two WHERE {{ <{FAULTS_BASE}id/item/one> <{FT}edition> ?one . "
    f"<{FAULTS_BASE}id/item/two> <{FT}edition> ?two }}"
)
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r . ?s ?t ?u }"
)


def retrying_session() -> requests.Session:
    """A client that retries an idempotent request once when the server closed the connection.

    A server may close an idle connection at any time, and a client may then retry an idempotent
    request automatically (RFC 9112 §9.3, §9.3.1), as browsers do: a worker that stops after a
    reload closes the connections it holds that have no request in progress, and a request sent
    on one of them at that moment is retried on a new connection.
    """
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    session = requests.Session()
    retry = Retry(total=1, connect=0, read=1, status=0, other=0, allowed_methods={"GET"})
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def editions(root: str, session: requests.Session | None = None) -> tuple[str, str]:
    """(edition of item one, edition of item two) as one SPARQL query sees them."""
    with retrying_session() as fresh:
        response = (session or fresh).get(
            root + "sparql", params={"query": EDITIONS}, headers={"Accept": "text/csv"}, timeout=10
        )
    response.raise_for_status()
    one, two = response.text.splitlines()[1].split(",")
    return one, two


def etag(root: str) -> str:
    with retrying_session() as session:
        response = session.get(root + "doc/item/one.ttl", timeout=10)
    response.raise_for_status()
    return response.headers["ETag"]


class Hammer:
    """Clients asking for both editions in one query, and a document, until stopped."""

    def __init__(self, root: str, clients: int = 4) -> None:
        self.root = root
        self.seen: Counter[tuple[str, str]] = Counter()
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def __enter__(self) -> Hammer:
        for thread in self._threads:
            thread.start()
        return self

    def _run(self) -> None:
        with retrying_session() as session:
            while not self._stop.is_set():
                try:
                    response = session.get(
                        self.root + "sparql",
                        params={"query": EDITIONS},
                        headers={"Accept": "text/csv"},
                        timeout=10,
                    )
                    self.statuses[response.status_code] += 1
                    if response.ok:
                        self.seen[tuple(response.text.splitlines()[1].split(","))] += 1
                    document = session.get(self.root + "doc/item/two.ttl", timeout=10)
                    self.statuses[document.status_code] += 1
                except requests.RequestException as error:
                    self.failures.append(repr(error))

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def answers(root: str) -> bool:
    try:
        return requests.get(root + "health", timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def refusals(log: str) -> int:
    return log.count("still serving dataset version")


def test_watch_refuses_bad_data_then_switches_atomically(tmp_path) -> None:
    """--watch: a broken or non-conforming change is refused and logged at file:line while
    every request keeps succeeding on the last good data and no worker is replaced; a good change
    replaces every worker (no response mixes editions) and changes the ETags."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    data = dataset / "data"
    env = {"ICTKG_RELOAD_WATCH_INTERVAL": "0.2"}
    options = ("--watch", "--workers", "2", "--threads", "4")
    with served(*options, dataset=dataset, env=env, log=tmp_path / "log") as server:
        root = server.root
        before = etag(root)
        workers = server.workers()
        with Hammer(root) as hammer:
            wait_for(lambda: sum(hammer.seen.values()) >= 4, what="the clients' first answers")
            shutil.copy(FAULTS / "broken" / "b.ttl", data / "b.ttl")
            wait_for(lambda: refusals(server.log_text()) == 1, what="the first refusal")
            assert f"{data / 'b.ttl'}:7:" in server.log_text() or "b.ttl:7:" in server.log_text()
            assert editions(root) == ("1", "1")
            shutil.copy(FAULTS / "nonconforming" / "b.ttl", data / "b.ttl")
            wait_for(lambda: refusals(server.log_text()) == 2, what="the second refusal")
            assert "b.ttl:5: Violation" in server.log_text()
            assert "An item needs a label." in server.log_text()
            assert editions(root) == ("1", "1")
            assert etag(root) == before
            # Item one first: until item two follows, the data does not conform (refused).
            shutil.copy(FAULTS / "v2" / "a.ttl", data / "a.ttl")
            wait_for(lambda: refusals(server.log_text()) == 3, what="the half change refused")
            assert server.workers() == workers
            shutil.copy(FAULTS / "v2" / "b.ttl", data / "b.ttl")
            wait_for(lambda: editions(root) == ("2", "2"), what="edition 2")
            # Requests go on while the old workers stop, one at a time.
            wait_for(lambda: not set(server.workers()) & set(workers), what="old workers gone")
            seen = sum(hammer.seen.values())
            wait_for(lambda: sum(hammer.seen.values()) >= seen + 4, what="answers after")
        assert etag(root) != before
    log = server.log_text()
    assert "reload: switching to dataset version" in log
    assert "ictkg-data-" not in log.split("reload refused")[1]  # the source path, not the copy
    assert hammer.failures == []
    assert set(hammer.statuses) == {200}
    assert set(hammer.seen) == {("1", "1"), ("2", "2")}, hammer.seen
    assert sum(hammer.seen.values()) > 20


#: Both HTTP servers ``ictkg serve`` runs: granian (the default) and gunicorn.
SERVERS = ("granian", "gunicorn")


@pytest.mark.parametrize("http_server", SERVERS)
def test_sighup_reloads_only_good_data(tmp_path, http_server) -> None:
    """SIGHUP without --watch: unchanged data is a no-op, bad data is refused, good data loads."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    options = ("--workers", "1", "--server", http_server)
    with served(*options, dataset=dataset, log=tmp_path / "log") as server:
        workers = server.workers()
        os.kill(server.pid, signal.SIGHUP)
        wait_for(lambda: "the data did not change" in server.log_text(), what="no-op")
        assert server.workers() == workers
        shutil.copy(FAULTS / "broken" / "b.ttl", dataset / "data" / "b.ttl")
        os.kill(server.pid, signal.SIGHUP)
        wait_for(lambda: refusals(server.log_text()) == 1, what="the refusal")
        assert server.workers() == workers
        assert editions(server.root) == ("1", "1")
        for name in ("a.ttl", "b.ttl"):
            shutil.copy(FAULTS / "v2" / name, dataset / "data" / name)
        os.kill(server.pid, signal.SIGHUP)
        wait_for(lambda: editions(server.root) == ("2", "2"), what="edition 2")
        wait_for(lambda: not set(server.workers()) & set(workers), what="old workers gone")


def test_the_remote_store_going_down_and_coming_back(tmp_path) -> None:
    """503 with Retry-After while oxigraph is down, full service after, nothing restarted."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    store = Oxigraph(tmp_path / "oxigraph", [dataset / "ontology", dataset / "data"], FAULTS_BASE)
    store.start()
    try:
        options = ("--workers", "1", "--sparql-endpoint", store.endpoint)
        with served(*options, dataset=dataset, log=tmp_path / "log") as server:
            root = server.root
            assert editions(root) == ("1", "1")
            assert requests.get(root + "doc/item/one.ttl", timeout=10).status_code == 200
            store.kill()
            for path, params in (
                ("sparql", {"query": EDITIONS}),
                ("doc/item/two.ttl", {}),
                ("id/item/two", {}),
                ("health", {}),
            ):
                response = requests.get(root + path, params=params, timeout=20)
                assert response.status_code == 503, (path, response.text)
                assert response.headers["Retry-After"]
                assert "Traceback" not in response.text
            store.start()
            wait_for(lambda: requests.get(root + "health", timeout=10).ok, what="recovery")
            assert editions(root) == ("1", "1")
            assert requests.get(root + "doc/item/two.ttl", timeout=10).status_code == 200
    finally:
        store.kill()


def start_runaway(server: Served, seconds: float) -> threading.Thread:
    """A client sending a runaway query (its answer, or error, ignored), returned once one of
    the server's query workers is busy running it."""
    pids = query_workers(server.pid)
    assert pids, "the server has query workers"
    before = {pid: cpu_ticks(pid) for pid in pids}

    def runaway() -> None:
        with contextlib.suppress(requests.RequestException):  # the server may go away
            requests.get(server.root + "sparql", params={"query": RUNAWAY}, timeout=seconds)

    client = threading.Thread(target=runaway)
    client.start()
    wait_for(lambda: running_query(pids, before), what="a query worker running the query")
    return client


@pytest.mark.parametrize("http_server", SERVERS)
def test_a_worker_killed_mid_request_is_replaced(tmp_path, http_server) -> None:
    """SIGKILL to the web worker while its query runs: the client gets an error; the server
    starts a new worker, the next requests succeed, and the killed worker's query processes
    do not outlive it."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    options = ("--workers", "1", "--threads", "2", "--query-timeout", "30")
    options += ("--server", http_server)
    with served(*options, dataset=dataset, log=tmp_path / "log") as server:
        [worker] = server.workers()
        old = query_workers(server.pid)
        outcome: list[object] = []
        pids = list(old)
        before = {pid: cpu_ticks(pid) for pid in pids}

        def slow() -> None:
            try:
                outcome.append(
                    requests.get(server.root + "sparql", params={"query": RUNAWAY}, timeout=30)
                )
            except requests.RequestException as error:
                outcome.append(error)

        client = threading.Thread(target=slow)
        client.start()
        wait_for(lambda: running_query(pids, before), what="a query worker running the query")
        os.kill(worker, signal.SIGKILL)
        client.join()
        [result] = outcome
        assert isinstance(result, requests.ConnectionError), result  # its connection died with it
        wait_for(lambda: server.workers() not in ([], [worker]), what="a new worker")
        # granian's workers listen on sockets of their own (README, "Reloading"): the new one
        # answers once it has loaded the data and opened its socket.
        wait_for(lambda: answers(server.root), what="the new worker answering")
        wait_for(lambda: not any(alive(p) for p in old), what="old query workers gone")
        with requests.Session() as session:
            for _ in range(10):
                assert editions(server.root, session) == ("1", "1")
        assert "Traceback" not in server.log_text()


@pytest.mark.parametrize("http_server", SERVERS)
def test_no_query_worker_outlives_the_server(tmp_path, http_server) -> None:
    """A query worker busy with a runaway query when the server is stopped (SIGTERM to the
    master, as systemd and the tests stop it) is ended with it, not left running."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    options = ("--workers", "1", "--query-timeout", "60", "--server", http_server)
    # The busy worker is killed after GRACEFUL_TIMEOUT: one second here, not the default ten.
    env = {"ICTKG_GRACEFUL_TIMEOUT": "1"}
    with served(*options, dataset=dataset, env=env, log=tmp_path / "log") as server:
        pids = query_workers(server.pid)
        client = start_runaway(server, 60)
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        client.join()
    wait_for(lambda: not any(alive(p) for p in pids), what="query workers gone")


@pytest.mark.parametrize("http_server", SERVERS)
def test_killing_the_master_mid_query_frees_the_port(tmp_path, http_server) -> None:
    """SIGKILL to the master and its web workers while a query runs (no handler of ours runs):
    no query worker holds a TCP socket, none survives, the port is free at once, and a new
    server starts on it. Before, an orphaned query worker kept the inherited listening socket:
    the port stayed taken and a restart failed with "address already in use"."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    options = ("--workers", "2", "--threads", "2", "--query-timeout", "60")
    options += ("--server", http_server)
    # Killed, the master cannot remove its copy of the data: it goes with tmp_path.
    env = {"TMPDIR": str(tmp_path)}
    with served(*options, dataset=dataset, env=env, log=tmp_path / "log") as server:
        port = int(server.root.rsplit(":", 1)[1].strip("/"))
        # Per web worker: its spawner and two query workers, once both workers are up (the
        # server answers as soon as one of them is).
        wait_for(lambda: len(query_workers(server.pid)) >= 2 * 2, what="both workers' processes")
        pids = query_workers(server.pid)
        assert {pid: tcp_sockets(pid) for pid in pids} == {pid: set() for pid in pids}
        client = start_runaway(server, 60)
        for pid in [server.pid, *server.workers()]:
            os.kill(pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        client.join()
        wait_for(lambda: not any(alive(p) for p in pids), what="no ictkg-query left")
        wait_for(lambda: port_is_free(port), what=f"port {port} free")
    with served(*options, dataset=dataset, log=tmp_path / "log2", port=port) as again:
        assert editions(again.root) == ("1", "1")


def test_no_snapshot_outlives_the_server(tmp_path) -> None:
    """The master serves a checked copy of the data and removes it when it stops."""
    dataset = copy_faults_dataset(tmp_path / "kg")
    with served("--workers", "1", dataset=dataset, log=tmp_path / "log") as server:
        line = next(x for x in server.log_text().splitlines() if "checked copy" in x)
        copy = Path(line.rsplit(" ", 1)[1])
        assert (copy / "1" / "1" / "data" / "a.ttl").read_bytes() == (
            dataset / "data" / "a.ttl"
        ).read_bytes()
    assert not copy.exists()


def snapshot_config(dataset: Path, validate: bool) -> dict[str, object]:
    """The settings :class:`~server.serving.reload.Snapshots` reads, for a copied dataset."""
    return {
        "BASE_IRI": FAULTS_BASE,
        "VALIDATE_ON_START": validate,
        **{f"{n.upper()}_DIR": str(dataset / n) for n in ("ontology", "data", "shapes")},
    }


class Lines:
    """A log that keeps its lines (the master logs through the HTTP server's logger)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, msg: str, *args: object) -> None:
        self.lines.append(msg % args)

    error = info


def nothing(data: Path) -> None:
    pass


REFUSALS = {
    # (change to data/, words of the problem line): README (Design decisions), "a data file that
    # does not parse or does not validate never replaces data being served".
    "Turtle that does not parse (RDF 1.1 Turtle §6.5 grammar)": (
        lambda data: shutil.copy(FAULTS / "broken" / "b.ttl", data / "b.ttl"),
        ["b.ttl:7:", "Unexpected end of file"],
    ),
    "data that does not conform (SHACL §2.1.2 focus node without a label)": (
        lambda data: shutil.copy(FAULTS / "nonconforming" / "b.ttl", data / "b.ttl"),
        ["b.ttl:5: Violation", "An item needs a label."],
    ),
    "a misspelt ontology namespace (issue 12: named at its @prefix line)": (
        lambda data: shutil.copy(FAULTS / "namespace-typo" / "b.ttl", data / "b.ttl"),
        ["b.ttl:2:1: Violation: likely typo: prefix ft: <https://example.org/ft/ontolgy#>"],
    ),
    "an impossible date (issue 12: named at the literal)": (
        lambda data: shutil.copy(FAULTS / "ill-typed" / "b.ttl", data / "b.ttl"),
        ['b.ttl:7:45: Violation: "2009-02-30" is not a valid xsd:date'],
    ),
    "no data files left": (
        lambda data: [f.unlink() for f in data.glob("*.ttl")],
        ["data: no RDF files"],
    ),
    "a data file that cannot be read (a dangling link)": (
        lambda data: (data / "c.ttl").symlink_to(data / "gone.ttl"),
        ["c.ttl", "No such file"],
    ),
}


@pytest.mark.parametrize(("change", "words"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_snapshot_is_refused_with_file_and_line(tmp_path, change, words) -> None:
    from server.serving.reload import Snapshots

    dataset = copy_faults_dataset(tmp_path / "kg")
    config = snapshot_config(dataset, validate=True)
    log = Lines()
    snapshots = Snapshots(config, log)
    try:
        first = snapshots.take()
        change(dataset / "data")
        assert snapshots.reload() is None
        assert snapshots.current == first
        assert first.root.exists()
        refused = [line for line in log.lines if line.startswith("reload refused: ")]
        assert len(refused) >= 2  # each problem, then the summary
        for word in words:
            assert word in refused[0], refused
        assert str(snapshots.home) not in refused[0]  # the source file, not the copy
        assert len(list(snapshots.home.iterdir())) == 1  # the refused copy is gone
    finally:
        snapshots.close()
    assert not snapshots.home.exists()


def test_an_accepted_snapshot_changes_the_version_and_unchanged_data_does_not(tmp_path) -> None:
    from server.serving.reload import Snapshots

    dataset = copy_faults_dataset(tmp_path / "kg")
    config = snapshot_config(dataset, validate=True)
    snapshots = Snapshots(config, Lines())
    try:
        first = snapshots.take()
        assert snapshots.reload() is None  # nothing changed
        for name in ("a.ttl", "b.ttl"):
            shutil.copy(FAULTS / "v2" / name, dataset / "data" / name)
        second = snapshots.reload()
        assert second is not None
        assert second.version != first.version
        assert Path(second.overrides()["DATA_DIR"]).name == "data"  # same named graphs
        assert (Path(second.overrides()["DATA_DIR"]) / "a.ttl").read_text() == (
            FAULTS / "v2" / "a.ttl"
        ).read_text()
    finally:
        snapshots.close()


def test_a_snapshot_whose_store_cannot_be_loaded_is_forgotten(tmp_path) -> None:
    """Checked, but its store could not be loaded in the master (no memory): the copy is
    removed, the reason logged, and the next reload compares with the data still served."""
    from server.serving.reload import Snapshots

    dataset = copy_faults_dataset(tmp_path / "kg")
    config = snapshot_config(dataset, validate=False)
    log = Lines()
    snapshots = Snapshots(config, log)
    try:
        served = snapshots.take()
        for name in ("a.ttl", "b.ttl"):
            shutil.copy(FAULTS / "v2" / name, dataset / "data" / name)
        unloadable = snapshots.reload()
        assert unloadable is not None
        snapshots.refuse(unloadable, "the data cannot be loaded: MemoryError()")
        assert not unloadable.root.exists()
        assert snapshots.current == served
        assert log.lines[-2:] == [
            "reload refused: the data cannot be loaded: MemoryError()",
            f"reload refused: still serving dataset version {served.version[:12]}",
        ]
        again = snapshots.reload()  # the same new data, tried again: not "unchanged"
        assert again is not None
        assert again.version == unloadable.version
    finally:
        snapshots.close()
