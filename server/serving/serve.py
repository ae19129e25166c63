"""``ictkg serve``: the publisher under granian (``--server gunicorn``: gunicorn; ``--dev``: Flask's
development server).

Options become configuration overrides (on top of the defaults and ``ICTKG_*`` variables), so
the same command publishes any knowledge graph laid out like this one. The HTTP server was chosen
by measurement (BENCHMARKS.md): once answers come from memory, parsing HTTP in Python is the
bottleneck, and granian (Rust HTTP in front of the same WSGI app) answers three to six times as
many requests per second as gunicorn here. Either way the server is embedded: each worker process
builds its own app after the fork, so each has its own store handle and its own query workers,
forked before the worker starts its threads. An on-disk store (``--store``) is bulk-loaded once
here, in the master, before any worker opens it read-only.

With the embedded store, the master serves a checked snapshot of the data and reloads it on
``SIGHUP`` or, with ``--watch``, when the files change (:mod:`server.serving.reload`).

Start-up fails early and plainly: a missing or unreadable directory, a bad configuration value,
data that does not parse or validate, or a port already in use is one line on stderr naming what
and where (the option or ``ICTKG_*`` variable, the path, ``file:line``), and exit status 2, the
usage-error status of click and of ``ictkg validate``; never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
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


def run_granian(
    overrides: dict[str, Any],
    options: dict[str, Any],
    snapshots: Any = None,
    watch: float | None = None,
) -> None:
    """granian running ``create_app(overrides)`` in each worker process (the default server).

    Three things are ours on top of granian's multi-process server (:class:`Publisher`): one
    listening socket held by the master and shared by every worker, as gunicorn does (granian's
    default on Linux, a ``SO_REUSEPORT`` socket per worker, drops the connections queued at a
    worker that stops); ``SIGHUP`` checks a new snapshot first and then starts a whole new set
    of workers, stopping the old ones only once the new ones have loaded the data; and the
    master adopts and ends the query workers of a worker that was killed
    (:mod:`server.workers.orphans`). Workers are forked, so they inherit the master's checked
    snapshot and its validation report.
    """
    import multiprocessing
    import socket as sockets
    import time

    from granian.log import logger
    from granian.net import SocketSpec
    from granian.server.mp import MPServer

    from server.serving.reload import Watcher
    from server.workers.orphans import OrphanReaper, become_subreaper, reap_orphans

    multiprocessing.set_start_method("fork", force=True)
    fork = multiprocessing.get_context("fork")
    live = dict(overrides)  # what a worker forked now loads; a reload updates it
    # During a reload, "ready" is released by each new worker once its app is loaded, and the
    # new workers wait for "go" before they serve; "retired" is set when the workers of one
    # generation are to stop (a byte in memory shared with them).
    state: dict[str, Any] = {"ready": None, "go": None, "retired": fork.RawValue("b", 0)}

    def load() -> Any:
        from server.app.factory import create_app

        app = closing_when(state["retired"], settled(create_app(dict(live))))
        if state["ready"] is not None:
            state["ready"].release()
            state["go"].wait()
        return app

    class Publisher(MPServer):
        def startup(self, spawn_target: Any, target_loader: Any) -> None:
            become_subreaper()
            super().startup(spawn_target, target_loader)

        def _stop_workers(self) -> None:
            # A granian worker leaves without running its exit handlers (multiprocessing), so a
            # query worker busy with a query outlives it: the master, now its parent, ends it.
            super()._stop_workers()
            reap_orphans()

        def _init_shared_socket(self) -> None:
            self._ssp = None
            self._shd = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._sso = sockets.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)

        def _reload(self, spawn_target: Any, target_loader: Any) -> None:
            self.reload_signal = False
            self.main_loop_interrupt.clear()
            try:
                if snapshots is not None:
                    snapshots.log = logger
                    snapshot = snapshots.reload()
                    if snapshot is None:
                        return
                    live.update(snapshot.overrides())
                else:
                    logger.info("reload: starting new workers")
                self.replace_workers(spawn_target, target_loader)
            finally:
                if self.interrupt_signal or self.interrupt_children:  # came in meanwhile
                    self.main_loop_interrupt.set()

        def replace_workers(self, spawn_target: Any, target_loader: Any) -> None:
            """New workers on the new data; they start serving, and the old ones stop, once all
            of them have loaded it (until then the old workers serve alone).

            granian lets a stopping worker serve its kept-alive connections until they close, so
            the old workers first answer every request with ``Connection: close`` (RFC 9112
            §9.6): their clients reconnect, to the new workers, and get the new data at once.
            """
            old, self.wrks = self.wrks, []
            retired, state["retired"] = state["retired"], fork.RawValue("b", 0)
            ready = state["ready"] = fork.Semaphore(0)
            go = state["go"] = fork.Event()
            try:
                self._spawn_workers(spawn_target, target_loader)
                waiting = len(self.wrks)
                while waiting:
                    if ready.acquire(timeout=0.1):
                        waiting -= 1
                    elif not all(worker.is_alive() for worker in self.wrks):
                        logger.error("reload: a new worker died while loading the data")
                        break
            finally:
                state["ready"] = state["go"] = None
                retired.value = 1
                go.set()
            for worker in old:
                worker.terminate()
            for worker in old:
                worker.join(self.workers_kill_timeout)
                if worker.is_alive():
                    time.sleep(0.001)
                if worker.is_alive():
                    logger.warning("killing an old worker that did not stop in time")
                    worker.kill()
                    worker.join()

    server = Publisher("server:create_app", **options)
    watcher = Watcher(list(snapshots.sources.values()), watch) if watch and snapshots else None
    reaper = OrphanReaper()
    reaper.start()
    if watcher:
        watcher.start()
    try:
        server.serve(target_loader=load, wrap_loader=False)
    finally:
        if watcher:
            watcher.stop()
        reaper.stop()
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


def closing_when(retired: Any, app: Any) -> Any:
    """The WSGI ``app``, answering with ``Connection: close`` once ``retired.value`` is set."""

    def closing(environ: dict[str, Any], start_response: Any) -> Any:
        if not retired.value:
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
        "workers_kill_timeout": 10,
    }


#: Bytes of request line and headers together that a worker buffers at most: beyond, granian
#: answers 431 without a body (RFC 6585 §5). Below the 65 534-byte bound of a URI in granian's
#: HTTP library, so an over-long request target is a 431 too, never a bare 414; the app answers
#: 414 for a query over MAX_QUERY_LENGTH in a shorter one. Long queries go in a POST body,
#: bounded by MAX_CONTENT_LENGTH.
HEAD_LIMIT = 64 * 1024


def run_gunicorn(
    overrides: dict[str, Any],
    options: dict[str, Any],
    snapshots: Any = None,
    watch: float | None = None,
) -> None:
    """gunicorn running ``create_app(overrides)`` in each worker (``--server gunicorn``).

    With ``snapshots`` (:class:`server.serving.reload.Snapshots`), ``SIGHUP`` first checks a new
    snapshot of the data and only then lets gunicorn replace its workers; ``watch`` (seconds)
    sends that ``SIGHUP`` when the files change.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    from server.app.factory import create_app
    from server.serving.reload import Watcher
    from server.workers.orphans import become_subreaper, reap_orphans

    class ReloadingArbiter(Arbiter):
        def start(self) -> None:
            super().start()
            become_subreaper()

        def handle_chld(self) -> None:
            super().handle_chld()
            reap_orphans()

        handle_cld = handle_chld  # SIGCLD is SIGCHLD on Linux: whichever name gunicorn looks up

        def stop(self, graceful: bool = True) -> None:
            # gunicorn ends with SIGKILL the workers still busy at the graceful timeout and does
            # not wait for them: wait, so that their query workers are ours to end, then end them.
            super().stop(graceful)
            for pid in list(self.WORKERS):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            reap_orphans()

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
            return settled(create_app(self.overrides))

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
    "REMOTE_REFRESH": (float, 0.01),
    "RELOAD_WATCH_INTERVAL": (float, 0.01),
    "RESULT_ROW_LIMIT": (int, 1),
    "MAX_QUERY_LENGTH": (int, 1),
    "MAX_CONTENT_LENGTH": (int, 1),
    "QUERY_WORKERS": (int, 1),
    "QUERY_WORKER_NICE": (int, 0),
    "TRUSTED_PROXIES": (int, 0),
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
@click.option("--base-iri", help="Base IRI of the dataset.")
@click.option("--ontology", type=click.Path(path_type=Path, readable=False))
@click.option("--data", type=click.Path(path_type=Path, readable=False))
@click.option("--shapes", type=click.Path(path_type=Path, readable=False))
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
            prepare_disk_store(config["STORE_PATH"], graphs)
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
    if http_server == "gunicorn":
        options = gunicorn_options(host, port, workers, threads, config)
        options["accesslog"] = "-" if access_log else None
        run_gunicorn(overrides, options, snapshots, interval)
    else:
        options = granian_options(host, port, workers, threads, config)
        options["log_access"] = access_log
        run_granian(overrides, options, snapshots, interval)


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
