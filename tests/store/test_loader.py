"""``ictkg load --into URL`` against the real engines (``oxigraph serve``, Virtuoso).

Graph Store HTTP Protocol §5.3 (PUT replaces a graph), §5.4 (DELETE) and §5.5 (POST merges: the
parts of a large graph); each test loads its own files under a base IRI of its own, so it shares
the session's engines with the conformance suite without touching their graphs.
"""

from __future__ import annotations

import getpass
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from conftest import SPARQL_FIXTURES
from rdflib import Graph
from support import assert_isomorphic, free_port, serving

from server.store.embedded import Store, graph_files
from server.store.loader import GraphStoreClient, blank_nodes, split
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


def test_load_sends_again_a_graph_short_of_its_count(oxigraph_server, tmp_path) -> None:
    """A graph the record says is loaded but that does not hold its file's triples (a load
    stopped between two parts, a graph removed behind the loader's back) is sent again."""
    base, directories, options = dataset_copy(tmp_path)
    assert oxigraph_server.load(*options).returncode == 0
    [emptied, *_] = sorted(graph_files(base, directories[1:]))
    GraphStoreClient(oxigraph_server.store_url, oxigraph_server.endpoint).delete(emptied)
    again = oxigraph_server.load(*options)
    assert again.returncode == 0, again.stderr
    assert f"<{emptied}> holds 0 triples" in again.stdout
    assert "1 loaded, 2 unchanged, 0 deleted" in again.stdout
    assert_serves(oxigraph_server, base, directories)


# --- large graphs, in parts -------------------------------------------------------------------

ENGINES = ["oxigraph_server", "virtuoso"]


def files_dataset(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[str, Path, list[str]]:
    """A dataset of ``files`` (name -> content) and no ontology, a fresh base IRI, and the load
    options naming them."""
    base = f"https://example.org/load-{next(_bases)}/"
    (tmp_path / "ontology").mkdir()
    data = tmp_path / "data"
    data.mkdir()
    for name, content in files.items():
        target = data / name
        target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    options = ["--base-iri", base, "--ontology", str(tmp_path / "ontology"), "--data", str(data)]
    return base, data, options


def one(store: RemoteStore, query: str) -> int:
    """The single integer a ``SELECT (… AS ?n)`` answers."""
    [row] = list(store.query(query))
    return int(row["n"].value)


#: Bytes of text per record of the large file: the file passes 10 MB with few triples, so
#: the engines load it in seconds.
TEXT = 2000


def large_file(records: int) -> bytes:
    """N-Triples of ``records`` chains ``<s> :has _:r . _:r :text "…" ; :next _:q . _:q :n i``:
    four triples and two blank nodes each, ``TEXT`` bytes of literal."""
    lines = []
    for i in range(records):
        text = f"record {i} " + "x" * TEXT
        lines += [
            f"<urn:x:s{i}> <urn:x:has> _:r{i} .",
            f'_:r{i} <urn:x:text> "{text}" .',
            f"_:r{i} <urn:x:next> _:q{i} .",
            f'_:q{i} <urn:x:n> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .',
        ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("name", ENGINES)
def test_load_a_file_larger_than_one_request(request, name, tmp_path) -> None:
    """A file of 11 MB (Virtuoso reset the connection on such a file when it was one request):
    sent in parts of at most 4 MiB, counted, every chain of blank nodes whole."""
    engine = request.getfixturevalue(name)
    records = 11 * 1024 * 1024 // TEXT
    content = large_file(records)
    assert len(content) > 11 * 1024 * 1024
    base, data, options = files_dataset(tmp_path, {"large.nt": content})
    result = engine.load(*options)
    assert result.returncode == 0, result.stderr
    [graph] = graph_files(base, [data])
    requests_sent = re.search(r"large\.nt into .*\((\d+) triples, (\d+) requests\)", result.stdout)
    assert requests_sent is not None, result.stdout
    assert int(requests_sent[1]) == 4 * records
    assert int(requests_sent[2]) == 3  # 11.8 MB in parts of at most 4 MiB
    store = RemoteStore(engine.endpoint, base)
    assert one(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") == (
        4 * records
    )
    # Each record's two blank nodes still joined, to each other and to no other record.
    chains = (
        f"SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s <urn:x:has> ?r . "
        "?r <urn:x:text> ?t ; <urn:x:next> ?q . ?q <urn:x:n> ?i "
        'FILTER(STRSTARTS(?t, CONCAT("record ", STR(?i), " "))) } }'
    )
    assert one(store, chains) == records


@pytest.mark.parametrize("name", ENGINES)
def test_a_triple_two_files_state_is_counted_once_through_the_front(request, name, tmp_path):
    """Both engines count a triple once per graph in a merged default graph (oxigraph#1919;
    Virtuoso), where the embedded store holds the merge: the loader loads the merge too, and
    the front sends it as the default graph; the files' graphs stay the named ones. When no
    triple is stated twice any more, the merge is deleted."""
    engine = request.getfixturevalue(name)
    shared = '<urn:x:s> <urn:x:p> "said twice" .\n'
    files = {"a.nt": shared + '<urn:x:s> <urn:x:q> "said once" .\n', "b.nt": shared}
    base, data, options = files_dataset(tmp_path, files)
    result = engine.load(*options)
    assert result.returncode == 0, result.stderr
    store = RemoteStore(engine.endpoint, base)
    embedded = Store(base, [tmp_path / "ontology", data])
    assert embedded.merged
    assert set(store.graph_names()) == set(graph_files(base, [data]))
    assert len(store) == len(embedded) == 3
    for query in (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s <urn:x:p> ?o }",
    ):
        assert one(store, query) == one(embedded, query), query
    assert one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 2

    (data / "b.nt").write_text('<urn:x:s> <urn:x:p> "said once by b" .\n')
    again = engine.load(*options)
    assert again.returncode == 0, again.stderr
    assert "1 deleted" in again.stdout  # the merge
    store = RemoteStore(engine.endpoint, base)
    assert store.metadata().default_graph is None
    assert one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == 3


def test_a_fresh_client_sends_a_large_body_to_virtuoso_at_once(virtuoso) -> None:
    """Virtuoso answers an upload without credentials with 401 before reading its body, and
    closes the connection: the first request of a client, 12 MB, must still arrive (urllib
    failed here with "connection reset", whatever the limit on parts)."""
    content = large_file(6000)
    assert len(content) > 12_000_000
    graph = f"https://example.org/load-{next(_bases)}/graph/data/one-request"
    client = GraphStoreClient(
        virtuoso.store_url, virtuoso.endpoint, virtuoso.user, virtuoso.password
    )
    client.put(graph, content, "application/n-triples")
    assert client.counts([graph]) == {graph: 4 * 6000}
    client.delete(graph)


BLANK_NODES = """\
@prefix : <urn:x:> .
:a :p [ :q "one" ; :r [ :s "nested" ] ] .
:a :list ( "l1" "l2" "l3" "l4" "l5" "l6" "l7" "l8" "l9" "l10" "l11" "l12" ) .
_:cycle1 :next _:cycle2 . _:cycle2 :next _:cycle3 . _:cycle3 :next _:cycle1 .
_:shared :label "shared" . :b :link _:shared . :c :link _:shared .
:d :p [ :q "two" ] , [ :q "three" ] .
""" + "".join(f':g{i} :p "{i}" .\n' for i in range(40))


def test_split_keeps_every_blank_node_in_one_part() -> None:
    triples = [q.triple for q in ox.parse(BLANK_NODES, ox.RdfFormat.TURTLE)]
    cut = split(triples, 400)
    assert len(cut.parts) > 5
    parsed = [[q.triple for q in ox.parse(part, ox.RdfFormat.N_TRIPLES)] for part in cut.parts]
    assert sorted(map(str, (t for part in parsed for t in part))) == sorted(map(str, triples))
    owner: dict[ox.BlankNode, int] = {}
    for number, part in enumerate(parsed):
        for triple in part:
            for node in [*blank_nodes(triple.subject), *blank_nodes(triple.object)]:
                assert owner.setdefault(node, number) == number, f"{node} in two parts"
    # The list (12 cells, 24 triples) is one component larger than the limit: a part of its own.
    assert len(cut.oversized) == 1
    assert [len(p) for p in cut.parts if len(p) > 400] == cut.oversized


@pytest.mark.parametrize("name", ENGINES)
def test_blank_nodes_survive_many_parts(request, name, tmp_path) -> None:
    """With --chunk-bytes 400 the graph goes in many requests; what the engine holds is
    isomorphic to the file (no blank node split or merged across requests), and the list, a
    component larger than the limit, is sent whole with a warning."""
    engine = request.getfixturevalue(name)
    base, data, options = files_dataset(tmp_path, {"blank.ttl": BLANK_NODES})
    result = engine.load(*options, "--chunk-bytes", "400")
    assert result.returncode == 0, result.stderr
    parts = re.search(r"blank\.ttl into .*\(\d+ triples, (\d+) requests\)", result.stdout)
    assert parts is not None, result.stdout
    assert int(parts[1]) > 5
    assert "1 part(s) exceed --chunk-bytes 400" in result.stderr
    [graph] = graph_files(base, [data])
    store = RemoteStore(engine.endpoint, base)
    held = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    answer = list(held)
    expected = Graph().parse(data=BLANK_NODES, format="turtle")
    assert len(answer) == len(expected)
    assert_isomorphic(expected, answer)


NGINX_GUARD = """daemon off;
user {user};
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  client_max_body_size 1m;
  server {{
    listen 127.0.0.1:{port};
    location /store {{
      auth_basic "ictkg";
      auth_basic_user_file {work}/users;
      proxy_pass http://127.0.0.1:{upstream};
    }}
    location / {{ proxy_pass http://127.0.0.1:{upstream}; }}
  }}
}}
"""


def test_load_through_a_proxy_with_basic_authentication_and_a_body_limit(
    oxigraph_server, tmp_path
) -> None:
    """Debian's nginx in front of ``oxigraph serve``, as a deployment puts it: basic
    authentication on the Graph Store, and its default limit of 1 MB on a request body. A file
    of 1.5 MB is refused whole (413, named), and loads in parts under ``--chunk-bytes``."""
    work = tmp_path / "nginx"
    work.mkdir()
    (work / "users").write_text("loader:{PLAIN}secret\n")
    port = free_port()
    config = NGINX_GUARD.format(
        user=getpass.getuser(), work=work, port=port, upstream=oxigraph_server.port
    )
    (work / "nginx.conf").write_text(config)
    (tmp_path / "dataset").mkdir()
    base, data, options = files_dataset(tmp_path / "dataset", {"large.nt": large_file(700)})
    assert 1 << 20 < (data / "large.nt").stat().st_size < 4 << 20
    root = f"http://127.0.0.1:{port}"
    guarded = copy_engine(oxigraph_server, store_url=root + "/store", user="loader")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen(
        [nginx, "-c", str(work / "nginx.conf"), "-p", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    with serving(
        process,
        lambda: requests.get(root + "/query", params={"query": "ASK {}"}, timeout=1).ok,
        "nginx",
        10,
        message=lambda: process.stderr.read().decode(),
        stop_seconds=10,
        group=False,
    ):
        guarded.password = "wrong"
        refused = guarded.load(*options, "--chunk-bytes", "600000")
        assert refused.returncode == 2
        assert "refused the credentials (401)" in refused.stderr
        guarded.password = "secret"
        whole = guarded.load(*options)
        assert whole.returncode == 2
        assert "answered 413: 413 Request Entity Too Large nginx" in whole.stderr
        assert "give a smaller --chunk-bytes" in whole.stderr
        assert "Traceback" not in whole.stderr
        parts = guarded.load(*options, "--chunk-bytes", "600000")
        assert parts.returncode == 0, parts.stderr
        assert "(2800 triples, 3 requests)" in parts.stdout
    [graph] = graph_files(base, [data])
    store = RemoteStore(oxigraph_server.endpoint, base)
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert one(store, query) == 2800


def copy_engine(engine, **changes):
    """The same engine reached another way (another store URL, other credentials)."""
    other = object.__new__(type(engine))
    other.__dict__.update(engine.__dict__, **changes)
    return other
