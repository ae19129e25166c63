"""The embedded store: one named graph per file, their merge as default graph, on disk once.

SPARQL 1.1 Service Description §3.3 (``sd:UnionDefaultGraph``) for the default graph; the rest
are this project's decisions (graph IRIs ``{base}graph/{dir}/{stem}``, a content hash as the
dataset version, a disk store reopened without reloading).
"""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from conftest import SPARQL_BASE, SPARQL_CONFIG, SPARQL_FIXTURES

from server.store import open_store
from server.store.embedded import VERSION_FILE, Store
from server.store.remote import RemoteStore

DIRS = [SPARQL_FIXTURES / "ontology", SPARQL_FIXTURES / "data"]
EXTRA = ox.Quad(
    ox.NamedNode("urn:x:marker"),
    ox.NamedNode("urn:x:p"),
    ox.Literal("added by hand"),
    ox.NamedNode("urn:x:g"),
)


def copy_fixtures(tmp_path):
    for directory in DIRS:
        shutil.copytree(directory, tmp_path / directory.name)
    return [tmp_path / d.name for d in DIRS]


def test_one_named_graph_per_file() -> None:
    store = Store(SPARQL_BASE, DIRS)
    assert set(store.graphs) == {
        SPARQL_BASE + "graph/ontology/vocab",
        SPARQL_BASE + "graph/data/people",
        SPARQL_BASE + "graph/data/places",
    }
    assert store.graphs[SPARQL_BASE + "graph/data/people"].name == "people.ttl"
    named = {g.value for g in store.engine.named_graphs()}
    assert named == set(store.graphs)
    assert len(store) == 29
    assert store.kind == "memory"


QUERIES = {
    # (query, protocol dataset, expected count)
    "SD 3.3 no dataset: the union of all graphs": ("?s ?p ?o", {}, 29),
    "Protocol 2.1.4 default-graph-uri: that graph": (
        "?s ?p ?o",
        {"default_graph_uris": [SPARQL_BASE + "graph/data/places"]},
        9,
    ),
    "Query 13.3 GRAPH over every named graph": ("GRAPH ?g { ?s ?p ?o }", {}, 29),
    "Protocol 2.1.4 named-graph-uri restricts GRAPH": (
        "GRAPH ?g { ?s ?p ?o }",
        {"named_graph_uris": [SPARQL_BASE + "graph/ontology/vocab"]},
        6,
    ),
}


@pytest.mark.parametrize(("pattern", "dataset", "expected"), QUERIES.values(), ids=QUERIES)
def test_query_dataset(pattern, dataset, expected) -> None:
    store = Store(SPARQL_BASE, DIRS)
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", **dataset)
    assert int(next(iter(rows))["n"].value) == expected


#: Alice's label again, as a second source would state it, and one triple of its own.
AGAIN = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/sq/id/person/alice> rdfs:label "Alice"@en .
<https://example.org/sq/id/person/dave> rdfs:label "Dave"@en .
"""


def count(store, pattern: str, **dataset) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}", **dataset)
    return int(next(iter(rows))["n"].value)


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_a_triple_two_files_state_is_one_triple_of_the_default_graph(tmp_path, on_disk) -> None:
    """SD §3.3, RDF 1.1 Semantics §5.1: the default graph is the merge of the graphs, a set.
    pyoxigraph 0.5.13's union counts a triple once per graph holding it (oxigraph#1919), so
    the store then holds the merge as its default graph; each file's graph stays whole."""
    dirs = copy_fixtures(tmp_path)
    (dirs[1] / "again.ttl").write_text(AGAIN)
    path = str(tmp_path / "store") if on_disk else None
    store = Store(SPARQL_BASE, dirs, path=path)
    assert store.merged
    assert len(store) == 31  # the quads of the files' graphs
    assert count(store, "?s ?p ?o") == 30
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    assert count(store, f"?s {label} ?l") == 12
    assert count(store, f"GRAPH ?g {{ ?s {label} ?l }}") == 13
    assert count(store, "GRAPH ?g { ?s ?p ?o }") == 31  # each file still says it
    assert count(store, "?s ?p ?o", named_graph_uris=[SPARQL_BASE + "graph/data/again"]) == 0
    again = {"default_graph_uris": [SPARQL_BASE + "graph/data/again"]}
    assert count(store, "?s ?p ?o", **again) == 2
    assert count(store, "?s ?p ?o FILTER(?s = <https://example.org/sq/id/person/alice>)") == 6
    describe = store.query("DESCRIBE <https://example.org/sq/id/person/alice>")
    assert len(list(describe)) == 6
    if on_disk:
        reopened = Store(SPARQL_BASE, dirs, path=path)
        assert reopened.merged
        assert count(reopened, "?s ?p ?o") == 30


def test_data_that_states_no_triple_twice_keeps_the_union() -> None:
    """The merge is a copy of every triple: made only where the union would count one twice."""
    store = Store(SPARQL_BASE, DIRS)
    assert not store.merged
    assert not list(store.engine.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_results_are_pyoxigraph_objects() -> None:
    store = Store(SPARQL_BASE, DIRS)
    assert isinstance(store.query("SELECT * WHERE { ?s ?p ?o }"), ox.QuerySolutions)
    assert isinstance(store.query("ASK { ?s ?p ?o }"), ox.QueryBoolean)
    assert isinstance(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), ox.QueryTriples)


def test_the_version_is_a_content_hash(tmp_path) -> None:
    dirs = copy_fixtures(tmp_path)
    first = Store(SPARQL_BASE, dirs).version
    assert Store(SPARQL_BASE, dirs).version == first
    people = tmp_path / "data" / "people.ttl"
    people.write_text(people.read_text().replace('"Carol"@en', '"Caroline"@en'))
    assert Store(SPARQL_BASE, dirs).version != first


def test_a_disk_store_is_loaded_once_and_reopened_while_files_are_unchanged(tmp_path) -> None:
    dirs = copy_fixtures(tmp_path)
    path = tmp_path / "store"
    store = Store(SPARQL_BASE, dirs, path=str(path))
    assert store.kind == "disk"
    assert len(store) == 29
    assert (path / VERSION_FILE).read_text().split()[0] == store.version
    del store
    # Mark the store by hand: a reload would wipe the mark, a reopen keeps it.
    engine = ox.Store(str(path))
    engine.add(EXTRA)
    engine.flush()
    del engine
    again = Store(SPARQL_BASE, dirs, path=str(path))
    assert EXTRA in again.engine
    assert len(again) == 29  # the count recorded when ictkg loaded it: the store is ictkg's alone
    del again
    # A changed file: the store is cleared and bulk-loaded again.
    places = tmp_path / "data" / "places.ttl"
    places.write_text(places.read_text().replace('"Tunis"@en', '"Tunis"@en , "Тунис"@ru'))
    changed = Store(SPARQL_BASE, dirs, path=str(path))
    assert EXTRA not in changed.engine
    assert len(changed) == 30
    assert (path / VERSION_FILE).read_text().split()[0] == changed.version


def test_a_disk_store_reopened_on_unchanged_files_reads_none_of_them(tmp_path, monkeypatch) -> None:
    """The version recorded with the files' signature is trusted: no file is hashed again (at
    1e7 triples that is seconds of reading per process). The recorded version is faked here,
    so a store that hashed the files again would not report it."""
    from server.store import embedded as store_module

    dirs = copy_fixtures(tmp_path)
    path = tmp_path / "store"
    first = Store(SPARQL_BASE, dirs, path=str(path))
    del first
    _, signature, quads = (path / VERSION_FILE).read_text().split()
    (path / VERSION_FILE).write_text(f"{'0' * 64}\n{signature}\n{quads}\n")
    monkeypatch.setattr(store_module, "_HASHES", {})  # as in a new process
    again = Store(SPARQL_BASE, dirs, path=str(path))
    assert again.version == "0" * 64
    assert len(again) == 29


def test_a_disk_store_records_its_count_and_is_not_counted_again(tmp_path) -> None:
    """RocksDB counts by visiting every quad (seconds at 1e7 triples): the count is taken once,
    at load, and read from the record after. The record is faked here, so a store that counted
    again would not report it."""
    dirs = copy_fixtures(tmp_path)
    path = tmp_path / "store"
    first = Store(SPARQL_BASE, dirs, path=str(path))
    version, signature, quads = (path / VERSION_FILE).read_text().split()
    assert (version, int(quads)) == (first.version, 29)
    del first
    (path / VERSION_FILE).write_text(f"{version}\n{signature}\n12345\n")
    assert len(Store(SPARQL_BASE, dirs, path=str(path))) == 12345


def test_a_record_written_before_counts_were_kept_gets_its_count_once(tmp_path) -> None:
    dirs = copy_fixtures(tmp_path)
    path = tmp_path / "store"
    first = Store(SPARQL_BASE, dirs, path=str(path))
    version, signature, _ = (path / VERSION_FILE).read_text().split()
    del first
    (path / VERSION_FILE).write_text(f"{version}\n{signature}\n")  # as older versions wrote it
    again = Store(SPARQL_BASE, dirs, path=str(path))
    assert again.version == version  # reopened, not loaded again
    assert len(again) == 29
    assert (path / VERSION_FILE).read_text().split() == [version, signature, "29"]


def test_a_disk_store_is_read_only_once_open(tmp_path) -> None:
    store = Store(SPARQL_BASE, DIRS, path=str(tmp_path / "store"))
    with pytest.raises(RuntimeError):  # RocksDB refuses writes to a read-only instance
        store.engine.add(EXTRA)


def test_open_store_follows_the_configuration(tmp_path) -> None:
    assert open_store(SPARQL_CONFIG).kind == "memory"
    on_disk = open_store({**SPARQL_CONFIG, "STORE_PATH": str(tmp_path / "s")})
    assert on_disk.kind == "disk"
    remote = open_store({**SPARQL_CONFIG, "SPARQL_ENDPOINT": "http://127.0.0.1:9/sparql"})
    assert isinstance(remote, RemoteStore)
    assert remote.endpoint == "http://127.0.0.1:9/sparql"
