"""What the search index costs: its build time and its query time, at the benchmark's scales.

Generates the synthetic data of :mod:`bench.generate` (shared with :mod:`bench.run` under
``bench/results/``), loads it
with the ontology into the embedded store, builds :class:`server.pages.search_index.SearchIndex`
(one SPARQL query plus the FTS5 inserts) ``--rounds`` times and runs a mix of searches against
it, then prints one Markdown row per scale: triples, indexed resources, build time (median),
and the median and 95th percentile of the query times. Not part of ``make test``: timings
belong here (``make bench``), never in assertions.

    python -m bench.search_cost 1e5 1e6
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.generate import parse_scale
from bench.run import data_for
from server.config import DEFAULTS, PROJECT_ROOT
from server.pages.search_index import SearchIndex, build_query
from server.store import open_store

#: Searches of the kinds readers type: a word, words in any order, a year, Cyrillic, a prefix.
QUERIES = ("minsk", "summit 2009", "forum", "форум", "2010", "ministry", "stat", "a b", "zzz")


def measure(triples: int, rounds: int) -> str:
    directory, _ = data_for(triples, PROJECT_ROOT / "bench" / "results")
    config = {**DEFAULTS, "DATA_DIR": str(directory), "STORE_PATH": None}
    store = open_store(config)
    builds = []
    index = None
    for _ in range(rounds):
        start = time.perf_counter()
        index = SearchIndex(store.query(build_query()))
        builds.append(time.perf_counter() - start)
    assert index is not None
    times = []
    for _ in range(rounds):
        for text in QUERIES:
            start = time.perf_counter()
            index.search(text, ("en", "ru", "be"), 50)
            times.append(time.perf_counter() - start)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    return (
        f"| {len(store):,} "
        f"| {len(index.entries):,} | {statistics.median(builds) * 1000:.0f} ms "
        f"| {statistics.median(times) * 1000:.2f} ms | {p95 * 1000:.2f} ms |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scales", nargs="+", type=parse_scale, help="triples, e.g. 1e5 1e6")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print("| triples | resources indexed | index build | query median | query p95 |")
    print("|---|---|---|---|---|")
    for triples in args.scales:
        print(measure(triples, args.rounds), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
