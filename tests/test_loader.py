"""``ictkg load --into URL`` against the real engines (``oxigraph serve``, Virtuoso).

Graph Store HTTP Protocol §5.3 (PUT replaces a graph) and §5.4 (DELETE); each test loads a copy
of the SPARQL fixture dataset under a base IRI of its own, so it shares the session's engines
with the conformance suite without touching their graphs.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from conftest import SPARQL_FIXTURES
from support import free_port

from server.store.embedded import Store, graph_files
from server.store.remote import RemoteStore

_bases = itertools.count()


def dataset_copy(tmp_path: Path) -> tuple[str, list[Path], list[str]]:
    """A copy of the fixture dataset, a fresh base IRI, and the load options naming both."""
    base = f"https://example.org/load-{next(_bases)}/"
    directories = []
    for name in ("ontology", "data"):
        shutil.copytree(SPARQL_FIXTURES / name, tmp_path / name)
        directories.append(tmp_path / name)
    options = [
        "--base-iri",
        base,
        "--ontology",
        str(directories[0]),
        "--data",
        str(directories[1]),
    ]
    return base, directories, options


def assert_serves(engine, base: str, directories: list[Path]) -> RemoteStore:
    """The front sees exactly the files' graphs, with as many triples as the embedded store."""
    remote = RemoteStore(engine.endpoint, base)
    embedded = Store(base, directories)
    assert set(remote.graphs) == set(graph_files(base, directories))
    assert len(remote) == len(embedded)
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }"
    assert {str(r) for r in remote.query(query)} == {str(r) for r in embedded.query(query)}
    return remote


def test_load_replaces_only_what_changed(oxigraph_server, tmp_path) -> None:
    base, directories, options = dataset_copy(tmp_path)
    first = oxigraph_server.load(*options)
    assert first.returncode == 0, first.stderr
    assert "3 loaded, 0 unchanged, 0 deleted" in first.stdout
    version = assert_serves(oxigraph_server, base, directories).version

    again = oxigraph_server.load(*options)
    assert again.returncode == 0, again.stderr
    assert "0 loaded, 3 unchanged, 0 deleted" in again.stdout
    assert RemoteStore(oxigraph_server.endpoint, base).version == version

    [changed, removed] = sorted(directories[1].glob("*.ttl"))[:2]
    with changed.open("a") as handle:
        handle.write('\n<urn:x:added> <urn:x:p> "a triple more" .\n')
    removed.unlink()
    third = oxigraph_server.load(*options)
    assert third.returncode == 0, third.stderr
    assert "1 loaded, 1 unchanged, 1 deleted" in third.stdout
    assert assert_serves(oxigraph_server, base, directories).version != version


def test_load_into_virtuoso_with_digest_authentication(virtuoso, tmp_path) -> None:
    base, directories, options = dataset_copy(tmp_path)
    result = virtuoso.load(*options)
    assert result.returncode == 0, result.stderr
    assert_serves(virtuoso, base, directories)
    virtuoso.password, right = "wrong", virtuoso.password
    try:
        (directories[1] / "extra.ttl").write_text('<urn:x:s> <urn:x:p> "o" .\n')
        refused = virtuoso.load(*options)
    finally:
        virtuoso.password = right
    assert refused.returncode == 2
    assert "refused the credentials (401)" in refused.stderr
    assert "ICTKG_LOAD_USER" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("ftp://127.0.0.1/store", "must be an http(s) URL"),
        ("http://127.0.0.1:{port}/store", "cannot reach http://127.0.0.1:{port}/query"),
        ("http://127.0.0.1:{port}/elsewhere", "no query endpoint is known"),
    ],
    ids=["not http", "engine down", "unknown endpoint"],
)
def test_load_fails_clearly(oxigraph_server, tmp_path, into, message) -> None:
    _, _, options = dataset_copy(tmp_path)
    port = free_port()
    oxigraph_server.store_url, store_url = into.format(port=port), oxigraph_server.store_url
    try:
        result = oxigraph_server.load(*options)
    finally:
        oxigraph_server.store_url = store_url
    assert result.returncode == 2
    assert message.format(port=port) in result.stderr
    assert "Traceback" not in result.stderr


def test_load_verifies_the_counts(oxigraph_server, virtuoso, tmp_path) -> None:
    """Counts read from another store than the one written to cannot match: exit 2."""
    _, _, options = dataset_copy(tmp_path)
    result = oxigraph_server.load(*options, "--sparql-endpoint", virtuoso.endpoint)
    assert result.returncode == 2
    assert "the store does not hold what was loaded" in result.stderr
    assert "holds 0 triples" in result.stderr
