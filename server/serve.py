"""``ictkg serve``: the publisher under gunicorn (the Flask development server only with --dev).

Options become configuration overrides (on top of the defaults and ``ICTKG_*`` variables), so
the same command publishes any knowledge graph laid out like this one. gunicorn is embedded
with its ``BaseApplication``: each worker process builds its own app after the fork (no
``preload_app``), so each has its own store handle and its own query workers, forked before the
worker starts its threads. An on-disk store (``--store``) is bulk-loaded once here, in the
master, before any worker opens it read-only.

With the embedded store, the master serves a checked snapshot of the data and reloads it on
``SIGHUP`` or, with ``--watch``, when the files change (:mod:`server.reload`).

Start-up fails early and plainly: a missing or unreadable directory, a bad configuration value,
data that does not parse or validate, or a port already in use is one line on stderr naming what
and where (the option or ``ICTKG_*`` variable, the path, ``file:line``), and exit status 2, the
usage-error status of click and of ``ictkg validate``; never a traceback.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from server.config import DEFAULTS, PROJECT_ROOT


class StartupError(click.ClickException):
    """Why the server cannot start: printed as one ``Error: …`` line, exit status 2."""

    exit_code = 2


class StderrLog:
    """The reloader's log before gunicorn's exists (start-up problems go to stderr)."""

    def info(self, msg: str, *args: Any) -> None:
        click.echo(msg % args, err=True)

    error = info


def run_gunicorn(
    overrides: dict[str, Any],
    options: dict[str, Any],
    snapshots: Any = None,
    watch: float | None = None,
) -> None:
    """gunicorn running ``create_app(overrides)`` in each worker (imported only to serve).

    With ``snapshots`` (:class:`server.reload.Snapshots`), ``SIGHUP`` first checks a new
    snapshot of the data and only then lets gunicorn replace its workers; ``watch`` (seconds)
    sends that ``SIGHUP`` when the files change.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    from server import create_app
    from server.reload import Watcher

    class ReloadingArbiter(Arbiter):
        def start(self) -> None:
            super().start()
            become_subreaper()

        def handle_chld(self) -> None:
            super().handle_chld()
            known = {*self.WORKERS, getattr(self, "dirty_arbiter_pid", 0)}
            kill_orphans(known)

        handle_cld = handle_chld  # SIGCLD is SIGCHLD on Linux: whichever name gunicorn looks up

        def handle_hup(self) -> None:
            if snapshots is not None:
                snapshots.log = self.log
                snapshot = snapshots.reload()
                if snapshot is None:
                    return
                application.overrides.update(snapshot.overrides())
            super().handle_hup()

    class Gunicorn(BaseApplication):
        def __init__(self) -> None:
            self.overrides = dict(overrides)
            super().__init__()

        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # newer settings are skipped on older gunicorns
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(self.overrides)

        def run(self) -> None:
            master = os.getpid()
            watcher = None
            if watch and snapshots is not None:
                watcher = Watcher(list(snapshots.sources.values()), watch)
                watcher.start()
            try:
                ReloadingArbiter(self).run()
            finally:
                if os.getpid() == master:  # a worker leaves through here too: it keeps them
                    if watcher:
                        watcher.stop()
                    if snapshots is not None:
                        snapshots.close()

    application = Gunicorn()
    application.run()


def become_subreaper() -> None:
    """Adopt the processes orphaned below us (Linux ``PR_SET_CHILD_SUBREAPER``).

    A gunicorn worker killed outright (``SIGKILL``, the OOM killer) cannot stop its query
    workers, and one busy with a runaway query would not notice for minutes. As a subreaper the
    master inherits them, and :func:`kill_orphans` ends them when it reaps the worker.
    """
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0)


def kill_orphans(known: set[int]) -> None:
    """SIGKILL every child of this process that is not one of ``known`` (its workers)."""
    me = Path(f"/proc/{os.getpid()}/task")
    try:
        listed = " ".join((task / "children").read_text() for task in me.iterdir())
    except OSError:  # not Linux, or /proc is not mounted: nothing adopted to look after
        return
    for pid in {int(p) for p in listed.split()} - known:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, os.WNOHANG)
        except (ProcessLookupError, ChildProcessError):
            pass


def settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """The configuration the app will see: defaults, then ``ICTKG_*``, then the options."""
    from flask import Config

    config = Config(str(PROJECT_ROOT))
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("ICTKG")
    config.from_mapping(overrides)
    return config


# --- checks before anything starts --------------------------------------------------------------

#: Numeric settings: (type, smallest allowed value). Everything else keeps its own checks.
NUMBERS: dict[str, tuple[type, float]] = {
    "QUERY_TIMEOUT": (float, 0.001),
    "REMOTE_TIMEOUT": (float, 0.001),
    "RELOAD_WATCH_INTERVAL": (float, 0.01),
    "RESULT_ROW_LIMIT": (int, 1),
    "MAX_QUERY_LENGTH": (int, 1),
    "MAX_CONTENT_LENGTH": (int, 1),
    "QUERY_WORKERS": (int, 1),
    "QUERY_WORKER_NICE": (int, 0),
    "BACKLINKS_PAGE_SIZE": (int, 1),
    "REPRESENTATION_CACHE_SIZE": (int, 1),
    "RESPONSE_CACHE_SIZE": (int, 0),
    "RESPONSE_CACHE_BYTES": (int, 0),
    "RESPONSE_CACHE_MAX_BODY": (int, 0),
}
FLAGS = ("VALIDATE_ON_START", "REWRITE_IRIS")
#: The option that sets a configuration key, to name it in messages.
OPTION_OF = {
    "QUERY_TIMEOUT": "--query-timeout",
    "QUERY_WORKERS": "--query-workers",
    "STORE_PATH": "--store",
    "SPARQL_ENDPOINT": "--sparql-endpoint",
    "BASE_IRI": "--base-iri",
    "ONTOLOGY_DIR": "--ontology",
    "DATA_DIR": "--data",
    "SHAPES_DIR": "--shapes",
}


def origin(key: str, overrides: Mapping[str, Any]) -> str:
    """Where a setting came from: the option, the ``ICTKG_*`` variable, or the default."""
    if key in overrides:
        return OPTION_OF.get(key, key)
    if f"ICTKG_{key}" in os.environ:
        return f"ICTKG_{key}"
    return f"{key} (default)"


def check_settings(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    """Raise :class:`StartupError` for the first value the server could not run with."""
    for key, (kind, least) in NUMBERS.items():
        value = config.get(key)
        if key not in config:
            continue
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and kind is int:
            ok = float(value).is_integer()
        if not ok or not math.isfinite(value) or value < least:
            what = "an integer" if kind is int else "a number"
            raise StartupError(
                f"{key} from {origin(key, overrides)} must be {what} >= {least:g}, not {value!r}"
            )
    for key in FLAGS:
        if not isinstance(config.get(key), bool):
            raise StartupError(
                f"{key} from {origin(key, overrides)} must be true or false, "
                f"not {config.get(key)!r}"
            )
    base = config.get("BASE_IRI")
    if not (isinstance(base, str) and is_http_url(base) and base.endswith(("/", "#"))):
        raise StartupError(
            f"BASE_IRI from {origin('BASE_IRI', overrides)} must be an http(s) IRI ending in "
            f"'/', not {base!r}"
        )
    endpoint = config.get("SPARQL_ENDPOINT")
    if endpoint is not None and not (isinstance(endpoint, str) and is_http_url(endpoint)):
        raise StartupError(
            f"SPARQL_ENDPOINT from {origin('SPARQL_ENDPOINT', overrides)} must be an http(s) "
            f"URL, not {endpoint!r}"
        )


def is_http_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


def check_directories(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    """Every directory the server reads exists, is a directory and can be listed and read."""
    for key in ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR"):
        path = Path(config[key])
        where = f"{key} from {origin(key, overrides)}"
        if not path.exists():
            raise StartupError(f"{where}: {path} does not exist")
        if not path.is_dir():
            raise StartupError(f"{where}: {path} is not a directory")
        try:
            entries = list(path.rglob("*"))
        except OSError as error:
            raise StartupError(f"{where}: {path} cannot be read: {error.strerror}") from None
        if not os.access(path, os.R_OK | os.X_OK):
            raise StartupError(f"{where}: {path} cannot be read: permission denied")
        for entry in entries:
            if entry.is_dir() and not os.access(entry, os.R_OK | os.X_OK):
                raise StartupError(f"{where}: {entry} cannot be read: permission denied")
            if entry.suffix in (".ttl", ".nt") and not readable_file(entry):
                raise StartupError(f"{where}: {entry} cannot be read")


def readable_file(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            file.read(1)
    except OSError:
        return False
    return True


def check_port(host: str, port: int) -> None:
    """The address is free now (gunicorn would retry for seconds, then print a traceback)."""
    if not 0 < port < 65536:
        raise StartupError(f"--port must be between 1 and 65535, not {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise StartupError(f"--host {host!r} cannot be resolved: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            reason = "address already in use" if error.errno == errno.EADDRINUSE else None
            raise StartupError(
                f"cannot listen on {host}:{port}: {reason or error.strerror}"
            ) from None


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
        # Request lines are bounded at gunicorn's maximum, 8190 bytes (0 would mean no bound at
        # all: a client could make a worker buffer any amount); longer lines get 414, and longer
        # queries go in a POST body, bounded by MAX_QUERY_LENGTH / MAX_CONTENT_LENGTH.
        # Headers: at most 100 fields of 8190 bytes each (gunicorn's defaults), else 431.
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": "-",
        # gunicorn 23+'s control socket has one default path per user: two servers would clash.
        "control_socket_disable": True,
        "errorlog": "-",
    }


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1))
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
@click.option("--ontology", type=click.Path(path_type=Path, readable=False))
@click.option("--data", type=click.Path(path_type=Path, readable=False))
@click.option("--shapes", type=click.Path(path_type=Path, readable=False))
@click.option(
    "--watch",
    is_flag=True,
    help="Reload the data when its files change (checked first; SIGHUP reloads too).",
)
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
    watch: bool,
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
    check_settings(config, overrides)
    check_directories(config, overrides)
    if watch and (dev or config["STORE_PATH"] or config["SPARQL_ENDPOINT"]):
        raise StartupError(
            "--watch reloads the embedded in-memory store under gunicorn: not with --dev, "
            "--store or --sparql-endpoint"
        )
    check_port(host, port)
    snapshots = None
    if config["STORE_PATH"] and not config["SPARQL_ENDPOINT"]:
        from server.store import dataset_hash, graph_files, prepare_disk_store

        graphs = graph_files(
            config["BASE_IRI"], [Path(config["ONTOLOGY_DIR"]), Path(config["DATA_DIR"])]
        )
        try:
            prepare_disk_store(config["STORE_PATH"], graphs, dataset_hash(graphs.values()))
        except (OSError, SyntaxError) as error:
            raise StartupError(f"--store {config['STORE_PATH']}: {error}") from None
    elif not config["SPARQL_ENDPOINT"] and not dev:
        snapshots = first_snapshot(config)
        overrides.update(snapshots.current.overrides())
    if dev:
        from server import create_app

        create_app(overrides).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    run_gunicorn(
        overrides,
        gunicorn_options(host, port, workers, threads, config),
        snapshots,
        float(config["RELOAD_WATCH_INTERVAL"]) if watch else None,
    )


def first_snapshot(config: Mapping[str, Any]) -> Any:
    """The checked snapshot the workers start on; data that must not be served stops here."""
    from server.reload import SnapshotRefused, Snapshots

    snapshots = Snapshots(config, StderrLog())
    try:
        snapshots.take()
    except SnapshotRefused as refused:
        snapshots.close()
        more = len(refused.problems) - 1
        raise StartupError(
            f"the data cannot be served: {refused.problems[0]}"
            + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
        ) from None
    except OSError as error:
        snapshots.close()
        raise StartupError(f"the data cannot be copied: {error}") from None
    snapshots.log.info("ictkg serve: serving a checked copy of the data in %s", snapshots.home)
    return snapshots
