"""What materializing the alignments costs at load (``server/rdf/alignments.py``), measured.

Loads the ontology and a data directory into an in-memory pyoxigraph store as the server does,
then times :func:`server.rdf.alignments.materialize` alone, median of ``--runs`` fresh loads, and
prints the figures for BENCHMARKS.md / README:

    .venv/bin/python -m bench.generate 1e5 bench/results/data-1e5
    .venv/bin/python -m bench.alignments bench/results/data-1e5
    .venv/bin/python -m bench.alignments data          # the real data
    .venv/bin/python -m bench.alignments bench/results/data-1e5 --disk /tmp/ictkg-disk
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

from server.config import BASE_IRI, PROJECT_ROOT
from server.rdf import alignments
from server.store.embedded import RDF_SUFFIXES, graph_files


def measure(data: Path, ontology: Path, runs: int, disk: Path | None) -> dict[str, float]:
    """Load as the store does (``load`` in memory; ``bulk_load`` into a fresh on-disk store
    under ``disk``), then materialize; the medians."""
    loads, materializations, entailed, stated = [], [], 0, 0
    graphs = graph_files(BASE_IRI, [ontology, data])
    sources = {name: (file, RDF_SUFFIXES[file.suffix]) for name, file in graphs.items()}
    for run in range(runs):
        if disk:
            (disk / f"run-{run}").mkdir(parents=True, exist_ok=True)
        engine = ox.Store(str(disk / f"run-{run}")) if disk else ox.Store()
        started = time.perf_counter()
        for name, (file, rdf_format) in sources.items():
            if disk:
                engine.bulk_load(path=file, format=rdf_format, to_graph=ox.NamedNode(name))
            else:
                engine.load(path=file, format=rdf_format, to_graph=ox.NamedNode(name))
        loaded = time.perf_counter()
        stated = len(engine)
        entailed = alignments.materialize(engine, BASE_IRI, sources=sources if disk else None)
        done = time.perf_counter()
        loads.append(loaded - started)
        materializations.append(done - loaded)
        del engine
    if disk:
        shutil.rmtree(disk, ignore_errors=True)
    return {
        "stated": stated,
        "entailed": entailed,
        "load_s": statistics.median(loads),
        "materialize_s": statistics.median(materializations),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--ontology", type=Path, default=PROJECT_ROOT / "ontology")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--disk", type=Path, help="measure an on-disk store here (wiped)")
    args = parser.parse_args(argv)
    f = measure(args.data, args.ontology, args.runs, args.disk)
    print(
        f"{args.data}: {f['stated']} triples stated, {f['entailed']} entailed "
        f"(+{100 * f['entailed'] / f['stated']:.0f}%); load {f['load_s'] * 1000:.0f} ms, "
        f"materialization {f['materialize_s'] * 1000:.0f} ms "
        f"(+{100 * f['materialize_s'] / f['load_s']:.0f}% of the load), median of {args.runs}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
