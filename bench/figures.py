"""Figures that matter but are no pass/fail of ``make test``: measured, reported against targets.

Wall-clock and memory figures depend on the machine and on what else runs on it, so the test
suite asserts none of them (issue 15); they are measured here and each is printed beside its
target, ``met`` or ``MISSED`` (the exit status is 1 if any target is missed):

- ``load``: from the artifacts of ``tests/test_load.py`` (``make load`` runs it first): the p99
  latency of simple requests while runaway queries run (target: under 200 ms), and the memory
  of the server's processes after the second half of the run against after the first (Pss;
  target: under 10 % growth, i.e. no leak).
- ``prefork``: a query on a pre-forked query worker against a fork per query (target: the
  pre-forked round trip is faster; the reason the pool exists, :mod:`server.workers.query`).

    .venv/bin/python -m bench.figures load [--seconds 60]
    .venv/bin/python -m bench.figures prefork
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
P99_TARGET_MS = 200
MEMORY_GROWTH_TARGET = 0.10


def verdict(name: str, figure: str, target: str, met: bool) -> bool:
    print(f"{name:<48} {figure:>16}   target {target:<14} {'met' if met else 'MISSED'}")
    return met


def load(seconds: float) -> bool:
    """The runaway half-runs of the load test against their targets."""
    ok = True
    for half in (1, 2):
        path = ARTIFACTS / f"load-runaway-{seconds:g}s-{half}.json"
        simple = json.loads(path.read_text())["by_name"]["simple"]
        p99 = simple["p99_ms"]
        ok &= verdict(
            f"simple requests beside runaways, half {half}: p99",
            f"{p99:.0f} ms",
            f"< {P99_TARGET_MS} ms",
            p99 < P99_TARGET_MS,
        )
    memory = json.loads((ARTIFACTS / f"load-runaway-{seconds:g}s-memory.json").read_text())
    first, second = memory["pss_kib"]
    growth = (second - first) / first
    ok &= verdict(
        "server memory (Pss), second half vs first",
        f"{first} → {second} KiB ({growth:+.1%})",
        f"< +{MEMORY_GROWTH_TARGET:.0%}",
        growth < MEMORY_GROWTH_TARGET,
    )
    return ok


def prefork(rounds: int = 5) -> bool:
    """Median time of a fork of a new pool plus its first query, and of a query on a ready
    worker, on the SPARQL test fixture."""
    from server.store.embedded import Store
    from server.workers.query import Job, QueryPool

    fixtures = Path(__file__).parent.parent / "tests" / "fixtures" / "sparql"
    store = Store("https://example.org/sq/", [fixtures / "ontology"])
    job = Job("ASK {}", results_type="application/sparql-results+json")
    forks, round_trips = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        pool = QueryPool(store, 1)
        pool.run(job, 5)
        forks.append(time.perf_counter() - start)
        for _ in range(5):
            start = time.perf_counter()
            pool.run(job, 5)
            round_trips.append(time.perf_counter() - start)
        pool.close()
    fork, trip = statistics.median(forks) * 1e3, statistics.median(round_trips) * 1e3
    return verdict(
        "query on a pre-forked worker vs a new pool",
        f"{trip:.2f} vs {fork:.2f} ms",
        "faster",
        trip < fork,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["load", "prefork"])
    parser.add_argument("--seconds", type=float, default=60, help="the load run's length")
    args = parser.parse_args(argv)
    ok = load(args.seconds) if args.what == "load" else prefork()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
