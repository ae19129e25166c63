"""A daemon thread that does one thing every few seconds until it is stopped.

The master process polls in two places: it ends orphaned query workers
(:class:`server.workers.orphans.OrphanReaper`) and, under ``--watch``, it looks for changed
data files (:class:`server.serving.reload.Watcher`). Both wait on an event, so ``stop`` ends
them at once instead of after the rest of an interval.
"""

from __future__ import annotations

import threading


class Periodic:
    """Calls :meth:`tick` every ``interval`` seconds on a daemon thread named ``name``."""

    def __init__(self, name: str, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def tick(self) -> None:
        """One round of the work; subclasses say what it is."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
