"""The endpoint is read-only, calls nowhere, and bounds time, rows and sizes.

README, "Design decisions: safety"; SPARQL 1.1 Protocol §2.2 (the update operation, which this
endpoint does not offer) and §2.1.4 (dataset IRIs); SPARQL 1.1 Federated Query §3 (SERVICE).
Connections are checked with a real TCP listener on 127.0.0.1 that must see none; the time
limit with a real runaway query, on both stores.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SPARQL_CONFIG, SPARQL_FIXTURES, sparql_app_on
from fault_support import cpu_ticks, running_query, tcp_sockets
from support import wait_for

from server.store.embedded import Store
from server.store.safety import QueryRefused, check_query
from server.workers.query import Job, PoolBusy, QueryFailed, QueryPool, QueryTimeout

VOC = "https://example.org/sq/vocab#"
FORM = "application/x-www-form-urlencoded"
TRIPLES = 29
#: 29^6 solutions to count (23^6 in the data files alone): minutes of work, never materialized.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
)
TIMEOUT = 1.0


@pytest.fixture(scope="module", params=["embedded", "remote"])
def safe_app(request):
    limits = {"QUERY_TIMEOUT": TIMEOUT, "MAX_QUERY_LENGTH": 2000, "MAX_CONTENT_LENGTH": 4000}
    with sparql_app_on(request, **limits) as app:
        yield app


@pytest.fixture
def client(safe_app):
    return safe_app.test_client()


def triples(client) -> int:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "text/csv"},
    )
    return int(response.data.decode().splitlines()[1])


INSERT = f"INSERT DATA {{ <urn:x:s> <{VOC}p> 1 }}"
UPDATES = {
    # Protocol §2.2: update is its own operation; this endpoint has none (403).
    "2.2.1 update= via GET: 403": ({"query_string": {"update": INSERT}}, "GET", 403),
    "2.2.1 update= via URL-encoded POST: 403": ({"data": {"update": INSERT}}, "POST", 403),
    "2.2.2 application/sparql-update body: 403": (
        {"data": INSERT, "content_type": "application/sparql-update"},
        "POST",
        403,
    ),
    # An update is not a query: it fails to parse as one (Protocol §2.1.1: 400).
    "INSERT DATA in query=: 400": ({"query_string": {"query": INSERT}}, "GET", 400),
    "DELETE WHERE in a URL-encoded POST: 400": (
        {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
        "POST",
        400,
    ),
    "CLEAR ALL in a direct POST: 400": (
        {"data": "CLEAR ALL", "content_type": "application/sparql-query"},
        "POST",
        400,
    ),
    "DROP GRAPH in query=: 400": (
        {"query_string": {"query": f"DROP GRAPH <{SPARQL_CONFIG['BASE_IRI']}graph/data/people>"}},
        "GET",
        400,
    ),
    "query then update in one text: 400": (
        {"query_string": {"query": "ASK {} ; " + INSERT}},
        "GET",
        400,
    ),
}


@pytest.mark.parametrize(("kwargs", "method", "status"), UPDATES.values(), ids=UPDATES.keys())
def test_updates_are_refused_and_change_nothing(client, kwargs, method, status) -> None:
    response = client.open("/sparql", method=method, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert response.data.strip()
    assert triples(client) == TRIPLES
    ask = client.get("/sparql", query_string={"query": "ASK { <urn:x:s> ?p ?o }"})
    assert ask.json["boolean"] is False


def no_connection_rows(url: str) -> dict[str, tuple[dict, int]]:
    return {
        # SPARQL 1.1 Federated Query §3: refused before it runs (400).
        "SERVICE": ({"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"}, 400),
        "SERVICE SILENT, lower case": (
            {"query": f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}"},
            400,
        ),
        "SERVICE after a dot without space": (
            {"query": f"SELECT * WHERE {{ ?s ?p ?o .SERVICE <{url}> {{ ?s ?p ?o }} }}"},
            400,
        ),
        "SERVICE with a variable endpoint": (
            {"query": f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"},
            400,
        ),
        # SPARQL 1.1 Query §13.2: FROM / FROM NAMED name graphs of the store (empty here).
        "FROM": ({"query": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"}, 200),
        "FROM NAMED": (
            {"query": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            200,
        ),
        # Protocol §2.1.4: the same for the dataset parameters.
        "default-graph-uri": (
            {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": url},
            200,
        ),
        "named-graph-uri": (
            {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": url},
            200,
        ),
        # SPARQL 1.1 Update §3.1.4: LOAD is an update, never run.
        "LOAD in update=": ({"update": f"LOAD <{url}>"}, 403),
        "LOAD in query=": ({"query": f"LOAD <{url}>"}, 400),
    }


ROW_IDS = list(no_connection_rows("http://127.0.0.1:1/"))


@pytest.mark.parametrize("row", ROW_IDS)
def test_the_server_opens_no_connection(client, listener, row) -> None:
    args, status = no_connection_rows(listener.url)[row]
    response = client.get("/sparql", query_string=args)
    assert response.status_code == status, response.data
    if status == 200:
        assert response.json["results"]["bindings"] == []
    assert listener.received() == []


def test_the_listener_would_see_pyoxigraph_call_out(listener) -> None:
    """Why SERVICE is refused: this pyoxigraph build does fetch SERVICE endpoints."""
    store = ox.Store()
    with pytest.raises(ConnectionError):  # the listener hangs up without answering
        list(store.query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    received = listener.received()
    assert received
    assert received[0].startswith(b"POST ")


SERVICE_SCAN = {
    # (query, refused): the keyword is found as a token, never inside other tokens.
    "keyword": ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
    "keyword in lower case": ("select * { service <http://x/> { ?s ?p ?o } }", True),
    "keyword after a dot": ("SELECT * { ?s ?p ?o .SERVICE <http://x/> {} }", True),
    "keyword after a closing brace": ("SELECT * { {}SERVICE <http://x/> {} }", True),
    "keyword by codepoint escape (Query §19.2)": ("SELECT * { \\u0053ERVICE <x:> {} }", True),
    "keyword after a comment line": ("SELECT * { # note\nSERVICE <http://x/> {} }", True),
    "a variable named service": ("SELECT ?service { ?service ?p ?o }", False),
    "a $variable named service": ("SELECT $service { $service ?p ?o }", False),
    "a local name": ("PREFIX ex: <http://x/> SELECT * { ?s ex:service ?o }", False),
    "a prefix": ("PREFIX service: <http://x/> SELECT * { ?s service:p ?o }", False),
    "a string": ('SELECT * { ?s ?p "use SERVICE here" }', False),
    "a long string": ("SELECT * { ?s ?p '''a\nSERVICE <x:> {}''' }", False),
    "an IRI": ("SELECT * { ?s <http://x/SERVICE> ?o }", False),
    "a comment": ("SELECT * { ?s ?p ?o } # SERVICE <http://x/>", False),
    "a longer word": ("SELECT ?services { ?services ?p ?o }", False),
}


@pytest.mark.parametrize(("query", "refused"), SERVICE_SCAN.values(), ids=SERVICE_SCAN.keys())
def test_service_scan(query: str, refused: bool) -> None:
    if refused:
        with pytest.raises(QueryRefused):
            check_query(query)
    else:
        check_query(query)


def test_a_runaway_query_gets_503_and_its_worker_is_replaced(client, safe_app) -> None:
    pool = safe_app.extensions["ictkg.queries"]
    before = set(pool.pids)
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert b"time limit" in response.data
    assert len(pool.pids) == len(before)
    assert set(pool.pids) != before  # the runaway's worker was killed and replaced
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def start_runaway(pool: QueryPool, seconds: float, outcomes: list[type]) -> threading.Thread:
    """A thread running RUNAWAY on ``pool`` with a ``seconds`` limit (the type of its error
    goes to ``outcomes``), returned once a query worker is busy with it."""
    before = {pid: cpu_ticks(pid) for pid in pool.pids}

    def run_away() -> None:
        try:
            pool.run(Job(RUNAWAY), seconds)
        except (QueryTimeout, QueryFailed) as error:
            outcomes.append(type(error))

    thread = threading.Thread(target=run_away)
    thread.start()
    wait_for(lambda: running_query(pool.pids, before), what="a worker running the runaway")
    return thread


ASK = Job("ASK {}", results_type="application/sparql-results+json")


def test_one_runaway_query_does_not_stall_other_clients() -> None:
    """While one query worker runs a runaway query (its limit a minute away), a simple query
    is answered by the other: before the runaway ends, whatever the machine's speed."""
    pool = QueryPool(Store("https://example.org/sq/", [SPARQL_FIXTURES / "data"]), 2)
    outcomes: list[type] = []
    try:
        slow = start_runaway(pool, 60, outcomes)
        assert pool.run(ASK, 60).body == b'{"head":{},"boolean":true}'
        assert slow.is_alive()  # the runaway still runs
    finally:
        pool.close()  # ends the runaway's worker
    slow.join()
    assert outcomes == [QueryFailed]


def test_a_full_pool_answers_busy_within_the_limit() -> None:
    """The only worker is busy (the runaway's limit is seconds away): a job waits its own
    limit for a worker, then gets PoolBusy; the runaway then runs over (QueryTimeout), its
    worker is replaced and answers."""
    store = Store("https://example.org/sq/", [SPARQL_FIXTURES / "data"])
    pool = QueryPool(store, 1)
    outcomes: list[type] = []
    try:
        slow = start_runaway(pool, 3.0, outcomes)
        with pytest.raises(PoolBusy):
            pool.run(ASK, 0.3)
        slow.join()
        assert outcomes == [QueryTimeout]
        assert pool.run(ASK, 5.0).body == b'{"head":{},"boolean":true}'
    finally:
        pool.close()
    assert pool.pids == []


def test_a_long_query_gets_the_lower_priority_and_a_short_one_keeps_it() -> None:
    """Queries start at the web worker's priority (a normal mix competes for the CPU as the
    engine alone would); one that runs over ``NICE_AFTER`` gets ``QUERY_WORKER_NICE`` (the
    web workers come first) and its worker's replacement starts at the usual priority."""
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    pool = QueryPool(Store("https://example.org/sq/", [SPARQL_FIXTURES / "data"]), 1, nice=7)
    outcomes: list[type] = []
    try:
        [pid] = pool.pids
        assert pool.run(ASK, 5.0).body == b'{"head":{},"boolean":true}'
        assert os.getpriority(os.PRIO_PROCESS, pid) == ours
        slow = start_runaway(pool, 3.0, outcomes)
        wait_for(lambda: os.getpriority(os.PRIO_PROCESS, pid) == ours + 7, what="lowered")
        slow.join()
        assert outcomes == [QueryTimeout]
        [replacement] = pool.pids
        assert replacement != pid
        assert os.getpriority(os.PRIO_PROCESS, replacement) == ours
        assert pool.run(ASK, 5.0).body == b'{"head":{},"boolean":true}'
    finally:
        pool.close()


def descriptor_kinds(pid: int) -> list[str]:
    """What each open descriptor of a process is: ``socket``, ``pipe``, or a file's path."""
    return [os.readlink(fd).split(":")[0] for fd in Path(f"/proc/{pid}/fd").iterdir()]


def test_query_workers_hold_no_inherited_socket() -> None:
    """A query worker holds its own pipe and nothing else that is not a file: not the
    listening socket, not a client's connection, not another worker's pipe (issue 15)."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        pool = QueryPool(Store("https://example.org/sq/", [SPARQL_FIXTURES / "data"]), 2)
        try:
            for pid in pool.pids:
                # A worker closes the spawner's ends first thing after its fork: wait for that.
                wait_for(lambda p=pid: descriptor_kinds(p).count("socket") == 1, what="settled")
                kinds = descriptor_kinds(pid)
                assert kinds.count("socket") == 1, kinds  # its pipe
                assert "pipe" not in kinds, kinds
                assert "anon_inode" not in kinds, kinds
                assert tcp_sockets(pid) == set()
        finally:
            pool.close()


LIMITS = {
    # RFC 9110 §15.5.14 / §15.5.15: request bodies and URIs are bounded.
    "413 a body over MAX_CONTENT_LENGTH": (
        "POST",
        {"data": "ASK {}" + " " * 5000, "content_type": "application/sparql-query"},
        413,
    ),
    "413 a query over MAX_QUERY_LENGTH in a POST": (
        "POST",
        {"data": {"query": "ASK {}" + " " * 2500}, "content_type": FORM},
        413,
    ),
    "414 a query over MAX_QUERY_LENGTH in a GET": (
        "GET",
        {"query_string": {"query": "ASK {}" + " " * 2500}},
        414,
    ),
}


@pytest.mark.parametrize(("method", "kwargs", "status"), LIMITS.values(), ids=LIMITS.keys())
def test_request_sizes_are_bounded(client, method, kwargs, status) -> None:
    assert client.open("/sparql", method=method, **kwargs).status_code == status


def test_a_worker_that_made_the_store_its_own_is_replaced_after_its_answer() -> None:
    """A query that reads the whole in-memory store makes its pages the worker's own: past
    ``memory`` bytes the worker is replaced after the answer, which the client gets whole;
    under the bound, the same worker takes the next query."""
    store = Store("https://example.org/sq/", [SPARQL_FIXTURES / "data"])
    scan = Job(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c }",
        results_type="application/sparql-results+json",
    )
    bounded = QueryPool(store, 1, memory=1)
    roomy = QueryPool(store, 1, memory=1024 * 1024 * 1024)
    try:
        for pool, replaced in ((bounded, True), (roomy, False)):
            [before] = pool.pids
            answer = pool.run(scan, 10.0)
            assert b'"n"' in answer.body
            [after] = pool.pids
            assert (after != before) is replaced
            assert pool.run(ASK, 5.0).body == b'{"head":{},"boolean":true}'
    finally:
        bounded.close()
        roomy.close()
