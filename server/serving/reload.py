"""Reloading the data while serving: validate a snapshot first, then switch workers.

A data file that does not parse or does not validate never replaces data being served
(README, "Design decisions: safety by default"). Under ``ictkg serve`` the master process owns
reloading:

1. **Snapshot.** The ontology, data and shapes directories are copied into a fresh directory
   (``{tmp}/ictkg-data-…/{n}/{i}/{dir name}``: the directory names are kept, so the named graphs
   ``{base}graph/{dir name}/…`` do not change). The copy is what gets checked and what the
   workers load, so a file edited after the check can never reach a worker unchecked, and a
   worker that the server replaces (it died, it was killed) loads the same data as its siblings.
2. **Check.** Every RDF file is parsed by pyoxigraph (the engine that will load it) and, when
   ``VALIDATE_ON_START`` is on, the whole snapshot is validated with the shapes
   (:func:`server.validation.shacl.validation_report`, in a process of its own so that the
   validator's memory is not kept; the report is, and is inherited by the forked workers, so
   they do not validate again). Each problem is one log line,
   ``file:line[:column]: message``, naming the original file, not the copy.
3. **Switch.** A snapshot that passes, and differs from the one served, becomes the workers'
   ``ONTOLOGY_DIR`` / ``DATA_DIR`` / ``SHAPES_DIR``, and only then is the HTTP server told to
   replace its workers (:class:`server.serving.serve.Reloader` hands it the ``SIGHUP``): granian
   replaces them one at a time, gunicorn starts new ones and stops the old ones gracefully. A
   worker on the replaced data answers with ``Connection: close``. A request is served by one
   worker from start to end, and a worker's store never changes, so no request sees half old,
   half new data. The dataset version (a hash of the files) changes, and with it every ETag. A
   snapshot that fails is deleted and nothing else happens: the workers are left alone.

What triggers a reload: ``SIGHUP`` to the master (``kill -HUP``), or ``--watch``, a thread in the
master that polls the source directories every ``RELOAD_WATCH_INTERVAL`` seconds and sends the
master ``SIGHUP`` once a change has stayed put for one interval (an editor's save in several
writes is one reload). Polling needs no extra dependency and works on every file system.

Only the embedded in-memory store reloads this way: an on-disk store (``--store``) is opened by
running workers and cannot be rebuilt under them (restart the server instead), and a remote store
(``--sparql-endpoint``) holds its own data (a ``SIGHUP`` then only restarts the workers).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from server.workers.periodic import Periodic

#: The configuration keys of the directories a snapshot copies, in a fixed order.
DIRECTORY_KEYS = ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR")


class Log(Protocol):
    def info(self, msg: str, *args: Any) -> None: ...
    def error(self, msg: str, *args: Any) -> None: ...


@dataclass(frozen=True)
class Snapshot:
    """A checked copy of the source directories, and the dataset version it holds."""

    root: Path
    directories: dict[str, Path]  # config key -> the copy
    version: str

    def overrides(self) -> dict[str, str]:
        """The configuration that makes an app load this snapshot."""
        return {key: str(path) for key, path in self.directories.items()}


class SnapshotRefused(Exception):
    """A snapshot that must not be served; ``problems`` are ``file:line: message`` lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems[:3]))
        self.problems = problems


def source_signature(directories: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every file: changes when any file is touched."""
    entries = []
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            try:
                stat = path.stat()
            except OSError:  # removed while we looked: the next poll sees the new state
                continue
            if path.is_file():
                entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def parse_problems(files: list[Path], display: Callable[[str], str]) -> list[str]:
    """Every file pyoxigraph cannot parse, as ``file:line:column: message``."""
    import pyoxigraph as ox

    from server.store.embedded import RDF_SUFFIXES

    problems = []
    for file in files:
        try:
            for _ in ox.parse(path=file, format=RDF_SUFFIXES[file.suffix]):
                pass
        except SyntaxError as error:
            where = display(str(file))
            if error.lineno is not None:
                where += f":{error.lineno}"
                if error.offset is not None:
                    where += f":{error.offset}"
            problems.append(f"{where}: {error.msg}")
        except (OSError, ValueError) as error:
            problems.append(f"{display(str(file))}: cannot read: {error}")
    return problems


def validation_problems(config: Mapping[str, Any], display: Callable[[str], str]) -> list[str]:
    """The findings that stop the data from being served, one line each, as ``ictkg validate
    --format junit`` words them (``validation.formats.finding_line``), causes first."""
    from concurrent.futures.process import BrokenProcessPool
    from dataclasses import replace

    from server.validation.formats import error_line, finding_line
    from server.validation.shacl import validation_report

    try:
        report = validation_report(config, apart=True)
    except BrokenProcessPool:
        return ["the validation stopped: its process died (out of memory?)"]
    if report.passes():
        return []
    problems = [error_line(replace(e, file=display(e.file))) for e in report.errors]
    problems += [
        finding_line(replace(f, file=display(f.file) if f.file else None), report.prefixes)
        for f in report.failing()
    ]
    return problems


class Snapshots:
    """Takes, checks and keeps the snapshots of one server (see the module docstring)."""

    def __init__(self, config: Mapping[str, Any], log: Log, keep: int = 2) -> None:
        self.config = dict(config)
        self.sources = {key: Path(config[key]).resolve() for key in DIRECTORY_KEYS}
        self.log = log
        self.keep = max(2, keep)
        self.home = Path(tempfile.mkdtemp(prefix="ictkg-data-"))
        self.taken: list[Snapshot] = []
        self._numbers = itertools.count(1)

    @property
    def current(self) -> Snapshot | None:
        return self.taken[-1] if self.taken else None

    def display(self, root: Path) -> Callable[[str], str]:
        """Maps a path inside the snapshot ``root`` to the source file it was copied from."""
        from server.validation.shacl import display_path

        copies = {
            (root / str(index) / source.name).resolve(): source
            for index, source in enumerate(self.sources.values())
        }

        def original(name: str) -> str:
            path = Path(name).resolve()
            for copy, source in copies.items():
                if path.is_relative_to(copy):
                    return display_path(source / path.relative_to(copy))
            return name

        return original

    def take(self) -> Snapshot:
        """Copy and check the sources; raises :class:`SnapshotRefused` when they must not serve."""
        from server.store.embedded import dataset_hash, rdf_files
        from server.validation.shacl import display_path

        root = self.home / str(next(self._numbers))
        try:
            directories = {}
            for index, (key, source) in enumerate(self.sources.items()):
                target = root / str(index) / source.name
                try:
                    shutil.copytree(source, target)
                except shutil.Error as error:  # files that could not be read, one by one
                    raise SnapshotRefused(
                        [
                            f"{display_path(Path(src))}: cannot read: {why}"
                            for src, _, why in error.args[0]
                        ]
                    ) from None
                directories[key] = target
            files = rdf_files([directories["ONTOLOGY_DIR"], directories["DATA_DIR"]])
            display = self.display(root)
            problems = parse_problems(files, display)
            if not [f for f in files if f.is_relative_to(directories["DATA_DIR"])]:
                problems.append(f"{display(str(directories['DATA_DIR']))}: no RDF files")
            if not problems and self.config.get("VALIDATE_ON_START", True):
                config = {**self.config, **{k: str(p) for k, p in directories.items()}}
                problems = validation_problems(config, display)
            if problems:
                raise SnapshotRefused(problems)
            snapshot = Snapshot(root, directories, dataset_hash(files))
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        self.taken.append(snapshot)
        for old in self.taken[: -self.keep]:
            shutil.rmtree(old.root, ignore_errors=True)
        del self.taken[: -self.keep]
        return snapshot

    def reload(self) -> Snapshot | None:
        """A new snapshot to switch to, or ``None`` (refused, or the data did not change)."""
        previous = self.current
        try:
            snapshot = self.take()
        except SnapshotRefused as refused:
            for problem in refused.problems:
                self.log.error("reload refused: %s", problem)
            self.log.error(
                "reload refused: %d problem(s); still serving dataset version %s",
                len(refused.problems),
                previous.version[:12] if previous else "(none)",
            )
            return None
        except OSError as error:
            self.log.error("reload refused: cannot copy the data: %s", error)
            return None
        if previous is not None and snapshot.version == previous.version:
            self.log.info("reload: the data did not change (version %s)", snapshot.version[:12])
            self.taken.pop()
            shutil.rmtree(snapshot.root, ignore_errors=True)
            return None
        self.log.info("reload: switching to dataset version %s", snapshot.version[:12])
        return snapshot

    def refuse(self, snapshot: Snapshot, reason: str) -> None:
        """Forget ``snapshot``, checked but not to be served after all (its store could not be
        loaded): the next reload compares with the data still served."""
        self.log.error("reload refused: %s", reason)
        if snapshot in self.taken:
            self.taken.remove(snapshot)
        shutil.rmtree(snapshot.root, ignore_errors=True)
        served = self.current
        self.log.error(
            "reload refused: still serving dataset version %s",
            served.version[:12] if served else "(none)",
        )

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


class Watcher(Periodic):
    """Sends ``SIGHUP`` to this process once a change in ``directories`` has settled."""

    def __init__(self, directories: list[Path], interval: float = 0.5) -> None:
        super().__init__("ictkg-watch", interval)
        self.directories = directories
        self.served = self.seen = source_signature(directories)

    def tick(self) -> None:
        now = source_signature(self.directories)
        if now == self.seen and now != self.served:
            self.served = now
            os.kill(os.getpid(), signal.SIGHUP)
        self.seen = now
