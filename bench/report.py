# ruff: noqa: RUF001 - the multiplication sign of a ratio is meant
"""The tables of ``BENCHMARKS.md`` from a results file, and the targets met or missed.

Only the part between the two markers is rewritten, so the prose around it (method, how to read
the figures, what was changed) is kept by hand. Every throughput is also given as a ratio to
``oxigraph serve`` in the same run; the verdicts on the targets of issue 5 are computed here, from
the figures, never written by hand.

    .venv/bin/python -m bench.report bench/results/latest.json
    .venv/bin/python -m bench.report run-1e3-1e6.json run-1e7.json   # several runs, merged
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

START = "<!-- results:start (written by bench/report.py) -->"
END = "<!-- results:end -->"
YARDSTICK = "oxigraph"


def per_second(figures: dict[str, Any]) -> float:
    """Items per second: a dereference by a server of URIs is two requests (303 + document)."""
    return figures["rps"] / figures.get("per_item", 1)


def ratio(entry: dict[str, Any], peer: str, workload: str, connections: str) -> float | None:
    try:
        mine = per_second(entry["peers"][peer][workload][connections])
        theirs = per_second(entry["peers"][YARDSTICK][workload][connections])
    except KeyError:
        return None
    return mine / theirs if theirs else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def throughput_table(results: dict[str, Any], workload: str, unit: str) -> list[str]:
    connections = [str(c) for c in results["settings"]["connections"]]
    head = ["scale", "peer"]
    for c in connections:
        head += [f"{unit}/s c={c}", f"× oxigraph c={c}", f"p50 ms c={c}", f"p99 ms c={c}"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for scale, entry in results["scales"].items():
        for peer, data in entry["peers"].items():
            if workload not in data:
                continue
            row = [scale, peer]
            for c in connections:
                figures = data[workload].get(c)
                if figures is None:
                    row += ["—"] * 4
                    continue
                errors = f" ({figures['errors']} err)" if figures.get("errors") else ""
                row += [
                    fmt(per_second(figures), 1) + errors,
                    fmt(ratio(entry, peer, workload, c)),
                    fmt(figures["p50_us"] / 1000),
                    fmt(figures["p99_us"] / 1000),
                ]
            lines.append("| " + " | ".join(row) + " |")
    return lines


def startup_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | triples | peer | start-up to first answer (s) | memory after start (MB) "
        "| peak memory (MB) | every request once, cold (s) | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scale, entry in results["scales"].items():
        for peer, data in entry["peers"].items():
            note = data.get("skipped") or data.get("error") or ""
            if data.get("failing"):
                note += " failing: " + ", ".join(sorted(data["failing"]))[:200]
            lines.append(
                f"| {scale} | {entry['triples']} | {peer} | {fmt(data.get('startup_s'))} "
                f"| {fmt(data.get('startup_mb'), 0)} | {fmt(data.get('peak_mb'), 0)} "
                f"| {fmt(data.get('cold_s'), 1)} | {note} |"
            )
    return lines


def best_ratio(entry: dict[str, Any] | None, peer: str, workload: str, results) -> float | None:
    """The lower of the ratios over the connection counts: a target must hold at both."""
    if entry is None:
        return None
    found = [ratio(entry, peer, workload, str(c)) for c in results["settings"]["connections"]]
    found = [r for r in found if r is not None]
    return min(found) if found else None


def verdict(value: float | None, target: float, higher: bool = True) -> str:
    if value is None:
        return "not measured"
    met = value >= target if higher else value <= target
    return "**met**" if met else "**missed**"


def targets(results: dict[str, Any]) -> list[str]:
    scales = results["scales"]
    e3, e5, e6, e7 = (scales.get(k) for k in ("1e3", "1e5", "1e6", "1e7"))
    rows: list[tuple[str, str, str, str]] = []
    r = best_ratio(e5, "ictkg", "sparql", results)
    rows.append(("SPARQL mix, 1e5, req/s", "≥ 1.0×", fmt(r) + "×", verdict(r, 1.0)))
    r = best_ratio(e3, "ictkg", "sparql", results)
    rows.append(("SPARQL mix, 1e3, req/s", "≥ 0.5×", fmt(r) + "×", verdict(r, 0.5)))
    r = best_ratio(e5, "ictkg", "deref", results)
    rows.append(("dereference (303 + document), 1e5", "≥ 0.5×", fmt(r) + "×", verdict(r, 0.5)))
    measured = [k for k, e in scales.items() if "deref" in e["peers"].get("nginx", {})]
    where = measured[-1] if measured else "1e5"
    r = best_ratio(scales.get(where), "nginx", "deref", results)
    rows.append(
        (f"dereference, static export on nginx, {where}", "≥ 1.0×", fmt(r) + "×", verdict(r, 1))
    )
    ours = (e6 or {}).get("peers", {}).get("ictkg", {})
    s, mb = ours.get("startup_s"), ours.get("peak_mb")
    rows.append(
        ("start-up to first answer, 1e6", "≤ 15 s", fmt(s, 1) + " s", verdict(s, 15, False))
    )
    rows.append(("peak memory, 1e6", "≤ 1536 MB", fmt(mb, 0) + " MB", verdict(mb, 1536, False)))
    disk = (e7 or {}).get("disk", {})
    p50 = disk.get("point_lookup", {}).get("p50_us")
    p50_ms = p50 / 1000 if p50 is not None else None
    rows.append(
        (
            "1e7, on-disk store, point lookup p50",
            "≤ 5 ms",
            fmt(p50_ms) + " ms",
            verdict(p50_ms, 5, False),
        )
    )
    restart = disk.get("restart_s")
    rows.append(
        ("1e7, on-disk store, restart", "≤ 5 s", fmt(restart, 1) + " s", verdict(restart, 5, False))
    )
    validate = (e5 or {}).get("validate", {})
    v = validate.get("seconds") if validate.get("exit_code") == 0 else None
    rows.append(("`ictkg validate`, 1e5", "≤ 60 s", fmt(v, 1) + " s", verdict(v, 60, False)))
    lines = ["| workload | target | measured (lowest over c) | verdict |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return lines


def versions(results: dict[str, Any]) -> list[str]:
    seen: dict[str, str] = {}
    for entry in results["scales"].values():
        for peer, data in entry["peers"].items():
            if "version" in data:
                seen.setdefault(peer, data["version"])
    lines = [f"- {peer}: {version}" for peer, version in seen.items()]
    settings = results["settings"]
    lines.append(f"- load generator: {settings['wrk']}")
    machine = results["machine"]
    lines.append(
        f"- machine: {machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}"
    )
    return lines


def other_table(results: dict[str, Any]) -> list[str]:
    lines = ["| scale | what | seconds | peak memory (MB) | result |", "|---|---|---|---|---|"]
    for scale, entry in results["scales"].items():
        for what in ("validate", "export_site"):
            if what in entry:
                run = entry[what]
                tail = " ".join(run.get("tail", []))[:120]
                name = "ictkg validate" if what == "validate" else "ictkg export-site"
                lines.append(
                    f"| {scale} | {name} | {fmt(run['seconds'], 1)} | {fmt(run.get('peak_mb'), 0)} "
                    f"| exit {run['exit_code']}: {tail} |"
                )
        disk = entry.get("disk")
        if disk:
            lookup = disk.get("point_lookup", {})
            p50 = lookup.get("p50_us")
            rps = f"{lookup['rps']:.0f} lookups/s at c=4" if "rps" in lookup else ""
            lines.append(
                f"| {scale} | on-disk store: first start (bulk load) / restart / point lookup p50 "
                f"({disk.get('lookups', 1)} different resources, response cache off) "
                f"| {fmt(disk.get('first_start_s'), 1)} / {fmt(disk.get('restart_s'), 1)} / "
                f"{fmt(p50 / 1000 if p50 else None)} ms | {fmt(disk.get('restart_mb'), 0)} "
                f"| {rps} {disk.get('error', '')} |"
            )
    return lines


def render(results: dict[str, Any]) -> str:
    settings = results["settings"]
    parts = [
        START,
        "",
        *[
            f"Run of {run['started']} ({run.get('seconds', 0) / 60:.1f} min): `{run['command']}`."
            for run in results.get("runs", [results])
        ],
        f"Each figure is the median of {settings['rounds']} rounds of "
        f"{settings['seconds']:g} s; {settings['resources']} resources dereferenced.",
        "",
        "### Targets (issue 5), ratios to `oxigraph serve` in the same run",
        "",
        *targets(results),
        "",
        "### SPARQL mix (12 queries), requests per second",
        "",
        *throughput_table(results, "sparql", "req"),
        "",
        "### Dereferencing: `/id/…` with `Accept: text/turtle`, the 303, the document "
        "(peers: `DESCRIBE <iri>`), dereferences per second",
        "",
        *throughput_table(results, "deref", "deref"),
        "",
        "### HTML pages: `/id/…` with `Accept: text/html`, the 303, the page",
        "",
        *throughput_table(results, "html", "page"),
        "",
        "### Start-up and memory (proportional set size of the process tree)",
        "",
        *startup_table(results),
        "",
        "### Validation, export, on-disk store",
        "",
        *other_table(results),
        "",
        "### Versions",
        "",
        *versions(results),
        "",
        END,
    ]
    return "\n".join(parts)


def update(markdown: Path, results: dict[str, Any]) -> None:
    """Replace the results section of ``markdown`` (appended when the markers are missing)."""
    replace_section(markdown, START, END, render(results))


def replace_section(markdown: Path, start: str, end: str, section: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) in place of the one
    between those markers in ``markdown``, or append it when they are missing."""
    text = markdown.read_text() if markdown.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    markdown.write_text(text)


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs as one: the scales of each (a later run's scale replaces an earlier one's),
    the settings and machine of the first, and every run's command in ``runs``."""
    merged = {**runs[0], "scales": {}, "runs": []}
    for run in runs:
        merged["scales"].update(run["scales"])
        merged["runs"] += run.get("runs", [run])
    return merged


if __name__ == "__main__":
    update(Path("BENCHMARKS.md"), merge([json.loads(Path(a).read_text()) for a in sys.argv[1:]]))
