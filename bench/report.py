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
STREAMS_START = "<!-- streams:start (written by bench/report.py) -->"
STREAMS_END = "<!-- streams:end -->"
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


def update(markdown: Path, results: dict[str, Any], fixed: bool = True) -> None:
    """Replace the results sections of ``markdown`` (appended when the markers are missing):
    the fixed workloads' unless ``fixed`` is false, and issue 14's when the run has them."""
    if fixed:
        replace_section(markdown, START, END, render(results))
    streams = render_streams(results)
    if streams:
        runs = [
            f"Run of {run['started']}: `{run['command']}`; each figure one of "
            f"{results['settings']['rounds']} rounds of {results['settings']['seconds']:g} s "
            "(the median when more)."
            for run in results.get("runs", [results])
        ]
        replace_section(
            markdown,
            STREAMS_START,
            STREAMS_END,
            "\n".join([STREAMS_START, "", *runs, "", *streams, STREAMS_END]),
        )


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
    """Several runs as one: the scales of each (what a later run measured at a scale replaces
    an earlier one's, what it left empty, such as the fixed peers of a run of the streams
    alone, is kept), the settings and machine of the first, and every run's command in
    ``runs``."""
    merged = {**runs[0], "scales": {}, "runs": []}
    for run in runs:
        for scale, entry in run["scales"].items():
            before = merged["scales"].get(scale, {})
            kept = {k: v for k, v in entry.items() if v not in ({}, None) or k not in before}
            merged["scales"][scale] = {**before, **kept}
            if before.get("streams") is not None:
                merged["scales"][scale]["streams"] = merge_streams(
                    before["streams"], entry.get("streams")
                )
        merged["runs"] += run.get("runs", [run])
    return merged


def merge_streams(earlier: dict[str, Any], later: dict[str, Any] | None) -> dict[str, Any]:
    """Issue 14's parts of two runs: a later run's peer, engine or layout replaces the earlier
    one's, and what it did not measure is kept (e.g. Virtuoso measured in a run of its own)."""
    merged = dict(earlier)
    for key, value in (later or {}).items():
        if key in ("peers", "overhead") and isinstance(value, dict):
            merged[key] = {**earlier.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


# --- issue 14: streams drawn from the data, the front's overhead, beyond one machine -----------

#: The targets of issue 14 on the streams: workload, peer, connections (None: the lowest over
#: every count), the least ratio to oxigraph.
STREAM_TARGETS = (
    ("zipf-mix", "ictkg", None, 1.5, "Zipf mix, response cache on (as deployed)"),
    ("zipf-mix", "ictkg-nocache", None, 0.95, "Zipf mix, response cache off"),
    ("crawl", "ictkg", None, 0.5, "crawl (every resource once, 303 + document)"),
    ("zipf-deref", "ictkg", "4", 0.5, "Zipf revisit of resources"),
    ("zipf-deref", "ictkg", "32", 1.0, "Zipf revisit of resources"),
)
#: The front's overhead: throughput at least this share of the engine's, p99 at most this above.
FRONT_RATIO, FRONT_P99_MS = 0.90, 10.0


def stream_peers(streams: dict[str, Any]) -> dict[str, Any]:
    """The peers asked the streams, the static export on nginx among them."""
    peers = dict(streams.get("peers", {}))
    if "static" in streams:
        peers["nginx-static"] = streams["static"]
    return peers


def stream_ratio(streams: dict[str, Any], peer: str, workload: str, c: str) -> float | None:
    peers = stream_peers(streams)
    try:
        mine = peers[peer][workload][c]
        theirs = peers[YARDSTICK][workload][c]
    except KeyError:
        return None
    if "error" in mine or "error" in theirs or not theirs.get("items_per_s"):
        return None
    return mine["items_per_s"] / theirs["items_per_s"]


def fmt_ratio(value: float | None) -> str:
    """A ratio with enough digits to tell 0.003 from 0.009."""
    return fmt(value, 3 if value is not None and abs(value) < 0.1 else 2)


def connection_counts(results: dict[str, Any]) -> list[str]:
    return [str(c) for c in results["settings"]["connections"]]


def stream_targets(results: dict[str, Any]) -> list[str]:
    rows = []
    for scale, entry in results["scales"].items():
        streams = entry.get("streams")
        if not streams:
            continue
        for workload, peer, c, target, what in STREAM_TARGETS:
            counts = [c] if c else connection_counts(results)
            found = [stream_ratio(streams, peer, workload, n) for n in counts]
            value = None if None in found or not found else min(found)
            where = f"c={c}" if c else "lowest over c"
            rows.append(
                (
                    f"{what}, {scale}, {where}",
                    f"≥ {target:g}×",
                    fmt_ratio(value) + "×",
                    target,
                    value,
                    True,
                )
            )
        for engine, data in streams.get("overhead", {}).items():
            if "skipped" in data or "error" in data:
                reason = (data.get("skipped") or data.get("error") or "")[:160]
                rows.append(
                    (f"front over {engine}, {scale}", "≤ 10% overhead", reason, None, None, True)
                )
                continue
            ratios, gaps = [], []
            for n in connection_counts(results):
                direct, through = data["direct"].get(n), data["front"].get(n)
                if not direct or not through or "error" in through:
                    ratios.append(None)
                    continue
                ratios.append(through["items_per_s"] / direct["items_per_s"])
                gaps.append((through["p99_us"] - direct["p99_us"]) / 1000)
            value = None if None in ratios or not ratios else min(ratios)
            rows.append(
                (
                    f"front over {engine} (cache off, unique queries), throughput, {scale}",
                    f"≥ {FRONT_RATIO:g}× of the engine direct",
                    fmt_ratio(value) + "×",
                    FRONT_RATIO,
                    value,
                    True,
                )
            )
            gap = max(gaps) if gaps and len(gaps) == len(ratios) else None
            rows.append(
                (
                    f"front over {engine}, p99 above the engine's, {scale}, highest over c",
                    f"≤ {FRONT_P99_MS:g} ms",
                    fmt(gap) + " ms",
                    FRONT_P99_MS,
                    gap,
                    False,
                )
            )
    lines = ["| workload | target | measured | verdict |", "|---|---|---|---|"]
    for what, target, measured, bound, value, higher in rows:
        judged = verdict(value, bound, higher) if bound is not None else "not measured"
        lines.append(f"| {what} | {target} | {measured} | {judged} |")
    return lines


def stream_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | workload | peer | c | items/s | × oxigraph | p50 ms | p99 ms "
        "| repeats so far | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scale, entry in results["scales"].items():
        streams = entry.get("streams")
        if not streams:
            continue
        for workload in ("crawl", "zipf-deref", "zipf-mix"):
            for peer, data in stream_peers(streams).items():
                for c in connection_counts(results):
                    figures = data.get(workload, {}).get(c)
                    if figures is None:
                        continue
                    notes = [figures["note"]] if figures.get("note") else []
                    if figures.get("wrapped") and not figures.get("error"):
                        notes.append("list replayed (the peer keeps no response cache)")
                    if figures.get("errors"):
                        notes.append(f"{figures['errors']} errors")
                    if figures.get("error"):
                        notes.append(figures["error"])
                    lines.append(
                        f"| {scale} | {workload} | {peer} | {c} "
                        f"| {fmt(figures.get('items_per_s'), 1)} "
                        f"| {fmt_ratio(stream_ratio(streams, peer, workload, c))} "
                        f"| {fmt(figures.get('p50_us', 0) / 1000)} "
                        f"| {fmt(figures.get('p99_us', 0) / 1000)} "
                        f"| {figures.get('repeats', 0):.0%} | {'; '.join(notes)} |"
                    )
        for peer, data in stream_peers(streams).items():
            if data.get("error") or data.get("skipped"):
                reason = data.get("error") or data.get("skipped")
                lines.append(f"| {scale} | — | {peer} | — | — | — | — | — | — | {reason} |")
    return lines


def prepared_table(results: dict[str, Any]) -> list[str]:
    """What preparing every document at start-up cost (server/app/prepared.py)."""
    lines = [
        "| scale | peer | resources | seconds after the first answer | bytes kept (MB) "
        "| memory before → after (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for scale, entry in results["scales"].items():
        for peer, data in entry.get("streams", {}).get("peers", {}).items():
            prepared = data.get("prepared")
            if prepared:
                lines.append(
                    f"| {scale} | {peer} | {prepared['resources']} | {prepared['wall_s']:.1f} "
                    f"| {prepared['bytes'] / 1e6:.1f} "
                    f"| {fmt(data.get('startup_mb'), 0)} → {fmt(data.get('prepared_mb'), 0)} |"
                )
    return lines


def overhead_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | engine | c | engine direct req/s | through the front req/s | ratio "
        "| engine p99 ms | front p99 ms | p99 difference ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scale, entry in results["scales"].items():
        for engine, data in entry.get("streams", {}).get("overhead", {}).items():
            if "direct" not in data or "front" not in data:
                reason = data.get("skipped") or data.get("error", "")
                lines.append(f"| {scale} | {engine} | — | — | — | — | — | — | {reason} |")
                continue
            for c in connection_counts(results):
                d, f = data["direct"].get(c), data["front"].get(c)
                if not d or not f:
                    continue
                lines.append(
                    f"| {scale} | {engine} | {c} | {fmt(d['items_per_s'], 1)} "
                    f"| {fmt(f['items_per_s'], 1)} "
                    f"| {fmt_ratio(f['items_per_s'] / d['items_per_s'])} "
                    f"| {fmt(d['p99_us'] / 1000)} | {fmt(f['p99_us'] / 1000)} "
                    f"| {fmt((f['p99_us'] - d['p99_us']) / 1000)}"
                    + (f" (engine: {d['errors']} errors)" if d.get("errors") else "")
                    + (f" (front: {f['errors']} errors)" if f.get("errors") else "")
                    + " |"
                )
    return lines


def fronts_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| scale | layout | workload | c | items/s | × one front | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scale, entry in results["scales"].items():
        layouts = entry.get("streams", {}).get("two_fronts")
        if not layouts:
            continue
        if "error" in layouts:
            lines.append(f"| {scale} | — | — | — | — | — | — | {layouts['error']} |")
        first = next((v for k, v in layouts.items() if k != "error"), {})
        for layout, data in layouts.items():
            if layout == "error":
                continue
            for workload, by_c in data.items():
                for c, figures in by_c.items():
                    base = first.get(workload, {}).get(c, {}).get("items_per_s")
                    share = figures["items_per_s"] / base if base else None
                    lines.append(
                        f"| {scale} | {layout} | {workload} | {c} "
                        f"| {fmt(figures['items_per_s'], 1)} | {fmt(share)} "
                        f"| {fmt(figures['p50_us'] / 1000)} | {fmt(figures['p99_us'] / 1000)} |"
                    )
    return lines


def render_streams(results: dict[str, Any]) -> list[str]:
    """The section of issue 14, empty when the run asked no stream."""
    if not any("streams" in e for e in results["scales"].values()):
        return []
    return [
        "### Targets (issue 14): streams drawn from the data, ratios in the same run",
        "",
        *stream_targets(results),
        "",
        "### Streams drawn from the data (Zipf, s = 1), items per second",
        "",
        "An item is a query (mix), or a dereference: `/id/…` → 303 → document for servers of "
        "URIs, one `DESCRIBE` for oxigraph. *Repeats so far*: the share of the run's items "
        "already asked earlier of the same server, the most a response cache could answer.",
        "",
        *stream_table(results),
        "",
        "### Documents prepared at start-up (the streams begin when they are done)",
        "",
        *prepared_table(results),
        "",
        "### Overhead of the front: `ictkg serve --sparql-endpoint` against the engine direct",
        "",
        "The same unique queries (the Zipf mix without repeats), response cache off.",
        "",
        *overhead_table(results),
        "",
        "### Two fronts behind nginx over one engine (`oxigraph serve`)",
        "",
        *fronts_table(results),
        "",
    ]


if __name__ == "__main__":
    merged = merge([json.loads(Path(a).read_text()) for a in sys.argv[1:]])
    fixed = any(e.get("peers") or e.get("disk") for e in merged["scales"].values())
    update(Path("BENCHMARKS.md"), merged, fixed=fixed)
