"""The remote store against a real ``oxigraph serve`` on 127.0.0.1: same answers, 503 when down.

SPARQL 1.1 Protocol §2.1.2 (the request it sends) and §2.1.4 (the dataset it states); the
answers come back as pyoxigraph objects (Query Results JSON §3 parsed by pyoxigraph).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import SPARQL_BASE, SPARQL_CONFIG, SPARQL_FIXTURES, Oxigraph, free_port
from support import wait_for

from server import create_app
from server.store.base import StoreUnavailable
from server.store.embedded import Store
from server.store.remote import RemoteStore

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
        store.start()
        wait_for(lambda: client.get("/health").status_code == 200, what="the store back")
        assert client.get("/sparql", query_string=query).json["boolean"] is True
        assert client.get("/health").json["triples"] == 29
    finally:
        store.kill()
        app.extensions["ictkg.queries"].close()
