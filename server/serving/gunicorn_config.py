"""gunicorn's configuration for ``ictkg serve --server gunicorn``: settings and server hooks.

gunicorn reads this module (``--config python:server.serving.gunicorn_config``) when
:func:`server.serving.serve.run_gunicorn` starts its command-line runner, and again on each
reload: every module-level name that is a gunicorn setting is one. The settings come from
:func:`server.serving.serve.gunicorn_options`; the hooks are gunicorn's documented server hooks,
run in the master:

- ``on_starting``: become the subreaper of the query workers (:mod:`server.workers.orphans`);
- ``when_ready``: take over ``SIGHUP`` so that new data is checked before gunicorn reloads
  (:class:`server.serving.serve.Reloader`), and start ``--watch``;
- ``child_exit``: a worker has exited: end any query worker it left behind;
- ``on_exit``: the master stops: end the adopted query workers, remove the data snapshots.
"""

from __future__ import annotations

from typing import Any

from server.serving.serve import GUNICORN
from server.workers.orphans import become_subreaper, reap_orphans

globals().update(GUNICORN.get("options", {}))

_watcher: list[Any] = []


def on_starting(server: Any) -> None:
    become_subreaper()


def when_ready(server: Any) -> None:
    from server.serving.reload import Watcher

    reloader, snapshots = GUNICORN.get("reloader"), GUNICORN.get("snapshots")
    if reloader is not None:
        reloader.install(server.log)
    if GUNICORN.get("watch") and snapshots is not None and not _watcher:
        _watcher.append(Watcher(list(snapshots.sources.values()), GUNICORN["watch"]))
        _watcher[0].start()


def child_exit(server: Any, worker: Any) -> None:
    reap_orphans()


def on_exit(server: Any) -> None:
    for watcher in _watcher:
        watcher.stop()
    if GUNICORN.get("reloader") is not None:
        GUNICORN["reloader"].stop()
    reap_orphans()
    if GUNICORN.get("snapshots") is not None:
        GUNICORN["snapshots"].close()
