"""Query workers never outlive the web worker that forked them.

A web worker killed outright (``SIGKILL``, the OOM killer) cannot stop its query workers, and
one busy with a runaway query would not notice for minutes (it checks its parent between jobs,
:mod:`server.workers.query`). So each query worker names itself :data:`QUERY_WORKER_NAME` (the
kernel's ``comm``), and the server's master process, a subreaper (Linux
``PR_SET_CHILD_SUBREAPER``), inherits the orphans and ends them (:func:`reap_orphans`).

A query worker is never the master's own child: any child of the master by that name is an
orphan, whatever the HTTP server (gunicorn or granian) and however far its own bookkeeping of
workers has got, so telling them apart needs no list of workers and has no race with a worker
being started.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import stat
from collections.abc import Callable, Collection
from pathlib import Path

from server.workers.periodic import Periodic

#: The process name (``/proc/<pid>/comm``, at most 15 bytes) of every query worker.
QUERY_WORKER_NAME = "ictkg-query"

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int | bytes) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def name_this_process(name: str) -> None:
    """Set this process's name as ``ps`` and ``/proc/<pid>/comm`` show it (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: a convenience only there
        _prctl(PR_SET_NAME, name.encode()[:15])


def die_with_parent(parent: int) -> None:
    """Be killed (``SIGKILL``) the moment ``parent``, the process that forked this one, dies.

    A query worker busy with a runaway query does not look at its parent until the query ends;
    the kernel ends it at once instead (Linux ``PR_SET_PDEATHSIG``), even when the master that
    would otherwise adopt and end it was killed too. If the parent died before the request was
    made, this process leaves now.
    """
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the master's reaping only
        _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(0)


def quiet_signals() -> None:
    """Signal dispositions of a freshly forked helper (spawner, query worker, preparer).

    The web worker's handlers (gunicorn's for TERM, QUIT, USR1…, and its wake-up descriptor)
    would run its code here: the defaults instead; SIGINT (a terminal's Ctrl-C reaches the whole
    process group) is ignored, the web worker decides when its query workers stop.
    """
    with contextlib.suppress(ValueError):
        signal.set_wakeup_fd(-1)
    for name in ("SIGTERM", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGABRT"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def fork_helper(name: str, run: Callable[[], object], keep: Collection[int] = ()) -> int:
    """Fork a helper process that runs ``run`` and exits; its pid, in the parent.

    The child never returns into the caller's code. It is set up as every helper of a web worker
    must be (the query workers' spawner, a preparer): the default signal dispositions
    (:func:`quiet_signals`), named ``name`` (at most 15 bytes), killed when its parent dies
    (:func:`die_with_parent`), and holding no inherited descriptor but ``keep``
    (:func:`release_descriptors`). Fork only where no other thread runs yet (while the app
    is made): a fork copies the locks other threads hold into a child that never frees them.
    """
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        status = 0
        try:
            quiet_signals()
            name_this_process(name)
            die_with_parent(parent)
            release_descriptors(keep)
            run()
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    return pid


def release_descriptors(keep: Collection[int] = ()) -> None:
    """Let go of every inherited descriptor this process has no use for, except ``keep``.

    A forked process inherits all its parent's descriptors: the server's listening socket, the
    connections of clients being served, pipes, the HTTP server's event descriptors. A query
    worker holding them would keep the port taken and clients' connections open after the server
    died. Sockets, pipes and every other kind of descriptor that is not a file, a directory or a
    device (epoll, eventfd, pidfd) are pointed at ``/dev/null`` rather than closed: the number
    stays taken, so an object inherited from the parent that still holds it can never close a
    descriptor opened here later. Standard input, output and error are kept (the log).
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd <= 2 or fd == null or fd in keep:
                continue
            try:
                mode = os.fstat(fd).st_mode
            except OSError:  # the descriptor that listed the directory, closed by now
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISCHR(mode)):
                os.dup2(null, fd)
    except FileNotFoundError:  # no /proc (not Linux): nothing to list
        pass
    finally:
        os.close(null)


def become_subreaper() -> None:
    """Adopt the processes orphaned below this one instead of leaving them to init."""
    with contextlib.suppress(OSError, AttributeError):
        _prctl(PR_SET_CHILD_SUBREAPER, 1)


def children(pid: int | None = None) -> list[int]:
    """The child processes of ``pid`` (this process by default), from ``/proc``."""
    tasks = Path(f"/proc/{pid or os.getpid()}/task")
    try:
        listed = " ".join((task / "children").read_text() for task in tasks.iterdir())
    except OSError:  # not Linux, or /proc is not mounted: nothing adopted to look after
        return []
    return sorted({int(p) for p in listed.split()})


def process_name(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None


def reap_orphans() -> list[int]:
    """``SIGKILL`` and reap every query worker that is a child of this process; their pids."""
    ended = []
    for pid in children():
        if process_name(pid) != QUERY_WORKER_NAME:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):  # gone, or reaped by someone else
            pass
        ended.append(pid)
    return ended


class OrphanReaper(Periodic):
    """A thread of the master that ends adopted query workers every ``interval`` seconds.

    For granian, whose master offers no hook when a worker dies; gunicorn's master calls
    :func:`reap_orphans` itself each time it reaps a worker.
    """

    def __init__(self, interval: float = 0.5) -> None:
        super().__init__("ictkg-reaper", interval)

    def tick(self) -> None:
        reap_orphans()
