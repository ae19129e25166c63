"""``ictkg load --into URL``: put the dataset into a remote store (see :mod:`server.store.loader`).

Credentials come from the environment (``ICTKG_LOAD_USER``, ``ICTKG_LOAD_PASSWORD``), never from
the command line, where other users of the machine could read them. Any failure (a bad URL,
refused credentials, an engine that is down, a file that does not parse, counts that differ)
prints one line saying what and where, and exits with 2.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from server.config import dataset_options, dataset_overrides, dataset_value
from server.store.embedded import graph_files
from server.store.loader import (
    CHUNK_BYTES,
    GraphStoreClient,
    LoadError,
    derived_files,
    load,
    query_endpoint_for,
)


@click.command("load")
@click.option(
    "--into",
    "store_url",
    required=True,
    help="The store's SPARQL 1.1 Graph Store endpoint, e.g. http://127.0.0.1:7878/store "
    "(oxigraph serve), http://127.0.0.1:8890/sparql-graph-crud-auth (Virtuoso), "
    "http://127.0.0.1:3030/ds/data (Fuseki).",
)
@click.option(
    "--sparql-endpoint",
    "query_url",
    help="The store's query endpoint, to verify the counts; by default the one beside the "
    "Graph Store endpoint (/query, /sparql, /ds/query).",
)
@dataset_options("ontology", "data", "base_iri")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request to the store.",
)
@click.option(
    "--chunk-bytes",
    type=click.IntRange(min=1),
    default=CHUNK_BYTES,
    show_default=True,
    help="The largest request body: a larger file is sent in N-Triples parts (the first "
    "replaces the graph, the others are added to it), triples joined by blank nodes together "
    "(such a group larger than this is sent whole, with a warning).",
)
def load_command(
    store_url: str,
    query_url: str | None,
    ontology: Path | None,
    data: Path | None,
    base_iri: str | None,
    timeout: float,
    chunk_bytes: int,
) -> None:
    """Load every file into its named graph of a remote store (replacing what changed), then
    verify the counts. Credentials: ICTKG_LOAD_USER and ICTKG_LOAD_PASSWORD."""
    query_url = query_url or query_endpoint_for(store_url)
    if query_url is None:
        raise click.UsageError(
            f"no query endpoint is known beside {store_url}: give --sparql-endpoint"
        )
    try:
        client = GraphStoreClient(
            store_url,
            query_url,
            user=os.environ.get("ICTKG_LOAD_USER"),
            password=os.environ.get("ICTKG_LOAD_PASSWORD"),
            timeout=timeout,
        )
        given = dataset_overrides({"ontology": ontology, "data": data, "base_iri": base_iri})
        base = dataset_value("BASE_IRI", given)
        folders = [Path(dataset_value(name, given)) for name in ("ONTOLOGY_DIR", "DATA_DIR")]
        for folder in folders:
            if not folder.is_dir():
                raise LoadError(f"{folder} is not a directory")
        graphs = graph_files(base, folders)
        with tempfile.TemporaryDirectory(prefix="ictkg-load-") as scratch:
            derived = derived_files(base, graphs, Path(scratch))
            report = load(
                client,
                base,
                {**graphs, **derived},
                progress=click.echo,
                chunk_bytes=chunk_bytes,
                warn=lambda line: click.echo(line, err=True),
            )
    except LoadError as error:
        click.echo(f"ictkg load: {error}", err=True)
        sys.exit(2)
    total = sum(report.counts.values())
    click.echo(
        f"{len(report.counts)} graphs, {total} triples verified in {query_url}: "
        f"{len(report.sent)} loaded, {len(report.unchanged)} unchanged, "
        f"{len(report.deleted)} deleted ({report.requests} requests of data)"
    )
