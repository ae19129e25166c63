"""``ictkg serve``: the publisher under gunicorn (the Flask development server only with --dev).

Options become configuration overrides (on top of the defaults and ``ICTKG_*`` variables), so
the same command publishes any knowledge graph laid out like this one. gunicorn is embedded
with its ``BaseApplication``: each worker process builds its own app after the fork (no
``preload_app``), so each has its own store handle and its own query workers, forked before the
worker starts its threads. An on-disk store (``--store``) is bulk-loaded once here, in the
master, before any worker opens it read-only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from server.config import DEFAULTS, PROJECT_ROOT


def run_gunicorn(overrides: dict[str, Any], options: dict[str, Any]) -> None:
    """gunicorn running ``create_app(overrides)`` in each worker (imported only to serve)."""
    from gunicorn.app.base import BaseApplication

    from server import create_app

    class Gunicorn(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # newer settings are skipped on older gunicorns
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(overrides)

    Gunicorn().run()


def settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """The configuration the app will see: defaults, then ``ICTKG_*``, then the options."""
    from flask import Config

    config = Config(str(PROJECT_ROOT))
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("ICTKG")
    config.from_mapping(overrides)
    return config


def gunicorn_options(
    host: str, port: int, workers: int, threads: int, config: dict[str, Any]
) -> dict[str, Any]:
    """gunicorn settings: gthread workers, and limits that leave the app's own to answer."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # A worker is silent for at most a query's wait for a worker plus its run.
        "timeout": max(30, int(3 * float(config["QUERY_TIMEOUT"]))),
        "graceful_timeout": 10,
        # Long GET queries reach /sparql, which answers 414 past MAX_QUERY_LENGTH (0: gunicorn's
        # own bound of 1 MB per request line).
        "limit_request_line": 0,
        "accesslog": "-",
        # gunicorn 23+'s control socket has one default path per user: two servers would clash.
        "control_socket_disable": True,
        "errorlog": "-",
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@click.option("--threads", default=4, show_default=True, type=int, help="Threads per worker.")
@click.option(
    "--query-workers",
    type=int,
    help="Query processes per worker (default: QUERY_WORKERS, 2).",
)
@click.option("--query-timeout", type=float, help="Seconds a query may run (default 10).")
@click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the store on disk here (loaded once, reopened while the files are unchanged).",
)
@click.option("--sparql-endpoint", help="Use this remote SPARQL 1.1 endpoint as the store.")
@click.option("--base-iri", help="Base IRI of the dataset.")
@click.option("--ontology", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--shapes", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dev", is_flag=True, help="Flask's development server (one process).")
def serve_command(
    host: str,
    port: int,
    workers: int,
    threads: int,
    query_workers: int | None,
    query_timeout: float | None,
    store_path: Path | None,
    sparql_endpoint: str | None,
    base_iri: str | None,
    ontology: Path | None,
    data: Path | None,
    shapes: Path | None,
    dev: bool,
) -> None:
    """Publish the knowledge graph: linked data, SPARQL endpoint, dataset description."""
    given = {
        "QUERY_WORKERS": query_workers,
        "QUERY_TIMEOUT": query_timeout,
        "STORE_PATH": str(store_path) if store_path else None,
        "SPARQL_ENDPOINT": sparql_endpoint,
        "BASE_IRI": base_iri,
        "ONTOLOGY_DIR": str(ontology) if ontology else None,
        "DATA_DIR": str(data) if data else None,
        "SHAPES_DIR": str(shapes) if shapes else None,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    config = settings(overrides)
    if config["STORE_PATH"] and not config["SPARQL_ENDPOINT"]:
        from server.store import dataset_hash, graph_files, prepare_disk_store

        graphs = graph_files(
            config["BASE_IRI"], [Path(config["ONTOLOGY_DIR"]), Path(config["DATA_DIR"])]
        )
        prepare_disk_store(config["STORE_PATH"], graphs, dataset_hash(graphs.values()))
    if dev:
        from server import create_app

        create_app(overrides).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    run_gunicorn(overrides, gunicorn_options(host, port, workers, threads, config))
