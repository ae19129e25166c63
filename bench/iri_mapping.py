"""What the one IRI rule costs a SPARQL query (README, "URIs"; ``server/rdf/iris.py``).

On a host other than the canonical one, the query worker maps the host's IRIs in a query to the
canonical ones and the results' canonical IRIs back to the host's. This measures that work
where it happens: :func:`server.workers.query.execute` (engine, row cap, serialization: what a
worker does for one request) on the generated data, each query of the fixed mix once with the
mapping off (``REWRITE_IRIS`` false: the query and results as they are) and once on (the query
written in a host's IRIs, as a client copying them from a page would, and results carrying
them), plus two answers at the row cap (10 000 rows in SPARQL JSON, 10 000 triples in
N-Triples), the worst case for the result mapping. Median of ``--rounds`` alternating runs; the
figures go to ``bench/results/iri-mapping.json`` and the IRI section of BENCHMARKS.md.

    .venv/bin/python -m bench.iri_mapping --scales "1e3 1e5"
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.generate import parse_scale
from bench.queries import N_TRIPLES, RESULTS_JSON, Query, mix
from bench.report import replace_section
from bench.run import RESULTS, data_for, log
from server.config import BASE_IRI, PROJECT_ROOT
from server.rdf.iris import Rewriter
from server.store.embedded import Store
from server.workers.query import Job, execute

ROOT = "http://127.0.0.1:8000/"
ROW_CAP = 10_000
START = "<!-- iri-mapping:start (written by bench/iri_mapping.py) -->"
END = "<!-- iri-mapping:end -->"


def queries() -> list[Query]:
    """The fixed mix, and two answers as large as the row cap allows."""
    return [
        *mix(),
        Query("rows-at-cap", f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}", RESULTS_JSON),
        Query(
            "triples-at-cap",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }} LIMIT {ROW_CAP}",
            N_TRIPLES,
        ),
    ]


def job(query: Query, rewriter: Rewriter | None) -> Job:
    # The bench's queries hold the base only in IRI references, so a plain replace writes them
    # as a client of ROOT would (the server itself never does this: it tokenizes).
    text = query.text if rewriter is None else query.text.replace(BASE_IRI, ROOT)
    return Job(
        sparql=text,
        results_type=RESULTS_JSON,
        graph_type=N_TRIPLES,
        row_limit=ROW_CAP,
        rewriter=rewriter,
    )


def timed(store: Store, work: Job) -> tuple[float, bytes]:
    started = time.perf_counter()
    answer = execute(store, work)
    return time.perf_counter() - started, answer.body


def measure(store: Store, query: Query, rounds: int) -> dict[str, Any]:
    rewriter = Rewriter(BASE_IRI, ROOT)
    off_job, on_job = job(query, None), job(query, rewriter)
    off_body = timed(store, off_job)[1]  # warm both, and check they answer the same
    on_body = timed(store, on_job)[1]
    assert on_body.replace(ROOT.encode(), BASE_IRI.encode()) == off_body, query.name
    off, on = [], []
    for _ in range(rounds):
        off.append(timed(store, off_job)[0])
        on.append(timed(store, on_job)[0])
    off_ms, on_ms = statistics.median(off) * 1000, statistics.median(on) * 1000
    return {
        "bytes": len(off_body),
        "off_ms": round(off_ms, 3),
        "on_ms": round(on_ms, 3),
        "extra_ms": round(on_ms - off_ms, 3),
        "extra_pct": round(100 * (on_ms - off_ms) / off_ms, 1) if off_ms else None,
    }


def render(results: dict[str, Any]) -> str:
    lines = [
        START,
        "",
        f"### The one IRI rule: cost per query (`{results['command']}`, {results['started']})",
        "",
        "`server.workers.query.execute` in one process (engine, row cap, serialization), median of "
        f"{results['rounds']} alternating runs: mapping off (`REWRITE_IRIS` false) and on (the "
        f"query in `{ROOT}` IRIs, results mapped back).",
        "",
    ]
    for scale, rows in results["scales"].items():
        mixed = [r["extra_ms"] for name, r in rows.items() if not name.endswith("-at-cap")]
        capped = ", ".join(
            f"{name} {r['extra_ms']:+.1f} ms ({r['extra_pct']:+.0f} %)"
            for name, r in rows.items()
            if name.endswith("-at-cap")
        )
        lines += [
            f"**{scale} triples**: median extra over the mix {statistics.median(mixed):+.3f} ms "
            f"per query; at the row cap {capped}.",
            "",
            "| query | result bytes | off ms | on ms | extra ms | extra % |",
            "|---|--:|--:|--:|--:|--:|",
        ]
        lines += [
            f"| {name} | {r['bytes']} | {r['off_ms']:.3f} | {r['on_ms']:.3f} | "
            f"{r['extra_ms']:+.3f} | {r['extra_pct']:+.1f} |"
            for name, r in rows.items()
        ]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1e3 1e5")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": "python -m bench.iri_mapping --scales " + repr(args.scales),
        "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "rounds": args.rounds,
        "scales": {},
    }
    for text in args.scales.split():
        scale = parse_scale(text)
        directory, _ = data_for(scale, args.out)
        store = Store(BASE_IRI, [PROJECT_ROOT / "ontology", directory])
        log(f"iri mapping: {len(store)} quads loaded for {text}")
        rows = {q.name: measure(store, q, args.rounds) for q in queries()}
        results["scales"][text] = rows
        for name, row in rows.items():
            log(f"  {name}: off {row['off_ms']:.3f} ms, on {row['on_ms']:.3f} ms")
    (args.out / "iri-mapping.json").write_text(json.dumps(results, indent=1))
    replace_section(args.markdown, START, END, render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
