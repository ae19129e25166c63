"""Put the dataset into a remote store: ``ictkg load --into URL``.

The SPARQL 1.1 Graph Store HTTP Protocol (GSP) is the one write interface that Oxigraph,
Virtuoso and Fuseki all speak: each file of ``ontology/`` and ``data/`` is ``PUT`` (§5.3,
replace) to ``?graph=<its graph IRI>``, the same IRI the embedded store gives it
(:func:`server.store.embedded.graph_files`), so :class:`server.store.remote.RemoteStore` serves
the store exactly as the embedded one.

- **In parts no larger than** ``chunk_bytes`` (:data:`CHUNK_BYTES`, 4 MiB). Servers and
  proxies bound a request body (nginx: 1 MB unless configured), and one body is held whole in
  memory on both sides, so a larger file is sent as N-Triples in parts (:func:`split`): the first
  replaces the graph (``PUT``), the others are merged into it (``POST``, §5.5: an RDF merge, in
  which the blank nodes of two bodies are two different nodes). Triples joined by blank nodes
  therefore travel in the same part; such a group larger than the limit cannot be cut and is
  sent whole, with a warning (an engine that refuses it says so, and the error names the part
  and its size). Virtuoso 7.2 takes 51 MB in one request; what reset a 17 MB upload there was
  its early 401 (:class:`GraphStoreClient`).
- **Only what changed.** The loader records, in a graph of its own (:func:`meta_graph`), each
  graph's triple count (``void:triples``) and the SHA-256 of its file (``dcterms:identifier``);
  a file whose hash is recorded is not sent again, a graph whose file is gone is deleted. It
  also keeps when the files last changed (``dcterms:modified``: the front's ``Last-Modified``,
  as the embedded store gives it). The
  record is written last, after the counts are verified, so the front's ``version`` (a hash of
  the record) changes only once the new data is complete.
- **Verified.** After the transfer, one ``COUNT`` per graph through the query endpoint must
  equal the number of distinct triples pyoxigraph parses from the file. The counts are read
  before the transfer too: a graph recorded as loaded that does not hold its file's count (a
  load stopped between two parts) is sent again.
- **Credentials from the environment** (``ICTKG_LOAD_USER`` / ``ICTKG_LOAD_PASSWORD``), answered
  with basic or digest authentication, whichever the engine asks for (Virtuoso's
  ``/sparql-graph-crud-auth`` asks for digest).

Every failure is a :class:`LoadError` whose message says what and where (the CLI prints it and
exits with 2).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from server.rdf import alignments
from server.rdf.formats import SOURCE_FORMATS
from server.store.embedded import merge_default_graph
from server.store.remote import (
    DCTERMS_IDENTIFIER,
    DCTERMS_MODIFIED,
    META_QUERY,
    SD_DEFAULT_GRAPH,
    VOID_TRIPLES,
    merge_graph,
    meta_graph,
)

#: Query endpoints beside the usual Graph Store endpoints (oxigraph, Virtuoso, Fuseki).
QUERY_BESIDE = {
    "/store": "/query",
    "/sparql-graph-crud-auth": "/sparql",
    "/sparql-graph-crud": "/sparql",
    "/data": "/query",
}


#: The largest request body sent by default (``--chunk-bytes``): each side holds a body whole
#: in memory. Behind nginx, whose default limit is 1 MB, give less or raise its limit.
CHUNK_BYTES = 4 * 1024 * 1024
N_TRIPLES = "application/n-triples"


class LoadError(RuntimeError):
    """The load cannot go on: the message says what failed and where."""


def root_cause(error: BaseException) -> BaseException:
    """The innermost error of a failed request (``ConnectionRefusedError``…), under the layers
    of the HTTP library (its reasons, causes, and errors carried as arguments)."""
    seen = error
    while True:
        inner = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if not isinstance(inner, BaseException):
            inner = next((a for a in seen.args if isinstance(a, BaseException)), None)
        if inner is None or inner is seen:
            return seen
        seen = inner


def describe(error: BaseException) -> str:
    """An OS error as ``[Errno 111] Connection refused``; any other as its message."""
    if isinstance(error, OSError) and error.strerror:
        return f"[Errno {error.errno}] {error.strerror}" if error.errno else error.strerror
    return str(error)


def query_endpoint_for(store_url: str) -> str | None:
    """The query endpoint beside a known Graph Store endpoint (``None`` when unknown)."""
    parts = urllib.parse.urlsplit(store_url)
    for suffix, replacement in QUERY_BESIDE.items():
        if parts.path.endswith(suffix):
            path = parts.path[: -len(suffix)] + replacement
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return None


@dataclass(frozen=True)
class SourceGraph:
    """One file to load: its graph IRI, media type, hash and distinct triple count (the bytes
    are read again when sent, so that a load holds one file in memory at a time)."""

    iri: str
    file: Path
    media_type: str
    digest: str
    triples: int


def distinct_triples(file: Path, content: bytes) -> list[ox.Triple]:
    """The distinct triples of ``file`` (its bytes ``content``), in order (a file that does not
    parse is a :class:`LoadError`)."""
    offer = SOURCE_FORMATS[file.suffix]
    try:
        return list(dict.fromkeys(quad.triple for quad in ox.parse(content, offer.rdf_format)))
    except SyntaxError as error:
        raise LoadError(f"{file}: not valid {offer.media_type}: {error}") from None


def source_graph(iri: str, file: Path) -> SourceGraph:
    """Read and parse one file (a file that does not parse is a :class:`LoadError`)."""
    content = file.read_bytes()
    triples = distinct_triples(file, content)
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    media_type = SOURCE_FORMATS[file.suffix].media_type
    return SourceGraph(iri, file, media_type, digest, len(triples))


def blank_nodes(term: object) -> Iterable[ox.BlankNode]:
    """The blank nodes of a triple's subject or object (within a quoted triple too)."""
    if isinstance(term, ox.BlankNode):
        yield term
    elif isinstance(term, ox.Triple):
        yield from blank_nodes(term.subject)
        yield from blank_nodes(term.object)


@dataclass
class Split:
    """A graph cut into N-Triples request bodies, and the groups too large to cut."""

    parts: list[bytes] = field(default_factory=list)
    #: Sizes in bytes of the groups that exceed the limit (one triple, or triples joined by
    #: blank nodes), each sent whole in a body of its own.
    oversized: list[int] = field(default_factory=list)


def split(triples: list[ox.Triple], limit: int) -> Split:
    """Cut ``triples`` into N-Triples bodies of at most ``limit`` bytes each, every connected
    component of blank nodes (with every triple that mentions one of them) inside one body.

    Components are found with a union-find over the blank nodes; a triple without blank nodes is
    a group of its own. Groups keep the order of their first triple and are packed greedily; a
    group larger than ``limit`` is a body of its own (listed in :attr:`Split.oversized`)."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while (up := parent.setdefault(node, node)) != node:
            parent[node] = parent.setdefault(up, up)  # path halving
            node = parent[node]
        return node

    joined = []
    for triple in triples:
        nodes = [*blank_nodes(triple.subject), *blank_nodes(triple.object)]
        for other in nodes[1:]:
            a, b = root(nodes[0]), root(other)
            if a != b:
                parent[b] = a
        joined.append(nodes[0] if nodes else None)
    groups: dict[object, list[int]] = {}
    for index, node in enumerate(joined):
        groups.setdefault(index if node is None else root(node), []).append(index)
    order = [index for members in groups.values() for index in members]
    # One serialization, one line per triple (N-Triples escapes line breaks in literals).
    lines = ox.serialize([triples[i] for i in order], format=ox.RdfFormat.N_TRIPLES)
    lines = lines.splitlines(keepends=True) if lines else []
    if len(lines) != len(order):
        raise AssertionError("N-Triples wrote a line that is not one triple")
    result = Split()
    part: list[bytes] = []
    size = position = 0
    for members in groups.values():
        group = lines[position : position + len(members)]
        position += len(members)
        group_size = sum(map(len, group))
        if part and size + group_size > limit:
            result.parts.append(b"".join(part))
            part, size = [], 0
        if group_size > limit:
            result.oversized.append(group_size)
        part += group
        size += group_size
    if part:
        result.parts.append(b"".join(part))
    return result


@dataclass(frozen=True)
class Report:
    """What a load did, graph IRIs by outcome."""

    sent: list[str]
    unchanged: list[str]
    deleted: list[str]
    counts: dict[str, int]
    #: Graph Store requests that carried data (more than ``sent`` when graphs went in parts).
    requests: int = 0


class GraphStoreClient:
    """A Graph Store Protocol endpoint and the query endpoint of the same store.

    Requests go through :mod:`requests` (urllib3), not :mod:`urllib.request`: Virtuoso answers
    a write without credentials with 401 at once and closes the connection without reading the
    body, and a client still sending a body larger than the socket buffers (about 2.5 MB on
    Linux loopback) then fails with "connection reset" where urllib3 reads the 401 and sends the
    request again with credentials. After the first challenge, digest credentials are sent with
    every request (:class:`requests.auth.HTTPDigestAuth`), so a body travels once.
    """

    def __init__(
        self,
        store_url: str,
        query_url: str,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        for name, url in (("store", store_url), ("query endpoint", query_url)):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise LoadError(f"the {name} URL must be an http(s) URL, not {url!r}")
        self.store_url = store_url
        self.query_url = query_url
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # the store is asked directly, never through a proxy
        self.session.headers["User-Agent"] = "ictkg-load"
        self.credentials = None if user is None else (user, password or "")
        # One authentication state per endpoint: a digest answers one endpoint's challenge.
        self.auth: dict[str, requests.auth.AuthBase | None] = {
            url: None if self.credentials is None else HTTPDigestAuth(*self.credentials)
            for url in (store_url, query_url)
        }

    def _request(
        self,
        method: str,
        url: str,
        endpoint: str,
        what: str,
        data: bytes | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """One request, authenticated as the endpoint asks (digest, or basic when the challenge
        says basic); any failure is a :class:`LoadError` saying what and where."""
        sent = len(data) if isinstance(data, bytes) else 0

        def send() -> requests.Response:
            return self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                auth=self.auth[endpoint],
                timeout=self.timeout,
            )

        try:
            response = send()
            challenge = response.headers.get("WWW-Authenticate", "").lower()
            if (
                response.status_code == 401
                and self.credentials is not None
                and challenge.startswith("basic")
                and not isinstance(self.auth[endpoint], HTTPBasicAuth)
            ):
                self.auth[endpoint] = HTTPBasicAuth(*self.credentials)
                response = send()
        except requests.Timeout:
            raise LoadError(f"{what}: {url} did not answer in {self.timeout:g} s") from None
        except requests.ConnectionError as error:
            cause = root_cause(error)
            if sent and isinstance(cause, (ConnectionResetError, BrokenPipeError)):
                raise LoadError(
                    f"{what}: {url} closed the connection while receiving {sent} bytes "
                    f"({describe(cause)}); if the store bounds a request's size, give a "
                    "smaller --chunk-bytes"
                ) from None
            raise LoadError(f"{what}: cannot reach {url}: {describe(cause)}") from None
        except requests.RequestException as error:  # a URL requests cannot send
            raise LoadError(f"{what}: cannot send to {url}: {error}") from None
        if response.status_code in (401, 403):
            raise LoadError(
                f"{what}: {url} refused the credentials ({response.status_code}); set "
                "ICTKG_LOAD_USER and ICTKG_LOAD_PASSWORD to an account allowed to write"
            )
        if response.status_code >= 400:
            body = response.content.decode("utf-8", "replace")
            if "html" in response.headers.get("Content-Type", ""):  # a proxy's error page
                body = re.sub(r"<title>.*?</title>|<[^>]+>", " ", body, flags=re.S)
            message = f"{what}: {url} answered {response.status_code}: "
            message += " ".join(body.split())[:300]
            if response.status_code == 413:
                message += " (give a smaller --chunk-bytes)"
            raise LoadError(message)
        return response

    def graph_url(self, iri: str) -> str:
        """The store URL of a graph (§4.2 indirect identification: ``?graph=``)."""
        separator = "&" if "?" in self.store_url else "?"
        return f"{self.store_url}{separator}{urllib.parse.urlencode({'graph': iri})}"

    def put(self, iri: str, content: bytes, media_type: str, what: str = "") -> None:
        """Replace the graph with ``content`` (§5.3)."""
        self._send("PUT", iri, content, media_type, what or f"loading <{iri}>")

    def post(self, iri: str, content: bytes, media_type: str, what: str = "") -> None:
        """Merge ``content`` into the graph (§5.5)."""
        self._send("POST", iri, content, media_type, what or f"adding to <{iri}>")

    def _send(self, method: str, iri: str, content: bytes, media_type: str, what: str) -> None:
        url = self.graph_url(iri)
        headers = {"Content-Type": media_type}
        self._request(method, url, self.store_url, what, content, headers)

    def delete(self, iri: str) -> None:
        """Remove the graph (§5.4); one that is already gone is fine."""
        try:
            self._request("DELETE", self.graph_url(iri), self.store_url, f"deleting <{iri}>")
        except LoadError as error:
            if " answered 404" not in str(error):
                raise

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT through the query endpoint, as rows of plain values (unbound left out)."""
        response = self._request(
            "POST",
            self.query_url,
            self.query_url,
            "querying the store",
            {"query": sparql},
            {"Accept": "application/sparql-results+json"},
        )
        try:
            bindings = json.loads(response.content)["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            raise LoadError(
                f"querying the store: {self.query_url} did not answer SPARQL JSON results"
            ) from None
        return [{k: v["value"] for k, v in row.items()} for row in bindings]

    def recorded(self, base_iri: str) -> dict[str, str]:
        """The content hash of each graph the last load recorded."""
        rows = self.select(META_QUERY.format(meta=meta_graph(base_iri)))
        return {row["g"]: row["h"] for row in rows if "g" in row and "h" in row}

    def counts(self, graphs: list[str]) -> dict[str, int]:
        """The number of triples in each graph, counted by the store."""
        if not graphs:
            return {}
        values = " ".join(f"<{g}>" for g in graphs)
        rows = self.select(
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        found = {row["g"]: int(row["n"]) for row in rows if "g" in row and "n" in row}
        return {g: found.get(g, 0) for g in graphs}


def send(
    client: GraphStoreClient,
    source: SourceGraph,
    chunk_bytes: int,
    progress: Callable[[str], None],
    warn: Callable[[str], None],
) -> int:
    """Replace the graph of ``source`` with its file: in one request when the file fits in
    ``chunk_bytes``, else in N-Triples parts (:func:`split`). Returns the number of requests."""
    content = source.file.read_bytes()
    if len(content) <= chunk_bytes:
        progress(f"loading {source.file} into <{source.iri}> ({source.triples} triples)")
        client.put(source.iri, content, source.media_type)
        return 1
    cut = split(distinct_triples(source.file, content), chunk_bytes)
    del content
    if cut.oversized:
        warn(
            f"warning: {source.file}: {len(cut.oversized)} part(s) exceed --chunk-bytes "
            f"{chunk_bytes} (the largest {max(cut.oversized)} bytes): a triple, or triples "
            "joined by blank nodes, cannot be cut across requests, so each is sent whole"
        )
    parts = cut.parts or [b""]
    progress(
        f"loading {source.file} into <{source.iri}> ({source.triples} triples, "
        f"{len(parts)} requests)"
    )
    for number, part in enumerate(parts, 1):
        what = f"loading part {number} of {len(parts)} ({len(part)} bytes) into <{source.iri}>"
        if number == 1:
            client.put(source.iri, part, N_TRIPLES, what)
        else:
            client.post(source.iri, part, N_TRIPLES, what)
    return len(parts)


def load(
    client: GraphStoreClient,
    base_iri: str,
    graphs: Mapping[str, Path],
    progress: Callable[[str], None] = lambda line: None,
    chunk_bytes: int = CHUNK_BYTES,
    warn: Callable[[str], None] = lambda line: None,
) -> Report:
    """Make the store hold exactly ``graphs`` (graph IRI -> file), then verify and record it.

    No request body is larger than ``chunk_bytes``, except a group of triples joined by blank
    nodes that is larger by itself (sent whole, after a line to ``warn``)."""
    if chunk_bytes < 1:
        raise LoadError(
            f"the request size limit must be a positive number of bytes, not {chunk_bytes}"
        )
    sources = [source_graph(iri, file) for iri, file in graphs.items()]
    recorded = client.recorded(base_iri)
    held = client.counts([s.iri for s in sources if recorded.get(s.iri) == s.digest])
    sent, unchanged, requests = [], [], 0
    for source in sources:
        if recorded.get(source.iri) == source.digest:
            if held[source.iri] == source.triples:
                unchanged.append(source.iri)
                continue
            progress(
                f"<{source.iri}> holds {held[source.iri]} triples, {source.file} has "
                f"{source.triples}: loading it again"
            )
        requests += send(client, source, chunk_bytes, progress, warn)
        sent.append(source.iri)
    deleted = sorted(set(recorded) - set(graphs))
    for iri in deleted:
        progress(f"deleting <{iri}> (its file is gone)")
        client.delete(iri)
    counts = client.counts([s.iri for s in sources])
    wrong = [
        f"<{s.iri}> holds {counts[s.iri]} triples, {s.file} has {s.triples}"
        for s in sources
        if counts[s.iri] != s.triples
    ]
    if wrong:
        raise LoadError("the store does not hold what was loaded: " + "; ".join(wrong))
    client.put(meta_graph(base_iri), record(base_iri, sources), N_TRIPLES)
    return Report(sent, unchanged, deleted, counts, requests)


def record(base_iri: str, sources: list[SourceGraph]) -> bytes:
    """The loader's record as N-Triples: each graph's size and content hash, when the files last
    changed (the embedded store's ``Last-Modified``), and the merge loaded as the default graph
    (:func:`derived_files`), if any."""
    newest = max((int(s.file.stat().st_mtime) for s in sources), default=0)
    stamp = datetime.fromtimestamp(newest, tz=UTC).isoformat()
    lines = [
        f"<{meta_graph(base_iri)}> <{DCTERMS_MODIFIED}> "
        f'"{stamp}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'
    ]
    if any(source.iri == merge_graph(base_iri) for source in sources):
        lines.append(f"<{meta_graph(base_iri)}> <{SD_DEFAULT_GRAPH}> <{merge_graph(base_iri)}> .")
    for source in sources:
        count = f'"{source.triples}"^^<http://www.w3.org/2001/XMLSchema#integer>'
        lines.append(f"<{source.iri}> <{VOID_TRIPLES}> {count} .")
        lines.append(f'<{source.iri}> <{DCTERMS_IDENTIFIER}> "{source.digest}" .')
    return ("\n".join(lines) + "\n").encode()


def derived_files(base_iri: str, graphs: Mapping[str, Path], folder: Path) -> dict[str, Path]:
    """The graphs the embedded store computes from the files, as N-Triples files in ``folder``,
    so that a remote store holds what the embedded one holds: ``{graph IRI: file}``.

    - The entailed graph of the alignments (:mod:`server.rdf.alignments`). Separate Graph Store
      requests cannot keep a blank node shared by two graphs, so an entailed triple about a
      blank node is refused (load the N-Quads dump instead, in one request).
    - The merge of every graph, when a triple is stated in two of them
      (:func:`server.store.embedded.merge_default_graph`), into :func:`merge_graph`: the front
      sends it as the default graph of queries. Its blank nodes are its own (a query that joins
      the default graph and a named graph on a blank node finds no match there).

    The files' time is that of the newest source file: the dataset's date does not change by
    loading.
    """
    engine = ox.Store()
    for name, file in graphs.items():
        engine.load(
            path=file, format=SOURCE_FORMATS[file.suffix].rdf_format, to_graph=ox.NamedNode(name)
        )
    alignments.materialize(engine, base_iri)
    found: dict[str, Path] = {}
    name = alignments.graph_iri(base_iri)
    triples = [q.triple for q in engine.quads_for_pattern(None, None, None, ox.NamedNode(name))]
    blank = [
        t
        for t in triples
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
    ]
    if blank:
        raise LoadError(
            f"the entailed graph <{name}> has {len(blank)} triples about blank nodes, which "
            "separate Graph Store requests cannot keep: load the N-Quads dump instead"
        )
    if triples:
        found[name] = write_ntriples(folder / "entailed-alignments.nt", triples)
    if merge_default_graph(engine, graphs):
        merge = [q.triple for q in engine.quads_for_pattern(None, None, None, ox.DefaultGraph())]
        found[merge_graph(base_iri)] = write_ntriples(folder / "merged-default-graph.nt", merge)
    newest = max((file.stat().st_mtime for file in graphs.values()), default=0)
    for path in found.values():
        os.utime(path, (newest, newest))
    return found


def write_ntriples(path: Path, triples: list[ox.Triple]) -> Path:
    with path.open("wb") as output:
        ox.serialize(triples, output, format=ox.RdfFormat.N_TRIPLES)
    return path
