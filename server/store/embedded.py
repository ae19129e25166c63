"""The engine behind one small interface.

Everything the server asks of its data goes through :meth:`Store.query`, which returns
pyoxigraph's own result objects (``QuerySolutions``, ``QueryBoolean``, or the triples of a
``CONSTRUCT`` / ``DESCRIBE`` as ``QueryTriples``) so the endpoint can let the engine serialize
results itself. The embedded store loads ``ontology/`` and ``data/`` with one named graph per file
(``{base}graph/{dir}/{stem}``); queries see the RDF merge of all graphs as their default graph,
as the SPARQL 1.1 Service Description of the endpoint says (:func:`merge_default_graph`).

Three stores answer the same interface (``query``, ``version``, ``graphs``, ``files``,
``len()``, ``kind``): :class:`Store` in memory (the default), :class:`Store` on disk
(``STORE_PATH``: bulk-loaded once, then opened read-only, and reopened without reloading while
its files are unchanged) and :class:`server.store.remote.RemoteStore` (``SPARQL_ENDPOINT``).
:func:`open_store` picks one from the configuration.

Nothing here knows about Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server.config import graph_namespace
from server.rdf import alignments
from server.rdf.formats import SOURCE_FORMATS
from server.store.base import QueryResult, QueryStore
from server.store.safety import declares_dataset

#: The pyoxigraph format of each kind of source file (see :data:`SOURCE_FORMATS`).
RDF_SUFFIXES = {suffix: offer.rdf_format for suffix, offer in SOURCE_FORMATS.items()}

#: How a store holds the files, part of the dataset version: a change reloads an on-disk store
#: loaded the older way. "merged-1": the default graph holds the merge when a triple is stated
#: twice (:func:`merge_default_graph`).
LAYOUT = "merged-1"

#: The file, inside an on-disk store's directory, naming the dataset version it holds.
VERSION_FILE = "ictkg-dataset-version"


def rdf_files(directories: Iterable[str | Path]) -> list[Path]:
    """The RDF files of the given directories, in a stable order (recursively, sorted)."""
    files: list[Path] = []
    for directory in directories:
        root = Path(directory)
        files.extend(sorted(p for p in root.rglob("*") if p.suffix in RDF_SUFFIXES))
    return files


def graph_iri(base_iri: str, root: Path, file: Path) -> str:
    """The named graph a file is loaded into: ``{base}graph/{root name}/{path without suffix}``."""
    relative = file.relative_to(root.parent).with_suffix("")
    return f"{graph_namespace(base_iri)}{relative.as_posix()}"


def graph_files(base_iri: str, directories: Iterable[str | Path]) -> dict[str, Path]:
    """Every file of the directories, keyed by the named graph it is loaded into."""
    graphs: dict[str, Path] = {}
    for directory in directories:
        root = Path(directory)
        for file in rdf_files([root]):
            graphs[graph_iri(base_iri, root, file)] = file
    return graphs


def dataset_hash(files: Iterable[Path]) -> str:
    """A content hash of the dataset: changes exactly when a byte of a loaded file changes, or
    the rules that entail the alignments' triples from them (:data:`alignments.RULES_VERSION`),
    or how a store holds them (:data:`LAYOUT`).

    Reading every byte takes seconds for 1e7 triples, so the hash is remembered for the files'
    :func:`file_signature` within a process, and the processes forked from it (the server's
    workers) inherit what it computed; an on-disk store records it too (:func:`prepare_disk_store`).
    """
    files = list(files)
    signature = file_signature(files)
    if signature not in _HASHES:
        digest = hashlib.sha256((alignments.RULES_VERSION + LAYOUT).encode())
        for file in files:
            digest.update(file.name.encode())
            with file.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        _HASHES[signature] = digest.hexdigest()
    return _HASHES[signature]


def file_signature(files: Iterable[Path]) -> str:
    """Path, size and modification time (in ns) of each file: what a content change changes;
    and the version of the entailment rules and of the layout, which change what a store holds
    from the same files (:mod:`server.rdf.alignments`, :data:`LAYOUT`)."""
    entries = [alignments.RULES_VERSION, LAYOUT]
    for file in files:
        stat = file.stat()
        entries.append(f"{file}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


#: dataset_hash's memory: file signature -> content hash.
_HASHES: dict[str, str] = {}


def query_engine(
    engine: ox.Store,
    sparql: str,
    default_graph_uris: list[str] | None,
    named_graph_uris: list[str] | None,
    prefixes: dict[str, str] | None = None,
    base_iri: str | None = None,
    merged: bool = False,
) -> QueryResult:
    """Run a query on a pyoxigraph store with the SPARQL Protocol's dataset parameters.

    The protocol's IRIs win over the query's ``FROM`` (SPARQL 1.1 Protocol §2.1.4); without
    either, the default graph is the merge of all graphs: the store's own default graph where
    it holds it (``merged``, :func:`merge_default_graph`), else their union. The IRIs name
    graphs of this store only: one it does not hold is an empty graph, never fetched; named
    graphs alone leave the default graph empty. ``prefixes`` and ``base_iri`` apply before the
    query's own prologue (:mod:`server.store.prefixes`).
    """
    kwargs: dict[str, Any] = {}
    if prefixes:
        kwargs["prefixes"] = prefixes
    if base_iri:
        kwargs["base_iri"] = base_iri
    if default_graph_uris:
        kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
    elif not declares_dataset(sparql):
        if named_graph_uris:
            if merged:
                kwargs["default_graph"] = []
        elif not merged:
            kwargs["use_default_graph_as_union"] = True
    if named_graph_uris:
        kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
    return engine.query(sparql, **kwargs)


def merge_default_graph(engine: ox.Store, graphs: Mapping[str, Path]) -> bool:
    """Put every triple of the named graphs, once, into the store's default graph when one is
    stated in two graphs; whether the default graph holds them (:func:`merged`).

    A query's default graph is the RDF merge of the dataset's graphs (the Service Description
    says ``sd:UnionDefaultGraph``), a set: a triple two sources state is one triple. pyoxigraph
    0.5.13's union default graph yields it once per graph (oxigraph#1919, mended after that
    release), so ``COUNT`` and ``SUM`` over the default graph counted it twice, and disagreed
    with VoID (the real data states 32 triples in two files each, as two sources say them).
    The merge costs a copy of the triples (three indexes for each, beside the six of the
    quads), so it is made only for data that needs it: data where no triple is stated twice
    (the benchmark's) keeps the union at no cost. The check probes each triple of every file
    but the largest (any triple stated twice is in one of them) for another graph holding it;
    the entailed graph never holds a stated triple (:mod:`server.rdf.alignments`)."""
    if len(graphs) > 1:
        largest = max(graphs, key=lambda name: graphs[name].stat().st_size)
        checked = " ".join(f"<{name}>" for name in graphs if name != largest)
        twice = (
            f"ASK {{ VALUES ?g {{ {checked} }} GRAPH ?g {{ ?s ?p ?o }} "
            "GRAPH ?h { ?s ?p ?o } FILTER(?h != ?g) }"
        )
        if bool(engine.query(twice)):
            engine.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return merged(engine)


def merged(engine: ox.Store) -> bool:
    """Whether the store's default graph holds the merge (files load only into named graphs)."""
    return (
        next(iter(engine.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None
    )


@dataclass(frozen=True)
class DiskState:
    """What an on-disk store holds, as recorded beside it in :data:`VERSION_FILE` (one value a
    line): the dataset version, the signature of the files it was loaded from, and the number
    of quads (``None`` in a record written before the count was kept)."""

    version: str
    signature: str
    quads: int | None = None

    @classmethod
    def read(cls, directory: Path) -> DiskState | None:
        """The record in ``directory``, or ``None`` when there is none or it is not ours."""
        marker = directory / VERSION_FILE
        fields = marker.read_text().split() if marker.is_file() else []
        if len(fields) == 2:
            return cls(fields[0], fields[1])
        if len(fields) == 3 and fields[2].isdigit():
            return cls(fields[0], fields[1], int(fields[2]))
        return None

    def write(self, directory: Path) -> None:
        lines = [self.version, self.signature, *([] if self.quads is None else [str(self.quads)])]
        (directory / VERSION_FILE).write_text("".join(f"{line}\n" for line in lines))


def prepare_disk_store(path: str | Path, graphs: Mapping[str, Path], base_iri: str) -> DiskState:
    """Make the store at ``path`` hold exactly ``graphs``: bulk-load them unless already there;
    what it then holds.

    The store records the dataset version it was loaded from, the files' signature and its
    number of quads; while the signature is the same, no file is read again (a restart on
    unchanged data takes as long as opening the store), and while the version is the same,
    nothing is loaded again. The count is recorded because RocksDB counts by visiting every
    quad: seconds at 1e7 triples, in every worker that answered ``/health``. Otherwise the
    store is cleared and reloaded with pyoxigraph's bulk loader, and the entailed graph of
    :mod:`server.rdf.alignments` is computed into it (the rules' version is part of the
    signature and of the dataset version, so new rules reload the store). Run it once, before
    web workers open the store read-only (``ictkg serve`` does it in the master process).
    """
    directory = Path(path)
    files = list(graphs.values())
    signature = file_signature(files)
    recorded = DiskState.read(directory)
    if recorded is not None and recorded.signature == signature:
        _HASHES[signature] = recorded.version
    version = dataset_hash(files)
    if recorded is not None and recorded.version == version:
        state = recorded
        if recorded.quads is None:  # recorded before the count was kept: count it once
            state = DiskState(version, signature, len(ox.Store.read_only(str(directory))))
        elif recorded.signature != signature:  # same data, files touched
            state = DiskState(version, signature, recorded.quads)
        if state != recorded:
            state.write(directory)
        return state
    directory.mkdir(parents=True, exist_ok=True)
    (directory / VERSION_FILE).unlink(missing_ok=True)
    engine = ox.Store(str(directory))
    try:
        engine.clear()
        for name, file in graphs.items():
            engine.bulk_load(
                path=file, format=RDF_SUFFIXES[file.suffix], to_graph=ox.NamedNode(name)
            )
        sources = {name: (file, RDF_SUFFIXES[file.suffix]) for name, file in graphs.items()}
        alignments.materialize(engine, base_iri, sources=sources)
        quads = len(engine)  # in the named graphs: the merge, if any, is a copy of them
        merge_default_graph(engine, graphs)
        engine.flush()
        state = DiskState(version, signature, quads)
    finally:
        del engine  # closes RocksDB, releasing its lock for the read-only openers
    state.write(directory)
    return state


@dataclass
class Store(QueryStore):
    """An embedded pyoxigraph store holding one named graph per source file.

    In memory by default; with ``path``, on disk (loaded once, then opened read-only so that
    any number of processes can share it).
    """

    base_iri: str
    directories: list[Path]
    path: str | None = None
    files: list[Path] = field(default_factory=list)
    graphs: dict[str, Path] = field(default_factory=dict)
    version: str = ""
    #: Whether the default graph holds the merge of the named graphs (:func:`merge_default_graph`).
    merged: bool = False
    _size: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.graphs = graph_files(self.base_iri, self.directories)
        self.files = list(self.graphs.values())
        if self.path:
            state = prepare_disk_store(self.path, self.graphs, self.base_iri)
            self.version, self._size = state.version, state.quads
            self.engine = ox.Store.read_only(str(self.path))
            self.merged = merged(self.engine)
        else:
            self.version = dataset_hash(self.files)
            self.engine = ox.Store()
            for name, file in self.graphs.items():
                self.engine.load(
                    path=file, format=RDF_SUFFIXES[file.suffix], to_graph=ox.NamedNode(name)
                )
            alignments.materialize(self.engine, self.base_iri)
            len(self)  # now, in the process that loads it (ictkg serve: before the fork)
            self.merged = merge_default_graph(self.engine, self.graphs)

    @property
    def kind(self) -> str:
        return "disk" if self.path else "memory"

    def after_fork(self) -> None:
        """In a freshly forked query worker: give it its own handle on an on-disk store.

        RocksDB is not fork-safe, so a child never uses the parent's handle; the in-memory
        store is plain memory, shared copy-on-write.
        """
        if self.path:
            self.engine = ox.Store.read_only(str(self.path))

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a read-only query; the default graph is the union of all graphs unless told.

        ``prefixes`` / ``base_iri``: predefined for the query, its own declarations win.
        """
        return query_engine(
            self.engine,
            sparql,
            default_graph_uris,
            named_graph_uris,
            prefixes,
            base_iri,
            self.merged,
        )

    def __len__(self) -> int:
        """The quads of the named graphs (counted before any merge into the default graph).

        Counted once: the store never changes once loaded, and pyoxigraph counts by visiting
        every quad (60 ms at 1e6 triples in memory, seconds on disk at 1e7), which in a forked
        worker also turns every page of a store shared copy-on-write into a copy of its own. An
        on-disk store's count is the one recorded when it was loaded (:class:`DiskState`)."""
        if self._size is None:
            self._size = len(self.engine)
        return self._size
