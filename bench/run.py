"""``make bench``: every peer, one after another, on the same data and the same requests.

For each scale: generate the data (``bench.generate``, kept between runs when unchanged), time
``ictkg validate`` (at ``--validate-scale``), export the static site for nginx, then for each
peer: start it and time the first answer (start-up, workload d) while sampling its memory, check
that every request is answered, and put it under ``wrk`` load for each workload and number of
connections, ``--rounds`` times (the median is reported). Ratios are to ``oxigraph`` measured in
the same run: the machine is shared and noisy, absolute figures move between runs, ratios less.

Results go to ``bench/results/bench-<time>.json`` (and ``latest.json``); ``bench.report``
turns them into the tables of ``BENCHMARKS.md``.

    .venv/bin/python -m bench.run --scales "1e3 1e5 1e6" --rounds 3 --seconds 4
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report, streams, wrk
from bench.generate import fingerprint, generate, parse_scale
from bench.peers import (
    BIN,
    Peer,
    fetch,
    ictkg,
    local_path,
    memory_mb,
    nginx,
    oxigraph,
    rdflib_endpoint,
    wait_prepared,
)
from bench.queries import mix, point_lookup
from server.config import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
PEERS = ("oxigraph", "rdflib-endpoint", "ictkg", "ictkg-nocache", "ictkg-gunicorn", "nginx")


class MemorySampler(threading.Thread):
    """The peak proportional set size of a process tree, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, memory_mb(self.pid))
            self._done.wait(self.interval)

    def finish(self) -> float:
        self._done.set()
        self.join()
        self.peak = max(self.peak, memory_mb(self.pid))
        return self.peak


def log(*parts: object) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}]", *parts, file=sys.stderr, flush=True)


def data_for(scale: int, out: Path) -> tuple[Path, dict[str, Any]]:
    """The generated data of a scale, generated again only when missing."""
    directory = out / f"data-{scale:.0e}".replace("+0", "")
    manifest = directory / "manifest.json"
    if manifest.exists():
        made = json.loads(manifest.read_text())
        if made["target"] == scale and made.get("generator") == fingerprint():
            return directory, made
    started = time.perf_counter()
    generate(scale, directory)
    log(f"generated {scale:.0e} in {time.perf_counter() - started:.1f} s")
    return directory, json.loads(manifest.read_text())


def time_command(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time and peak memory of a command run to completion."""
    import os

    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    sampler = MemorySampler(process.pid)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.finish()
    return {
        "seconds": seconds,
        "exit_code": process.returncode,
        "peak_mb": sampler.peak,
        "tail": output.decode(errors="replace").strip().splitlines()[-1:],
    }


def rounds(
    root: str, requests: list[wrk.Request], connections: int, count: int, seconds: float
) -> dict[str, Any]:
    """``count`` rounds of wrk; the median of each figure, and every round kept."""
    runs = [wrk.run(root, requests, connections, seconds) for _ in range(count)]
    median = {
        key: statistics.median(r[key] for r in runs)
        for key in ("rps", "p50_us", "p90_us", "p99_us")
    }
    median["errors"] = sum(r["errors"] for r in runs)
    median["rounds"] = runs
    return median


def check(peer: Peer, requests: dict[str, wrk.Request]) -> dict[str, Any]:
    """Every request once, before the load: status, size and time of a cold answer (kept in
    the JSON; the load then measures the steady state, caches warm, as a publisher runs)."""
    answers = {}
    for name, request in requests.items():
        started = time.perf_counter()
        status, body = fetch(peer.root, request, timeout=300)
        answers[name] = {
            "status": status,
            "bytes": len(body),
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
    return answers


def measure_peer(
    peer: Peer,
    data_dir: Path,
    manifest: dict[str, Any],
    args: argparse.Namespace,
) -> dict[str, Any]:
    queries = mix()
    resources = manifest["resources"][: args.resources]
    if peer.sparql_path:
        probe = peer.sparql(queries[0].text, queries[0].accept)
    else:
        probe = wrk.Request(local_path(peer.root, resources[0]), {"Accept": "text/turtle"})
    result: dict[str, Any] = {"version": peer.version()}
    log(f"{peer.name}: starting")
    started = time.perf_counter()
    sampler: MemorySampler | None = None
    try:
        result["startup_s"] = peer.start(data_dir, probe)
        assert peer.process is not None
        sampler = MemorySampler(peer.process.pid)
        sampler.start()
        result["startup_mb"] = memory_mb(peer.process.pid)
        log(f"{peer.name}: answered after {result['startup_s']:.2f} s")
        # Measured as it runs once started: after its documents are prepared (their cost is
        # in the streams' table).
        wait_prepared(peer)
        workloads: dict[str, list[wrk.Request]] = {}
        checks: dict[str, wrk.Request] = {}
        if peer.sparql_path:
            workloads["sparql"] = [peer.sparql(q.text, q.accept) for q in queries]
            checks.update({q.name: r for q, r in zip(queries, workloads["sparql"], strict=True)})
        deref = [r for iri in resources for r in peer.deref_requests(iri)]
        workloads["deref"] = deref
        checks.update({f"deref:{r.path}": r for r in deref})
        if peer.html is not None:
            workloads["html"] = [r for iri in resources for r in peer.html(peer.root, iri)]
            checks.update({f"html:{r.path}": r for r in workloads["html"]})
        # Every request once, cold: checks the answers and warms what a publisher keeps warm.
        cold = time.perf_counter()
        result["checks"] = check(peer, checks)
        result["cold_s"] = time.perf_counter() - cold
        failing = {k: v for k, v in result["checks"].items() if v["status"] >= 400}
        if failing:
            result["failing"] = failing
        for workload, requests in workloads.items():
            result[workload] = {}
            for connections in args.connections:
                figures = rounds(peer.root, requests, connections, args.rounds, args.seconds)
                # A dereference is a 303 and a document: two requests for servers of URIs.
                if workload != "sparql":
                    figures["per_item"] = len(requests) / max(1, len(resources))
                result[workload][str(connections)] = figures
                log(
                    f"{peer.name} {workload} c={connections}: {figures['rps']:.1f} req/s, "
                    f"p50 {figures['p50_us'] / 1000:.2f} ms, p99 {figures['p99_us'] / 1000:.2f} ms"
                    + (f", {figures['errors']} errors" if figures["errors"] else "")
                )
    except Exception as error:  # a peer that fails is reported as such, the run goes on
        result["error"] = f"{type(error).__name__}: {error}"
        log(f"{peer.name}: {result['error']}")
    finally:
        if sampler is not None:
            result["peak_mb"] = sampler.finish()
        peer.stop()
        result["wall_s"] = time.perf_counter() - started
    return result


def restart_on_disk(data_dir: Path, manifest: dict[str, Any], args, out: Path) -> dict[str, Any]:
    """The on-disk store: first start (bulk load), point lookups under load, then a restart.

    The lookups name ``--resources`` different resources and the response cache is off, so
    every answer comes from the store (a repeated lookup would measure the cache)."""
    store = out / f"store-{manifest['target']:.0e}".replace("+0", "")
    peer = ictkg("ictkg-disk", {"ICTKG_STORE_PATH": str(store), "ICTKG_RESPONSE_CACHE_SIZE": "0"})
    lookups = [point_lookup(iri) for iri in manifest["resources"][: args.resources]]
    probe = peer.sparql(lookups[0].text, lookups[0].accept)
    result: dict[str, Any] = {"version": peer.version(), "lookups": len(lookups)}
    try:
        result["first_start_s"] = peer.start(data_dir, probe, deadline=3600)
        requests = [peer.sparql(q.text, q.accept) for q in lookups]
        result["point_lookup"] = rounds(peer.root, requests, 4, args.rounds, args.seconds)
        peer.stop()
        result["restart_s"] = peer.start(data_dir, probe)
        assert peer.process is not None
        result["restart_mb"] = memory_mb(peer.process.pid)
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        peer.stop()
    return result


def export_once(entry: dict[str, Any], data_dir: Path, manifest: dict[str, Any], site: Path):
    """The static export of the data, made again only when the data changed (it takes minutes:
    about 10 at 1e5 on 2 busy CPUs)."""
    stamp = site / ".made-from"
    if stamp.exists() and stamp.read_text() == manifest["generator"] and "export_site" not in entry:
        return
    if "export_site" not in entry:
        log(f"ictkg export-site {site}")
        entry["export_site"] = time_command(
            [str(BIN / "ictkg"), "export-site", str(site), "--data", str(data_dir)],
            {"ICTKG_VALIDATE_ON_START": "false"},
        )
    if entry["export_site"]["exit_code"] == 0:
        stamp.write_text(manifest["generator"])


def peers_for(names: list[str], site_dir: Path, work: Path) -> list[Peer]:
    made = {
        "oxigraph": oxigraph,
        "rdflib-endpoint": rdflib_endpoint,
        "ictkg": lambda: ictkg("ictkg"),
        "ictkg-nocache": lambda: ictkg("ictkg-nocache", {"ICTKG_RESPONSE_CACHE_SIZE": "0"}),
        "ictkg-gunicorn": lambda: ictkg("ictkg-gunicorn", server="gunicorn"),
        "nginx": lambda: nginx(site_dir, work / "nginx"),
    }
    return [made[name]() for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1e3 1e5 1e6")
    parser.add_argument("--peers", default=" ".join(PEERS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--connections", default="4 32")
    parser.add_argument("--resources", type=int, default=100, help="resources dereferenced")
    parser.add_argument("--validate-scale", default="1e5")
    parser.add_argument("--rdflib-max-scale", default="1e5", help="rdflib-endpoint up to this")
    parser.add_argument("--disk-scales", default="1e7", help="on-disk store measured at these")
    parser.add_argument(
        "--nginx-max-scale",
        default="1e3",
        help="export and serve the static site up to this (the export of 1e5 takes ~10 min)",
    )
    parser.add_argument(
        "--stream-peers",
        default="oxigraph ictkg ictkg-nocache",
        help="peers asked the streams drawn from the data (crawl, Zipf revisit, Zipf mix)",
    )
    parser.add_argument(
        "--no-overhead",
        dest="overhead",
        action="store_false",
        help="skip the front in front of oxigraph serve against oxigraph serve direct",
    )
    parser.add_argument(
        "--engines",
        default="oxigraph virtuoso",
        help="engines the front's overhead is measured in front of",
    )
    parser.add_argument(
        "--fronts-scales",
        default="1e5",
        help="two fronts behind nginx over one engine at these scales",
    )
    parser.add_argument(
        "--static-scales",
        default="1e5",
        help="the static export on nginx, crawled and revisited, at these scales (the export "
        "is made again only when the data changed: about 4 minutes at 1e5, 50 at 1e6)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=PROJECT_ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split()]
    scales = [parse_scale(s) for s in args.scales.split()]
    names = args.peers.split()
    args.out.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {
        "command": ".venv/bin/python -m bench.run "
        + shlex.join(sys.argv[1:] if argv is None else argv),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": __import__("os").cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "rounds": args.rounds,
            "seconds": args.seconds,
            "connections": args.connections,
            "resources": args.resources,
            "wrk": wrk_version(),
        },
        "scales": {},
    }
    begun = time.perf_counter()
    for scale in scales:
        key = f"{scale:.0e}".replace("+0", "")
        data_dir, manifest = data_for(scale, args.out)
        entry: dict[str, Any] = {"triples": manifest["triples"], "peers": {}}
        results["scales"][key] = entry
        if scale == parse_scale(args.validate_scale):
            log(f"ictkg validate at {key}")
            entry["validate"] = time_command(
                [str(BIN / "ictkg"), "validate", "--data", str(data_dir)]
            )
        site_dir = args.out / f"site-{key}"
        if "nginx" in names and scale <= parse_scale(args.nginx_max_scale):
            log(f"ictkg export-site at {key}")
            entry["export_site"] = time_command(
                [str(BIN / "ictkg"), "export-site", str(site_dir), "--data", str(data_dir)],
                {"ICTKG_VALIDATE_ON_START": "false"},
            )
        for peer in peers_for(names, site_dir, args.out / "work"):
            if peer.name == "rdflib-endpoint" and scale > parse_scale(args.rdflib_max_scale):
                entry["peers"][peer.name] = {
                    "skipped": f"above --rdflib-max-scale {args.rdflib_max_scale}"
                }
                continue
            if peer.name == "nginx" and "export_site" not in entry:
                entry["peers"][peer.name] = {
                    "skipped": f"above --nginx-max-scale {args.nginx_max_scale}"
                }
                continue
            if peer.name == "nginx" and entry["export_site"]["exit_code"] != 0:
                entry["peers"][peer.name] = {"skipped": "export-site failed"}
                continue
            entry["peers"][peer.name] = measure_peer(peer, data_dir, manifest, args)
        beyond = key in args.fronts_scales.split() or key in args.static_scales.split()
        if args.stream_peers.strip() or args.overhead or beyond:
            if key in args.static_scales.split():
                export_once(entry, data_dir, manifest, site_dir)
            log(f"streams drawn from the data at {key}")
            entry["streams"] = streams.measure_scale(
                data_dir, key, args, site_dir, args.out / "work"
            )
            write(results, args, time.perf_counter() - begun)
        if key in args.disk_scales.split():
            log(f"on-disk store at {key}")
            entry["disk"] = restart_on_disk(data_dir, manifest, args, args.out)
        write(results, args, time.perf_counter() - begun)
    write(results, args, time.perf_counter() - begun)
    log(f"done in {time.perf_counter() - begun:.0f} s")
    return 0


def write(results: dict[str, Any], args: argparse.Namespace, seconds: float) -> None:
    results["seconds"] = round(seconds, 1)
    stamp = results["started"].replace(":", "").replace("-", "")
    text = json.dumps(results, indent=1, default=str)
    (args.out / f"bench-{stamp}.json").write_text(text)
    (args.out / "latest.json").write_text(text)
    report.update(
        args.markdown, results, fixed=bool(args.peers.split() or args.disk_scales.split())
    )


def wrk_version() -> str:
    done = subprocess.run([wrk.executable(), "--version"], capture_output=True, text=True)
    return (done.stdout + done.stderr).strip().splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
