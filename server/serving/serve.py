"""``ictkg serve``: the publisher under granian (``--server gunicorn``: gunicorn; ``--dev``: Flask's
development server).

Options become configuration overrides (on top of the defaults and ``ICTKG_*`` variables), so
the same command publishes any knowledge graph laid out like this one. The HTTP server was chosen
by measurement (BENCHMARKS.md): once answers come from memory, parsing HTTP in Python is the
bottleneck, and granian (Rust HTTP in front of the same WSGI app) answers three to six times as
many requests per second as gunicorn here. Either way the server is embedded: each worker process
builds its own app after the fork, with its own query workers, forked before the worker starts
its threads. The store is loaded once, in the master, before any worker is forked: in memory,
the workers share that one copy (copy-on-write); on disk (``--store``), it is bulk-loaded here
and each worker opens it read-only.

With the embedded store, the master serves a checked snapshot of the data and reloads it on
``SIGHUP`` or, with ``--watch``, when the files change (:mod:`server.serving.reload`).

Start-up fails early and plainly: a missing or unreadable directory, a bad configuration value,
data that does not parse or validate, or a port already in use is one line on stderr naming what
and where (the option or ``ICTKG_*`` variable, the path, ``file:line``), and exit status 2, the
usage-error status of click and of ``ictkg validate``; never a traceback.
"""

from __future__ import annotations

import errno
import math
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from server.config import (
    DATASET_OPTIONS,
    DEFAULTS,
    PROJECT_ROOT,
    SettingError,
    check,
    dataset_options,
    dataset_overrides,
)


class StartupError(click.ClickException):
    """Why the server cannot start: printed as one ``Error: …`` line, exit status 2."""

    exit_code = 2


class StderrLog:
    """The reloader's log before gunicorn's exists (start-up problems go to stderr)."""

    def info(self, msg: str, *args: Any) -> None:
        click.echo(msg % args, err=True)

    error = info


class Serving:
    """What a web worker forked now loads, shared by the master with the workers it forks.

    ``overrides`` are the configuration of the data being served (the checked snapshot's
    directories); a reload switches them (:meth:`switch`) before the HTTP server replaces its
    workers, and keeps the ones before as ``previous``. ``generation`` counts the switches in
    memory shared with every worker: a worker whose data is no longer the current one answers
    with ``Connection: close`` (:func:`closing_when`) until the HTTP server stops it.

    With ``shared_store`` (the in-memory store), the store itself is loaded here, in the
    master, before any worker that serves it is forked (:func:`server.store.load_before_fork`):
    the workers share one copy instead of loading one each.
    """

    def __init__(self, overrides: Mapping[str, Any], shared_store: bool = False) -> None:
        import multiprocessing

        self.shared_store = shared_store
        self.overrides = dict(overrides)
        self.previous: dict[str, Any] | None = None
        self.generation = multiprocessing.get_context("fork").RawValue("i", 0)
        self._load(self.overrides)

    def switch(self, overrides: Mapping[str, Any]) -> None:
        """Serve ``overrides`` from now on; raises, with nothing switched, when their store
        cannot be loaded."""
        wanted = {**self.overrides, **overrides}
        self._load(wanted)
        self.previous = dict(self.overrides)
        self.overrides = wanted
        self.generation.value += 1

    def _load(self, overrides: Mapping[str, Any]) -> None:
        if self.shared_store:
            from server.store import load_before_fork

            load_before_fork(settings(dict(overrides)))


def serving(overrides: Mapping[str, Any], snapshots: Any) -> Serving:
    """The master's :class:`Serving`: with snapshots (the in-memory store), the store loaded;
    the data was checked, so only a want of memory stops it here."""
    try:
        return Serving(overrides, shared_store=snapshots is not None)
    except (MemoryError, OSError) as error:
        if snapshots is not None:
            snapshots.close()
        reason = "not enough memory" if isinstance(error, MemoryError) else str(error)
        raise StartupError(f"the data cannot be loaded: {reason}") from None


#: The state of this server, set by :func:`serve_command` in the master before any worker is
#: forked (workers are forked, so they see it as it was when they started).
SERVING: Serving | None = None


def worker_app() -> Any:
    """The WSGI app of one web worker: the factory both HTTP servers call after the fork.

    The data was checked in the master, and its in-memory store loaded there, before the
    workers were told to reload, so building the app fails only for a want of resources; a new
    worker that cannot build it for the new data then builds it for the data served before
    (still on disk) rather than leave the server short of a worker (the error is logged).
    """
    import logging

    from server.app.factory import create_app

    assert SERVING is not None, "worker_app runs in a worker forked by ictkg serve"
    mine = SERVING.generation.value
    try:
        app = create_app(dict(SERVING.overrides))
    except Exception:
        if SERVING.previous is None:
            raise
        logging.getLogger("ictkg").exception("the new data did not load: serving the previous")
        app = create_app(dict(SERVING.previous))
    generation = SERVING.generation
    return closing_when(lambda: generation.value != mine, settled(app))


class Reloader:
    """``SIGHUP`` to the master, the data checked first: the HTTP server hears of it only then.

    :meth:`install` takes over ``SIGHUP`` from the HTTP server (in a documented hook, once the
    server has set its own handler) and keeps that handler. A ``SIGHUP`` (from ``kill -HUP``,
    or from ``--watch``'s :class:`server.serving.reload.Watcher`) wakes a thread that takes
    and checks a new snapshot (:meth:`server.serving.reload.Snapshots.reload`); only a snapshot
    that passes and differs is switched to (:meth:`Serving.switch`) and handed to the server's
    own ``SIGHUP`` handler, which replaces the workers as the server does (granian: one at a
    time; gunicorn: new workers, then the old ones stop gracefully). Refused or unchanged data
    leaves the workers alone.
    """

    def __init__(self, snapshots: Any, serving: Serving) -> None:
        self.snapshots = snapshots
        self.serving = serving
        self.forward: Any = None
        self._wanted = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ictkg-reload", daemon=True)

    def install(self, log: Any) -> None:
        """In the master's main thread, after the HTTP server has set its signal handlers."""
        self.snapshots.log = log
        self.forward = signal.getsignal(signal.SIGHUP)
        signal.signal(signal.SIGHUP, lambda signum, frame: self._wanted.set())
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._stopping:
                return
            snapshot = self.snapshots.reload()
            if snapshot is None or self._stopping:
                continue
            try:
                self.serving.switch(snapshot.overrides())
            except Exception as error:  # MemoryError above all: the data checked, not loaded
                self.snapshots.refuse(snapshot, f"the data cannot be loaded: {error!r}")
                continue
            if callable(self.forward):
                self.forward(signal.SIGHUP, None)

    def stop(self) -> None:
        self._stopping = True
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)


def run_granian(
    overrides: dict[str, Any],
    options: dict[str, Any],
    snapshots: Any = None,
    watch: float | None = None,
) -> None:
    """granian running :func:`worker_app` in each worker process (the default server).

    Only granian's documented interface: the ``Granian`` class with its options (a factory
    target, ``respawn_failed_workers``) and its hooks (``on_startup`` and ``on_shutdown`` run in
    the master). Ours on top: the master adopts and ends the query workers of a worker that was
    killed (:mod:`server.workers.orphans`), and ``SIGHUP`` is checked first
    (:class:`Reloader`), then granian replaces its workers one at a time (each new worker is
    given ``respawn_interval`` seconds before the old one stops). On Linux each granian worker
    listens on a socket of its own (``SO_REUSEPORT``): without ``net.ipv4.tcp_migrate_req=1``
    the connections still queued at a worker that stops are reset (granian's README), so a
    reload under granian may drop a few connections; ``--server gunicorn`` keeps one socket in
    the master and drops none.
    """
    import multiprocessing

    from granian import Granian
    from granian.log import logger

    from server.serving.reload import Watcher
    from server.workers.orphans import OrphanReaper, become_subreaper, reap_orphans

    global SERVING
    multiprocessing.set_start_method("fork", force=True)  # workers inherit SERVING
    SERVING = serving(overrides, snapshots)
    reloader = Reloader(snapshots, SERVING) if snapshots is not None else None
    watcher = Watcher(list(snapshots.sources.values()), watch) if watch and snapshots else None
    reaper = OrphanReaper()
    server = Granian(f"{__name__}:worker_app", factory=True, **options)

    @server.on_startup
    def started() -> None:
        become_subreaper()
        reaper.start()
        if reloader:
            reloader.install(logger)
        if watcher:
            watcher.start()

    @server.on_shutdown
    def stopped() -> None:
        # A granian worker leaves without running its exit handlers (multiprocessing), so the
        # master ends any query worker it adopted from the workers it just stopped.
        reap_orphans()

    try:
        server.serve()
    finally:
        if watcher:
            watcher.stop()
        if reloader:
            reloader.stop()
        reaper.stop()
        reap_orphans()
        if snapshots is not None:
            snapshots.close()


def settled(app: Any) -> Any:
    """The app, with every object made so far (the loaded app, and all a forked worker inherited
    from the master) moved out of the garbage collector's sight (``gc.freeze``).

    They live as long as the worker; without this, each full collection walks all of them
    (pauses of tens of milliseconds under load, and copy-on-write pages dirtied by the walk).
    """
    import gc

    gc.collect()
    gc.freeze()
    return app


def closing_when(retired: Callable[[], bool], app: Any) -> Any:
    """The WSGI ``app``, answering with ``Connection: close`` once ``retired()`` is true.

    A worker serving data that has been replaced closes each connection after its answer (RFC
    9112 §9.6), so kept-alive clients reconnect, to a worker with the new data, at once.
    """

    def closing(environ: dict[str, Any], start_response: Any) -> Any:
        if not retired():
            return app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("Connection", "close")], exc_info)

        return app(environ, start)

    return closing


def granian_options(
    host: str, port: int, workers: int, threads: int, config: Mapping[str, Any]
) -> dict[str, Any]:
    """granian settings: WSGI worker processes, ``threads`` Python threads each."""
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    return {
        "address": host,
        "port": port,
        "interface": Interfaces.WSGI,
        "workers": workers,
        "blocking_threads": threads,
        "websockets": False,
        "http1_settings": HTTP1Settings(max_buffer_size=HEAD_LIMIT),
        "log_level": LogLevels.info,
        "log_access": True,
        "log_dictconfig": {
            "formatters": {
                "generic": {
                    "()": "logging.Formatter",
                    "fmt": "%(asctime)s [%(levelname)s] %(message)s",
                },
                "access": {"()": "logging.Formatter", "fmt": "%(message)s"},
            }
        },
        # A worker that dies is replaced; one that dies again at once stops the server.
        "respawn_failed_workers": True,
        "workers_kill_timeout": float(config["GRACEFUL_TIMEOUT"]),
    }


#: Bytes of request line and headers together that a worker buffers at most: beyond, granian
#: answers 431 without a body (RFC 6585 §5). Twice the 65 534-byte bound of a request target in
#: granian's HTTP library (hyper), so an over-long target gets that library's 414 (RFC 9110
#: §15.5.15) as under gunicorn (whose bound is 8 190 bytes), never a 431: a GET query over
#: MAX_QUERY_LENGTH is a 414 under both. Long queries go in a POST body (MAX_CONTENT_LENGTH).
HEAD_LIMIT = 128 * 1024


def run_gunicorn(
    overrides: dict[str, Any],
    options: dict[str, Any],
    snapshots: Any = None,
    watch: float | None = None,
) -> None:
    """gunicorn running :func:`worker_app` in each worker (``--server gunicorn``).

    gunicorn's own command-line runner with a configuration module,
    :mod:`server.serving.gunicorn_config`: the settings, and gunicorn's documented server hooks
    (``on_starting``, ``when_ready``, ``child_exit``, ``on_exit``) instead of a subclass of its
    arbiter. ``SIGHUP`` is checked first (:class:`Reloader`), then gunicorn's graceful reload
    starts new workers and stops the old ones; its listening socket stays open in the master
    throughout, so a reload drops no connection (they wait in the backlog while the new
    workers load).
    """
    import sys

    from gunicorn.app.wsgiapp import run

    global SERVING, GUNICORN
    SERVING = serving(overrides, snapshots)
    GUNICORN = {
        "options": options,
        "reloader": Reloader(snapshots, SERVING) if snapshots is not None else None,
        "snapshots": snapshots,
        "watch": watch,
        "master": os.getpid(),
    }
    sys.argv = [
        "gunicorn",
        "--config",
        f"python:{__package__}.gunicorn_config",
        f"{__name__}:worker_app()",
    ]
    run(prog="ictkg serve")


#: What :mod:`server.serving.gunicorn_config` reads: gunicorn's settings and the master's helpers.
GUNICORN: dict[str, Any] = {}


def settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """The configuration the app will see: defaults, then ``ICTKG_*``, then the options."""
    from flask import Config

    config = Config(str(PROJECT_ROOT))
    config.from_mapping(DEFAULTS)
    config.from_prefixed_env("ICTKG")
    config.from_mapping(overrides)
    return config


# --- checks before anything starts --------------------------------------------------------------

#: The option that sets a configuration key, to name it in messages.
OPTION_OF = {
    "QUERY_TIMEOUT": "--query-timeout",
    "QUERY_WORKERS": "--query-workers",
    "STORE_PATH": "--store",
    "SPARQL_ENDPOINT": "--sparql-endpoint",
    **{name: "--" + param.replace("_", "-") for param, name in DATASET_OPTIONS.items()},
}


def origin(key: str, overrides: Mapping[str, Any]) -> str:
    """Where a setting came from: the option, the ``ICTKG_*`` variable, or the default."""
    if key in overrides:
        return OPTION_OF.get(key, key)
    if f"ICTKG_{key}" in os.environ:
        return f"ICTKG_{key}"
    return f"{key} (default)"


def check_settings(config: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    """Parse every setting in ``config`` (in place); :class:`StartupError` for a bad one.

    The table of settings and their ranges is :data:`server.config.SETTINGS`; the app factory
    checks the same table in every worker (a worker cannot print a clean message, so the
    master checks first, whichever server runs).
    """
    try:
        config.update(check(config, overrides, OPTION_OF))
    except SettingError as error:
        raise StartupError(str(error)) from None


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
        "graceful_timeout": math.ceil(float(config["GRACEFUL_TIMEOUT"])),
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
        # X-Forwarded-Proto is trusted by the app when TRUSTED_PROXIES says so, never by
        # gunicorn itself (its default trusts 127.0.0.1): the same host under granian.
        "forwarded_allow_ips": "",
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
@dataset_options("ontology", "data", "shapes", "base_iri")
@click.option(
    "--watch",
    is_flag=True,
    help="Reload the data when its files change (checked first; SIGHUP reloads too).",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="Log every request (one line on stdout).",
)
@click.option(
    "--server",
    "http_server",
    type=click.Choice(["granian", "gunicorn"]),
    default="granian",
    show_default=True,
    help="The HTTP server (granian: the faster here, see BENCHMARKS.md).",
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
    access_log: bool,
    http_server: str,
    dev: bool,
) -> None:
    """Publish the knowledge graph: linked data, SPARQL endpoint, dataset description."""
    given = {
        "QUERY_WORKERS": query_workers,
        "QUERY_TIMEOUT": query_timeout,
        "STORE_PATH": str(store_path) if store_path else None,
        "SPARQL_ENDPOINT": sparql_endpoint,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    overrides.update(
        dataset_overrides(
            {"ontology": ontology, "data": data, "shapes": shapes, "base_iri": base_iri}
        )
    )
    config = settings(overrides)
    check_settings(config, overrides)
    check_directories(config, overrides)
    if watch and (dev or config["STORE_PATH"] or config["SPARQL_ENDPOINT"]):
        raise StartupError(
            "--watch reloads the embedded in-memory store: not with --dev, "
            "--store or --sparql-endpoint"
        )
    check_port(host, port)
    snapshots = None
    if config["STORE_PATH"] and not config["SPARQL_ENDPOINT"]:
        from server.store.embedded import graph_files, prepare_disk_store

        graphs = graph_files(
            config["BASE_IRI"], [Path(config["ONTOLOGY_DIR"]), Path(config["DATA_DIR"])]
        )
        try:
            prepare_disk_store(config["STORE_PATH"], graphs, config["BASE_IRI"])
        except (OSError, SyntaxError) as error:
            raise StartupError(f"--store {config['STORE_PATH']}: {error}") from None
    elif not config["SPARQL_ENDPOINT"] and not dev:
        snapshots = first_snapshot(config)
        overrides.update(snapshots.current.overrides())
    if dev:
        from server.app.factory import create_app

        create_app(overrides).run(host=host, port=port, threaded=True, use_reloader=False)
        return
    interval = float(config["RELOAD_WATCH_INTERVAL"]) if watch else None
    prepared = prepare_documents(config, overrides, host, port)
    try:
        if http_server == "gunicorn":
            options = gunicorn_options(host, port, workers, threads, config)
            options["accesslog"] = "-" if access_log else None
            run_gunicorn(overrides, options, snapshots, interval)
        else:
            options = granian_options(host, port, workers, threads, config)
            options["log_access"] = access_log
            run_granian(overrides, options, snapshots, interval)
    finally:
        if prepared is not None:
            shutil.rmtree(prepared, ignore_errors=True)


def prepare_documents(
    config: Mapping[str, Any], overrides: dict[str, Any], host: str, port: int
) -> str | None:
    """A directory of this server's own for the responses its workers share
    (:mod:`server.app.prepared`), and the root they are prepared for: ``PREPARE_ROOT``, else
    this server's own address (none when it listens on every address: the name clients use
    is not known). Removed when the server stops. Only for the in-memory store."""
    if not config["PREPARE"] or int(config["RESPONSE_CACHE_SIZE"]) <= 0:
        return None
    if config["STORE_PATH"] or config["SPARQL_ENDPOINT"]:
        # Data too large for memory, or an engine others share: asking it for every resource
        # at start-up would cost hours (1e7 triples: about a million resources) and answer
        # from a copy while the engine is down. The in-memory store only.
        return None
    if not config["PREPARE_ROOT"]:
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 (a test, not a binding)
            return None
        name = f"[{host}]" if ":" in host else host
        overrides["PREPARE_ROOT"] = f"http://{name}:{port}/"
    directory = tempfile.mkdtemp(prefix="ictkg-prepared-")
    overrides["PREPARED_DIR"] = directory
    return directory


def first_snapshot(config: Mapping[str, Any]) -> Any:
    """The checked snapshot the workers start on; data that must not be served stops here."""
    from server.serving.reload import SnapshotRefused, Snapshots

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
