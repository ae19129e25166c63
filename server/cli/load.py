"""``ictkg load --into URL``: put the dataset into a remote store (see :mod:`server.store.loader`).

Credentials come from the environment (``ICTKG_LOAD_USER``, ``ICTKG_LOAD_PASSWORD``), never from
the command line, where other users of the machine could read them. Any failure (a bad URL,
refused credentials, an engine that is down, a file that does not parse, counts that differ)
prints one line saying what and where, and exits with 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from server.config import DEFAULTS
from server.store.embedded import graph_files
from server.store.loader import GraphStoreClient, LoadError, load, query_endpoint_for

_DIRECTORY = click.Path(file_okay=False, exists=True, path_type=Path)


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
@click.option(
    "--ontology",
    "ontology_dir",
    type=_DIRECTORY,
    default=DEFAULTS["ONTOLOGY_DIR"],
    envvar="ICTKG_ONTOLOGY_DIR",
    show_default=True,
    help="Directory of the ontology's Turtle files.",
)
@click.option(
    "--data",
    "data_dir",
    type=_DIRECTORY,
    default=DEFAULTS["DATA_DIR"],
    envvar="ICTKG_DATA_DIR",
    show_default=True,
    help="Directory of the data's Turtle files.",
)
@click.option(
    "--base-iri",
    default=DEFAULTS["BASE_IRI"],
    envvar="ICTKG_BASE_IRI",
    show_default=True,
    help="Base IRI of the dataset: graphs are named {base}graph/{dir}/{file}.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request to the store.",
)
def load_command(
    store_url: str,
    query_url: str | None,
    ontology_dir: Path,
    data_dir: Path,
    base_iri: str,
    timeout: float,
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
        graphs = graph_files(base_iri, [ontology_dir, data_dir])
        report = load(client, base_iri, graphs, progress=click.echo)
    except LoadError as error:
        click.echo(f"ictkg load: {error}", err=True)
        sys.exit(2)
    total = sum(report.counts.values())
    click.echo(
        f"{len(report.counts)} graphs, {total} triples verified in {query_url}: "
        f"{len(report.sent)} loaded, {len(report.unchanged)} unchanged, "
        f"{len(report.deleted)} deleted"
    )
