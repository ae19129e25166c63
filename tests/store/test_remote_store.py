"""The remote store against a real ``oxigraph serve`` on 127.0.0.1: same answers, 503 when down.

SPARQL 1.1 Protocol §2.1.2 (the request it sends) and §2.1.4 (the dataset it states); the
answers come back as pyoxigraph objects (Query Results XML or JSON, parsed by pyoxigraph).
"""

from __future__ import annotations

import gc
import gzip
import logging
import os
import shutil
import signal
from urllib.parse import quote_plus

import pyoxigraph as ox
import pytest
from conftest import SPARQL_BASE, SPARQL_CONFIG, SPARQL_FIXTURES, Oxigraph, free_port
from engines import HoldingRelay, OxigraphServer
from support import wait_for

from server import create_app
from server.store import remote as remote_module
from server.store.base import StoreUnavailable
from server.store.embedded import Store, graph_files
from server.store.remote import (
    ACCEPT_GRAPH,
    ACCEPT_RESULTS,
    CONNECTIONS,
    RemoteStore,
    ask_answer,
    parse_answer,
    spoke_unasked,
)

DIRS = [SPARQL_FIXTURES / "ontology", SPARQL_FIXTURES / "data"]

#: Blank node labels differ between stores; the triples without them must not.
NO_BNODES = "FILTER(!isBlank(?s) && !isBlank(?o))"
SAME_ANSWERS = {
    "SELECT": f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o {NO_BNODES} }} ORDER BY ?s ?p ?o",
    "SELECT over GRAPH": (
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    ),
    "SELECT with FROM": (
        "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s".replace(
            "WHERE", f"FROM <{SPARQL_BASE}graph/data/places> WHERE"
        )
    ),
    "ASK": "ASK { ?s ?p ?o }",
}


@pytest.mark.parametrize("query", SAME_ANSWERS.values(), ids=SAME_ANSWERS.keys())
def test_the_remote_store_answers_like_the_embedded_one(oxigraph, query) -> None:
    remote = RemoteStore(oxigraph.endpoint, SPARQL_BASE)
    embedded = Store(SPARQL_BASE, DIRS)
    ours, theirs = embedded.query(query), remote.query(query)
    assert type(ours) is type(theirs)
    if isinstance(ours, ox.QueryBoolean):
        assert bool(ours) == bool(theirs)
    else:
        assert [str(row) for row in ours] == [str(row) for row in theirs]


def test_construct_comes_back_as_triples(oxigraph) -> None:
    remote = RemoteStore(oxigraph.endpoint, SPARQL_BASE)
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o {NO_BNODES} }}"
    triples = set(remote.query(query))
    assert len(triples) == 27
    assert triples == set(Store(SPARQL_BASE, DIRS).query(query))
    assert all(isinstance(t, ox.Triple) for t in triples)


def test_graphs_size_and_version(oxigraph) -> None:
    remote = RemoteStore(oxigraph.endpoint, SPARQL_BASE)
    assert set(remote.graphs) == set(Store(SPARQL_BASE, DIRS).graphs)
    assert len(remote) == 29
    assert remote.version == RemoteStore(oxigraph.endpoint, SPARQL_BASE).version
    assert remote.kind == "remote"


def test_a_malformed_query_is_a_syntax_error_with_the_remote_message(oxigraph) -> None:
    with pytest.raises(SyntaxError, match="error"):
        RemoteStore(oxigraph.endpoint, SPARQL_BASE).query("SELECT ?x WHERE {")


def test_an_unreachable_store_is_unavailable() -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", SPARQL_BASE, timeout=2)
    with pytest.raises(StoreUnavailable):
        store.query("ASK {}")
    with pytest.raises(StoreUnavailable):
        len(store)


def test_the_server_answers_503_while_the_store_is_down_and_recovers(tmp_path) -> None:
    """Kill the remote store, then start it again: 503 meanwhile, 200 after, no restart."""
    store = Oxigraph(tmp_path / "db", DIRS)
    store.start()
    app = create_app({**SPARQL_CONFIG, "SPARQL_ENDPOINT": store.endpoint})
    client = app.test_client()
    query = {"query": "ASK { ?s ?p ?o }"}
    try:
        assert client.get("/sparql", query_string=query).status_code == 200
        assert client.get("/health").status_code == 200
        store.kill()
        query = {"query": "ASK { ?s a ?type }"}  # not an answer the server may have kept
        for path, args in (("/sparql", query), ("/health", {}), ("/sparql", {})):
            response = client.get(path, query_string=args)
            assert response.status_code == 503, path
            assert response.headers["Retry-After"]
            assert b"Traceback" not in response.data
            assert str(store.port).encode() not in response.data
        store.start()
        wait_for(lambda: client.get("/health").status_code == 200, what="the store back")
        assert client.get("/sparql", query_string=query).json["boolean"] is True
        assert client.get("/health").json["triples"] == 29
    finally:
        store.kill()
        app.extensions["ictkg.queries"].close()


def frozen(store: Oxigraph):
    """The engine stopped in its tracks (SIGSTOP): connections are accepted, nothing answers."""
    os.kill(store.process.pid, signal.SIGSTOP)
    return store


def test_a_frozen_store_gives_an_honest_503_within_the_remote_timeout(tmp_path) -> None:
    """SIGSTOP the engine: every page answers 503 with Retry-After once REMOTE_TIMEOUT has
    passed, names the wait but not the internal endpoint, and /sparql does not blame the query;
    SIGCONT: service again, nothing restarted."""
    store = Oxigraph(tmp_path / "db", DIRS)
    store.start()
    config = {**SPARQL_CONFIG, "SPARQL_ENDPOINT": store.endpoint, "REMOTE_TIMEOUT": 1}
    config["QUERY_TIMEOUT"] = 1
    app = create_app(config)
    client = app.test_client()
    try:
        # Before and after the freeze, a busy machine may take longer than the 1 s timeout for
        # one answer: wait for service, and check what the freeze gives.
        wait_for(lambda: client.get("/health").status_code == 200, what="the store answering")
        frozen(store)
        query = {"query": "ASK { ?s a ?type }"}
        for path, args in (("/health", {}), ("/", {}), ("/sparql", query), ("/query", query)):
            response = client.get(path, query_string=args)
            assert response.status_code == 503, (path, response.data)
            text = response.get_data(as_text=True)
            assert "did not answer in 1 s" in text, (path, text)
            assert str(store.port) not in text, (path, text)
            assert "127.0.0.1" not in text, (path, text)
            assert "narrow" not in text.lower(), (path, text)
            if path != "/query":  # the query page shows the error on the page itself
                assert response.headers["Retry-After"]
        os.kill(store.process.pid, signal.SIGCONT)
        wait_for(lambda: client.get("/health").status_code == 200, what="service again")
        wait_for(
            lambda: (client.get("/sparql", query_string=query).json or {}).get("boolean") is True,
            what="queries answered again",
        )
    finally:
        os.kill(store.process.pid, signal.SIGCONT)
        store.kill()
        app.extensions["ictkg.queries"].close()


def test_a_busy_store_is_waited_for_beyond_the_timeout(oxigraph) -> None:
    """The dump's query answered after REMOTE_TIMEOUT by an engine that answers ``ASK {}``
    meanwhile: the front waits for it (up to ``busy_timeout``) and serves the same dump as the
    embedded store, where it used to answer 503 (Virtuoso at 1e5: /dumps/dataset.trig,
    /.well-known/void)."""
    quads = quote_plus("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g").encode()
    relay = HoldingRelay(oxigraph.endpoint, quads)
    remote = create_app({**SPARQL_CONFIG, "SPARQL_ENDPOINT": relay.url, "REMOTE_TIMEOUT": 2})
    embedded = create_app(SPARQL_CONFIG)
    try:
        got = remote.test_client().get("/dumps/dataset.nq.gz")
        assert got.status_code == 200, got.data
        assert (relay.held, relay.released) == (1, 1)
        expected = embedded.test_client().get("/dumps/dataset.nq.gz")
        parsed = [
            {
                str(q)
                for q in ox.parse(gzip.decompress(r.data), ox.RdfFormat.N_QUADS)
                if not isinstance(q.subject, ox.BlankNode)
                and not isinstance(q.object, ox.BlankNode)
            }
            for r in (got, expected)
        ]
        assert parsed[0] == parsed[1]
        assert len(gzip.decompress(got.data).splitlines()) == len(
            gzip.decompress(expected.data).splitlines()
        )
    finally:
        relay.close()
        for app in (remote, embedded):
            app.extensions["ictkg.queries"].close()


def test_a_stopped_store_is_named_without_its_address(tmp_path) -> None:
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", SPARQL_BASE, timeout=2)
    with pytest.raises(StoreUnavailable) as raised:
        store.check()
    assert str(raised.value) == "the store cannot be reached"


def test_metadata_is_read_off_the_request_path(tmp_path) -> None:
    """Graph names, size and version come from what the refresher last read: with the engine
    frozen they answer at once, while a query waits for the timeout and fails."""
    store = Oxigraph(tmp_path / "db", DIRS)
    store.start()
    remote = RemoteStore(store.endpoint, SPARQL_BASE, timeout=1, refresh_interval=0.05)
    try:
        version, graphs = remote.version, remote.graphs
        frozen(store)
        assert (remote.version, remote.graphs, len(remote)) == (version, graphs, 29)
        with pytest.raises(StoreUnavailable, match="did not answer in 1 s"):
            remote.query("ASK { ?s ?p ?o }")
    finally:
        os.kill(store.process.pid, signal.SIGCONT)
        store.kill()


def test_a_connection_the_engine_timed_out_is_not_reused(tmp_path) -> None:
    """``oxigraph serve`` times out a connection idle for 60 s (1 s here) by writing a ``500``
    on it and closing it. A query worker that was idle that long must not read that ``500`` as
    the answer to its next query (the conformance suite's 503 under load)."""
    engine = OxigraphServer(tmp_path, "--timeout-s", "1")
    engine.start()
    remote = RemoteStore(engine.endpoint, SPARQL_BASE, keep_alive=True)
    key = ("http", "127.0.0.1", engine.port)
    try:
        assert bool(remote.query("ASK {}"))
        kept = CONNECTIONS.held(key)
        assert kept is not None
        wait_for(lambda: spoke_unasked(kept.sock), what="oxigraph to time the connection out")
        assert bool(remote.query("ASK {}"))
        assert CONNECTIONS.held(key) is not kept
    finally:
        engine.stop()


def test_a_connection_idle_too_long_is_not_reused(oxigraph, monkeypatch) -> None:
    remote = RemoteStore(oxigraph.endpoint, SPARQL_BASE, keep_alive=True)
    key = ("http", "127.0.0.1", oxigraph.port)
    monkeypatch.setattr(remote_module, "KEEP_IDLE_SECONDS", 3600.0)  # however busy the machine
    assert bool(remote.query("ASK {}"))
    kept = CONNECTIONS.held(key)
    assert bool(remote.query("ASK {}"))
    assert CONNECTIONS.held(key) is kept  # reused at once
    monkeypatch.setattr(remote_module, "KEEP_IDLE_SECONDS", 0.0)
    assert bool(remote.query("ASK {}"))
    assert CONNECTIONS.held(key) is not kept
    assert kept.sock.fileno() == -1  # closed, not left to the garbage collector


def test_the_refresher_says_once_that_the_store_is_down_and_once_that_it_answers_again(
    tmp_path, caplog
) -> None:
    """Every process of the server has a refresher; while the engine is down, each says so
    once (with the cause), not at every attempt, and says when the engine is back."""
    caplog.set_level(logging.DEBUG, logger="ictkg.store")
    gc.collect()  # earlier tests' stores: their refreshers end instead of logging beside ours
    store = Oxigraph(tmp_path / "db", DIRS)
    store.start()
    remote = RemoteStore(store.endpoint, SPARQL_BASE, timeout=2, refresh_interval=0.05)

    def said(level: int, text: str) -> list[str]:
        """What was logged of this engine (refreshers of earlier tests' stores may still run)."""
        return [
            r.getMessage()
            for r in list(caplog.records)
            if r.name == "ictkg.store"
            and r.levelno == level
            and store.endpoint in r.getMessage()
            and text in r.getMessage()
        ]

    try:
        version = remote.version  # read now; the refresher starts
        store.kill()
        wait_for(
            lambda: len(said(logging.DEBUG, "is unreachable")) >= 3,
            what="the refresher to fail three more times",
        )
        down = said(logging.WARNING, "")
        assert len(down) == 2, down
        # The cause: refused, or reset when the engine died during the refresher's request.
        assert f"store {store.endpoint} is unreachable: [Errno " in down[0]
        assert "the metadata cannot be read; requests use what was read last" in down[1]
        assert remote.version == version
        store.start()
        back = f"store {store.endpoint} answers again"
        wait_for(lambda: back in said(logging.WARNING, back), what="the store back in the log")
        assert said(logging.WARNING, "") == [*down, back]
    finally:
        store.kill()


def test_the_refresher_sees_a_new_load_without_a_request(oxigraph_server, tmp_path) -> None:
    base = "https://example.org/refresh/"
    remote = RemoteStore(oxigraph_server.endpoint, base, refresh_interval=0.05)
    assert remote.graphs == {}  # nothing loaded under this base yet
    data = tmp_path / "data"
    shutil.copytree(SPARQL_FIXTURES / "data", data)
    options = ["--base-iri", base, "--ontology", str(SPARQL_FIXTURES / "ontology")]
    assert oxigraph_server.load(*options, "--data", str(data)).returncode == 0
    wait_for(lambda: len(remote.graphs) == 3, what="the refresher to read the new graphs")
    assert set(remote.graphs) == set(graph_files(base, [SPARQL_FIXTURES / "ontology", data]))


def test_only_the_dataset_graphs_are_listed(oxigraph_server, tmp_path) -> None:
    """Graphs outside ``{base}graph/`` (an engine's own, another dataset's) are never listed."""
    base = "https://example.org/only/"
    options = ["--base-iri", base, "--ontology", str(SPARQL_FIXTURES / "ontology")]
    assert oxigraph_server.load(*options, "--data", str(SPARQL_FIXTURES / "data")).returncode == 0
    remote = RemoteStore(oxigraph_server.endpoint, base)
    assert set(remote.graphs) == set(graph_files(base, DIRS))
    rows = remote.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {row["g"].value for row in rows} == set(remote.graphs)


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        ("SELECT * { ?s ?p ?o }", ACCEPT_RESULTS),
        ("PREFIX ask: <urn:x:> # CONSTRUCT\n ASK { ?s ?p ?o }", ACCEPT_RESULTS),
        ("BASE <urn:x:> PREFIX select: <urn:y:> CONSTRUCT WHERE { ?s ?p ?o }", ACCEPT_GRAPH),
        ("describe <urn:x:a>", ACCEPT_GRAPH),
    ],
    ids=["select", "ask", "construct", "describe"],
)
def test_accept_follows_the_query_form(listener, query, accept) -> None:
    """SPARQL 1.1 Protocol §2.1: the Accept header the engine gets suits the query's form."""
    store = RemoteStore(listener.url, SPARQL_BASE, timeout=2)
    with pytest.raises(StoreUnavailable):
        store._send(query, [], [])
    wait_for(lambda: listener.connections, what="the request to reach the listener")
    [request] = listener.connections
    assert f"\r\nAccept: {accept}\r\n".encode() in request


VIRTUOSO_SELECT = b"""{ "head": { "link": [], "vars": ["g", "l"] },
  "results": { "distinct": false, "ordered": true, "bindings": [
    {},
    { "g": { "type": "uri", "value": "urn:x:g" },
      "l": { "type": "literal", "lang": "en", "value": "x" } } ] } }"""


def test_engine_dialects_are_read() -> None:
    """Virtuoso's unbound rows and ``lang`` key, RDF/JSON for a graph, ASK as a table."""
    rows = list(parse_answer("application/sparql-results+json", VIRTUOSO_SELECT, "SELECT"))
    assert rows[0]["g"] is None
    assert rows[1]["l"] == ox.Literal("x", language="en")
    # Without a ``lang`` key to mend, read as it is (a value "lang" takes the mending path).
    for value in ("x", "lang"):
        plain = VIRTUOSO_SELECT.replace(
            b'"lang": "en", "value": "x"', f'"value": "{value}"'.encode()
        )
        rows = list(parse_answer("application/sparql-results+json", plain, "SELECT"))
        assert (rows[0]["g"], rows[1]["l"]) == (None, ox.Literal(value))
    rdf_json = b'{"urn:x:s": {"urn:x:p": [{"type": "literal", "value": "o", "lang": "be"}]}}'
    [triple] = parse_answer("application/sparql-results+json", rdf_json, "CONSTRUCT")
    assert triple == ox.Triple(
        ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o", language="be")
    )
    table = b'{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}'
    assert bool(ask_answer(parse_answer("application/sparql-results+json", table))) is False
    with pytest.raises(StoreUnavailable, match="unexpected format: text/html"):
        parse_answer("text/html", b"<html>", "SELECT")
