"""The engine behind one small interface.

Everything the server asks of its data goes through :class:`Store.query`, which returns
pyoxigraph's own result objects (``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples``) so the
endpoint can let the engine serialize results itself. The embedded store loads ``ontology/`` and
``data/`` with one named graph per file (``{base}graph/{dir}/{stem}``); queries see the union of
all graphs as their default graph, as the SPARQL 1.1 Service Description of the endpoint says.

Nothing here knows about Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


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
    return f"{base_iri}graph/{relative.as_posix()}"


def dataset_hash(files: Iterable[Path]) -> str:
    """A content hash of the dataset: changes exactly when a byte of a loaded file changes."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@dataclass
class Store:
    """An embedded pyoxigraph store holding one named graph per source file."""

    base_iri: str
    directories: list[Path]
    path: str | None = None
    files: list[Path] = field(default_factory=list)
    graphs: dict[str, Path] = field(default_factory=dict)
    version: str = ""

    def __post_init__(self) -> None:
        self.engine = ox.Store(self.path) if self.path else ox.Store()
        self.load()

    def load(self) -> None:
        """Load every file into its own named graph (the store must be empty)."""
        for directory in self.directories:
            root = Path(directory)
            for file in rdf_files([root]):
                name = graph_iri(self.base_iri, root, file)
                self.engine.load(
                    path=file, format=RDF_SUFFIXES[file.suffix], to_graph=ox.NamedNode(name)
                )
                self.graphs[name] = file
                self.files.append(file)
        self.version = dataset_hash(self.files)

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a read-only query; the default graph is the union of all graphs unless told."""
        kwargs: dict[str, object] = {}
        if default_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graph_uris:
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        return self.engine.query(sparql, **kwargs)

    def __len__(self) -> int:
        return len(self.engine)
