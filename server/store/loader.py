"""Put the dataset into a remote store: ``ictkg load --into URL``.

The SPARQL 1.1 Graph Store HTTP Protocol (GSP) is the one write interface that Oxigraph,
Virtuoso and Fuseki all speak: each file of ``ontology/`` and ``data/`` is ``PUT`` (§5.3,
replace) to ``?graph=<its graph IRI>``, the same IRI the embedded store gives it
(:func:`server.store.embedded.graph_files`), so :class:`server.store.remote.RemoteStore` serves
the store exactly as the embedded one.

- **Only what changed.** The loader records, in a graph of its own (:func:`meta_graph`), each
  graph's triple count (``void:triples``) and the SHA-256 of its file (``dcterms:identifier``);
  a file whose hash is recorded is not sent again, a graph whose file is gone is deleted. It
  also keeps when the files last changed (``dcterms:modified``: the front's ``Last-Modified``,
  as the embedded store gives it). The
  record is written last, after the counts are verified, so the front's ``version`` (a hash of
  the record) changes only once the new data is complete.
- **Verified.** After the transfer, one ``COUNT`` per graph through the query endpoint must
  equal the number of distinct triples pyoxigraph parses from the file.
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
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from server.rdf import alignments
from server.rdf.formats import SOURCE_FORMATS
from server.store.remote import (
    DCTERMS_IDENTIFIER,
    DCTERMS_MODIFIED,
    META_QUERY,
    VOID_TRIPLES,
    meta_graph,
)

#: Query endpoints beside the usual Graph Store endpoints (oxigraph, Virtuoso, Fuseki).
QUERY_BESIDE = {
    "/store": "/query",
    "/sparql-graph-crud-auth": "/sparql",
    "/sparql-graph-crud": "/sparql",
    "/data": "/query",
}


class LoadError(RuntimeError):
    """The load cannot go on: the message says what failed and where."""


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
    """One file to load: its graph IRI, bytes, media type, hash and distinct triple count."""

    iri: str
    file: Path
    content: bytes
    media_type: str
    digest: str
    triples: int


def source_graph(iri: str, file: Path) -> SourceGraph:
    """Read and parse one file (a file that does not parse is a :class:`LoadError`)."""
    offer = SOURCE_FORMATS[file.suffix]
    content = file.read_bytes()
    try:
        triples = {quad.triple for quad in ox.parse(content, offer.rdf_format)}
    except SyntaxError as error:
        raise LoadError(f"{file}: not valid {offer.media_type}: {error}") from None
    digest = "sha256:" + hashlib.sha256(content).hexdigest()
    return SourceGraph(iri, file, content, offer.media_type, digest, len(triples))


@dataclass(frozen=True)
class Report:
    """What a load did, graph IRIs by outcome."""

    sent: list[str]
    unchanged: list[str]
    deleted: list[str]
    counts: dict[str, int]


class GraphStoreClient:
    """A Graph Store Protocol endpoint and the query endpoint of the same store."""

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
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, store_url, user, password or "")
            passwords.add_password(None, query_url, user, password or "")
            handlers += [
                urllib.request.HTTPBasicAuthHandler(passwords),
                urllib.request.HTTPDigestAuthHandler(passwords),
            ]
        self.opener = urllib.request.build_opener(*handlers)

    def _request(self, request: urllib.request.Request, what: str) -> bytes:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace").strip()[:300]
            if error.code in (401, 403):
                raise LoadError(
                    f"{what}: {request.full_url} refused the credentials ({error.code}); set "
                    "ICTKG_LOAD_USER and ICTKG_LOAD_PASSWORD to an account allowed to write"
                ) from None
            raise LoadError(f"{what}: {request.full_url} answered {error.code}: {body}") from None
        except (OSError, ValueError) as error:  # refused, unknown host, timed out, bad URL
            reason = getattr(error, "reason", error)
            raise LoadError(f"{what}: cannot reach {request.full_url}: {reason}") from None

    def graph_url(self, iri: str) -> str:
        """The store URL of a graph (§4.2 indirect identification: ``?graph=``)."""
        separator = "&" if "?" in self.store_url else "?"
        return f"{self.store_url}{separator}{urllib.parse.urlencode({'graph': iri})}"

    def put(self, iri: str, content: bytes, media_type: str) -> None:
        """Replace the graph with ``content`` (§5.3)."""
        request = urllib.request.Request(
            self.graph_url(iri),
            data=content,
            method="PUT",
            headers={"Content-Type": media_type, "User-Agent": "ictkg-load"},
        )
        self._request(request, f"loading <{iri}>")

    def delete(self, iri: str) -> None:
        """Remove the graph (§5.4); one that is already gone is fine."""
        request = urllib.request.Request(
            self.graph_url(iri), method="DELETE", headers={"User-Agent": "ictkg-load"}
        )
        try:
            self._request(request, f"deleting <{iri}>")
        except LoadError as error:
            if " answered 404" not in str(error):
                raise

    def select(self, sparql: str) -> list[dict[str, str]]:
        """A SELECT through the query endpoint, as rows of plain values (unbound left out)."""
        request = urllib.request.Request(
            self.query_url,
            data=urllib.parse.urlencode({"query": sparql}).encode(),
            method="POST",
            headers={
                "Accept": "application/sparql-results+json",
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "ictkg-load",
            },
        )
        body = self._request(request, "querying the store")
        try:
            bindings = json.loads(body)["results"]["bindings"]
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


def load(
    client: GraphStoreClient,
    base_iri: str,
    graphs: Mapping[str, Path],
    progress: Callable[[str], None] = lambda line: None,
) -> Report:
    """Make the store hold exactly ``graphs`` (graph IRI -> file), then verify and record it."""
    sources = [source_graph(iri, file) for iri, file in graphs.items()]
    recorded = client.recorded(base_iri)
    sent, unchanged = [], []
    for source in sources:
        if recorded.get(source.iri) == source.digest:
            unchanged.append(source.iri)
            continue
        progress(f"loading {source.file} into <{source.iri}> ({source.triples} triples)")
        client.put(source.iri, source.content, source.media_type)
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
    client.put(meta_graph(base_iri), record(base_iri, sources), "application/n-triples")
    return Report(sent, unchanged, deleted, counts)


def record(base_iri: str, sources: list[SourceGraph]) -> bytes:
    """The loader's record as N-Triples: each graph's size and content hash, and when the files
    last changed (the embedded store's ``Last-Modified``)."""
    newest = max((int(s.file.stat().st_mtime) for s in sources), default=0)
    stamp = datetime.fromtimestamp(newest, tz=UTC).isoformat()
    lines = [
        f"<{meta_graph(base_iri)}> <{DCTERMS_MODIFIED}> "
        f'"{stamp}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'
    ]
    for source in sources:
        count = f'"{source.triples}"^^<http://www.w3.org/2001/XMLSchema#integer>'
        lines.append(f"<{source.iri}> <{VOID_TRIPLES}> {count} .")
        lines.append(f'<{source.iri}> <{DCTERMS_IDENTIFIER}> "{source.digest}" .')
    return ("\n".join(lines) + "\n").encode()


def entailed_file(base_iri: str, graphs: Mapping[str, Path], folder: Path) -> dict[str, Path]:
    """The entailed graph of the alignments (:mod:`server.rdf.alignments`) as an N-Triples file
    in ``folder``, computed exactly as the embedded store computes it, so a remote store holds
    the same graphs as the embedded one: ``{graph IRI: file}``, empty when nothing is entailed.

    Separate Graph Store requests cannot keep a blank node shared by two graphs, so an entailed
    triple about a blank node is refused (load the N-Quads dump instead, in one request). The
    file's time is that of the newest source file: the dataset's date does not change by loading.
    """
    engine = ox.Store()
    for name, file in graphs.items():
        engine.load(
            path=file, format=SOURCE_FORMATS[file.suffix].rdf_format, to_graph=ox.NamedNode(name)
        )
    alignments.materialize(engine, base_iri)
    name = alignments.graph_iri(base_iri)
    triples = [q.triple for q in engine.quads_for_pattern(None, None, None, ox.NamedNode(name))]
    if not triples:
        return {}
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
    path = folder / "entailed-alignments.nt"
    with path.open("wb") as output:
        ox.serialize(triples, output, format=ox.RdfFormat.N_TRIPLES)
    newest = max((file.stat().st_mtime for file in graphs.values()), default=0)
    os.utime(path, (newest, newest))
    return {name: path}
