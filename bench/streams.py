"""The honest measurements of issue 14: requests drawn from the data, never a replayed list.

For each scale (``bench.run`` calls :func:`measure_scale`):

- **peers** ``oxigraph`` (the yardstick), ``ictkg`` (response cache on, as deployed) and
  ``ictkg-nocache``, each started fresh, then, in this order: the **crawl** (every resource once,
  shuffled, nothing warmed: a 303 and its document count as one dereference; each run asks an
  equal share of what is left of the list, to its end), the **Zipf
  revisit** of resources, and the **Zipf mix** (``bench.workload.mix_stream``). Each run of
  the load generator takes the next stretch of each stream, so no request is replayed from an
  earlier run; a run whose threads ran out of items (``wrapped``) is reported as such, not as a
  figure (except for peers without a response cache, for which a replay is the same work);
- **overhead of the front**: ``ictkg serve --sparql-endpoint`` in front of ``oxigraph serve``
  and of Virtuoso (``--engines``) against the engine direct, the same unique queries (no
  repeat), response cache off, each round from the beginning of the same stream;
- **beyond one machine**: two fronts behind nginx over one engine (at ``--fronts-scales``), and
  the static export (``ictkg export-site``) on nginx, crawled and revisited (at
  ``--static-scales``).
"""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import wrk
from bench.peers import (
    Peer,
    fetch_location,
    free_port,
    ictkg,
    memory_mb,
    nginx,
    nginx_executable,
    oxigraph,
    oxigraph_engine,
    virtuoso,
    wait_listening,
    wait_prepared,
)
from bench.workload import (
    Item,
    Resource,
    Stream,
    catalog,
    crawl,
    dereference_item,
    describe_item,
    mix_stream,
    sparql_item,
    unique,
    zipf_resources,
)

RESULTS = "application/sparql-results+json"
#: Items in the first window of a stream run, at least (the issue's 20 000 requests).
MIN_WINDOW = 20_000
#: Items in a window, at most (memory: wrk keeps its threads' lines formatted); a run that
#: needs more is reported as having run out, as any other.
MAX_WINDOW = 400_000
#: How many times a run may be repeated with a longer window after running out of items.
RETRIES = 2


def log(*parts: object) -> None:
    from bench.run import log as run_log

    run_log(*parts)


def measure_stream(
    peer_root: str,
    stream: Stream,
    connections: int,
    seconds: float,
    *,
    replay_ok: bool = False,
    estimate: float = 1000.0,
    share: int | None = None,
) -> dict[str, Any]:
    """One figure on the next stretch of ``stream``: items per second, latency, repeats.

    The window written for wrk holds three times what the last measured rate (``estimate``)
    would ask in ``seconds``; a run that runs out is done again with a longer window, the stream
    moving on each time (what was asked was asked). ``replay_ok`` (a peer with no response
    cache) keeps a run that wrapped, marked. ``share`` (a crawl: a finite list, each item asked
    once) gives the run the next ``share`` items and ends it when they are all asked, or at
    ``seconds``: the figure is then the rate of asking them to the end (``finished``)."""
    figures: dict[str, Any] = {}
    for attempt in range(RETRIES + 1):
        wanted = share if share is not None else max(MIN_WINDOW, math.ceil(estimate * seconds * 3))
        size = min(MAX_WINDOW, wanted)
        window = stream.window(size)
        if not window:
            return {"error": "the stream is exhausted"}
        start = stream.position
        figures = wrk.run_stream(
            peer_root,
            [i.line() for i in window],
            connections,
            seconds,
            finite=share is not None,
        )
        stream.advance(figures["consumed"])
        per_item = sum(len(i.paths) for i in window) / len(window)
        figures["per_item"] = per_item
        figures["items_per_s"] = figures["rps"] / per_item
        figures["stream_from"] = start
        figures["stream_to"] = stream.position
        figures["repeats"] = stream.repeats(start, stream.position)
        figures["attempt"] = attempt
        if share is not None and figures["finished"]:
            figures["note"] = f"its share of the list, {len(window)} items, asked to the end"
        if not figures["wrapped"] or replay_ok:
            return figures
        estimate = max(estimate, figures["items_per_s"]) * 4
        if stream.exhausted and len(stream.items) - stream.position < size:
            figures["error"] = "every item asked: the list is shorter than the run"
            return figures
    figures["error"] = "ran out of items after retries"
    return figures


def crawl_items(resources: list[Resource], make: Callable[[str], Item]) -> list[Item]:
    return [make(iri) for iri in crawl(resources)]


def stream_of(source: Iterator[Any], make: Callable[[Any], Item]) -> Stream:
    return Stream(make(x) for x in source)


def workloads_for(
    peer: Peer, resources: list[Resource], skip: str | None, suffix: bool = True
) -> dict[str, Callable[[], Stream]]:
    """The three streams as ``peer`` is asked them (``skip``: a resource asked before the load;
    ``suffix``: whether the peer's 303 names the document with its format's extension)."""
    if peer.sparql_path is None or peer.dereference is not None:

        def deref(iri: str) -> Item:
            return dereference_item(iri, suffix=suffix)

    else:
        path = peer.sparql_path

        def deref(iri: str) -> Item:
            return describe_item(path, iri)

    crawled = crawl_items([r for r in resources if r.iri != skip], deref)
    found: dict[str, Callable[[], Stream]] = {
        "crawl": lambda: Stream(crawled),
        "zipf-deref": lambda: stream_of(zipf_resources(resources), deref),
    }
    if peer.sparql_path is not None:
        path = peer.sparql_path
        found["zipf-mix"] = lambda: stream_of(mix_stream(resources), lambda q: sparql_item(path, q))
    return found


def check_scheme(peer: Peer, iri: str) -> bool:
    """Whether the peer's 303 names the document with an extension (``ictkg serve``) or not;
    an error when it names neither of the documents the streams would ask."""
    item = dereference_item(iri)
    location = fetch_location(peer.root, wrk.Request(item.paths[0], {"Accept": item.accept}))
    path = (location or "").split("?")[0]
    bare = dereference_item(iri, suffix=False).paths[1]
    if path.endswith(item.paths[1]) or path.endswith(bare):
        return path.endswith(item.paths[1])
    raise RuntimeError(f"{iri}: the 303 names {location}, the benchmark asks {item.paths[1]}")


def measure_peer_streams(
    peer: Peer,
    data_dir: Path,
    resources: list[Resource],
    args: Any,
    *,
    replay_ok: bool,
    workloads: tuple[str, ...] = ("crawl", "zipf-deref", "zipf-mix"),
) -> dict[str, Any]:
    """Start ``peer``, run each stream at each number of connections, stop it."""
    probe_iri = resources[0].iri
    if peer.sparql_path is not None:
        probe = peer.sparql(f"ASK {{ <{probe_iri}> ?p ?o }}", "application/sparql-results+json")
    else:
        item = dereference_item(probe_iri)
        probe = wrk.Request(item.paths[1], {"Accept": item.accept})
    result: dict[str, Any] = {"version": peer.version()}
    try:
        result["startup_s"] = peer.start(data_dir, probe)
        assert peer.process is not None
        result["startup_mb"] = memory_mb(peer.process.pid)
        prepared = wait_prepared(peer)
        if prepared is not None:
            result["prepared"] = prepared
            result["prepared_mb"] = memory_mb(peer.process.pid)
            log(
                f"{peer.name}: {prepared['resources']} resources prepared in "
                f"{prepared['wall_s']:.1f} s, {prepared['bytes'] / 1e6:.1f} MB"
            )
        suffix = check_scheme(peer, probe_iri) if peer.dereference is not None else True
        makers = workloads_for(peer, resources, skip=probe_iri, suffix=suffix)
        for name in workloads:
            if name not in makers:
                continue
            result[name] = {}
            estimate = 1000.0
            # One stream through every run (never replayed), except the crawl of a peer that
            # keeps no response cache: for it a new crawl is the same work, and the list of
            # resources is shorter than its runs at small scales. The crawl of a peer with a
            # cache gives every run an equal share of what is left, so that each is asked
            # resources nobody asked before, however fast the peer.
            stream = makers[name]()
            runs_left = len(args.connections) * args.rounds
            for connections in args.connections:
                runs = []
                for _ in range(args.rounds):
                    share = None
                    if name == "crawl" and replay_ok:
                        stream = makers[name]()
                    elif name == "crawl":
                        share = math.ceil(stream.remaining() / runs_left)
                    runs_left -= 1
                    figures = measure_stream(
                        peer.root,
                        stream,
                        connections,
                        args.seconds,
                        replay_ok=replay_ok,
                        estimate=estimate,
                        share=share,
                    )
                    estimate = figures.get("items_per_s", estimate) or estimate
                    runs.append(figures)
                result[name][str(connections)] = summarize(runs)
                f = result[name][str(connections)]
                log(
                    f"{peer.name} {name} c={connections}: {f.get('items_per_s', 0):.1f} items/s, "
                    f"p99 {f.get('p99_us', 0) / 1000:.1f} ms, repeats {f.get('repeats', 0):.0%}"
                    + (f", {f['errors']} errors" if f.get("errors") else "")
                    + (f", {f['error']}" if f.get("error") else "")
                )
        result["end_mb"] = memory_mb(peer.process.pid)
    except Exception as error:  # a peer that fails is reported as such, the run goes on
        result["error"] = f"{type(error).__name__}: {error}"
        log(f"{peer.name}: {result['error']}")
    finally:
        peer.stop()
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median run (by items per second) of the rounds, every round kept."""
    good = [r for r in runs if "error" not in r] or runs
    ordered = sorted(good, key=lambda r: r.get("items_per_s", 0))
    median = dict(ordered[len(ordered) // 2])
    median["errors"] = sum(r.get("errors", 0) for r in runs)
    median["rounds"] = runs
    return median


# --- the front over a remote engine ------------------------------------------------------------


def front(name: str, engine: Peer, env: dict[str, str] | None = None, workers: int = 2) -> Peer:
    """``ictkg serve --sparql-endpoint`` in front of ``engine`` (started and loaded first)."""
    peer = ictkg(name, env)
    serve = peer.command

    def command(port: int, data_dir: Path) -> list[str]:
        endpoint = engine.root + (engine.sparql_path or "/")
        made = [*serve(port, data_dir), "--sparql-endpoint", endpoint]
        made[made.index("--workers") + 1] = str(workers)
        return made

    peer.command = command
    return peer


def unique_mix(peer_path: str, resources: list[Resource]) -> Stream:
    return stream_of(unique(mix_stream(resources, seed=41)), lambda q: sparql_item(peer_path, q))


def front_overhead(
    data_dir: Path, resources: list[Resource], args: Any, work: Path
) -> dict[str, Any]:
    """The front against the engine direct: the same unique queries, cache off, same engine.

    Neither side keeps answers (response cache off), so a run that asked every unique query of
    small data and started again is the same work: such runs are kept, marked.

    The engine is started and loaded once; the direct figures are taken first, then the front
    is started in front of it and asked the same stream from its beginning."""
    result: dict[str, Any] = {}
    for engine_name, make_engine in ENGINES.items():
        if engine_name not in args.engines.split():
            continue
        engine = make_engine(work)
        if engine is None:
            result[engine_name] = {"skipped": NOT_RUN.get(engine_name, "not available here")}
            continue
        entry: dict[str, Any] = {"version": engine.version()}
        result[engine_name] = entry
        probe = engine.sparql("ASK { ?s ?p ?o }", RESULTS)
        the_front = front(f"ictkg-front-{engine_name}", engine, {"ICTKG_RESPONSE_CACHE_SIZE": "0"})
        try:
            entry["startup_s"] = engine.start(data_dir, probe)
            entry["direct"] = {}
            entry["front"] = {}
            # Each round from the stream's beginning: at 1e3 one round asks every unique query,
            # and a stream shared by the rounds would leave the next ones nothing to ask.
            for connections in args.connections:
                entry["direct"][str(connections)] = summarize(
                    [
                        measure_stream(
                            engine.root,
                            unique_mix(engine.sparql_path or "/", resources),
                            connections,
                            args.seconds,
                            replay_ok=True,
                        )
                        for _ in range(args.rounds)
                    ]
                )
            front_probe = the_front.sparql("ASK { ?s ?p ?o }", RESULTS)
            entry["front_startup_s"] = the_front.start(data_dir, front_probe)
            for connections in args.connections:
                entry["front"][str(connections)] = summarize(
                    [
                        measure_stream(
                            the_front.root,
                            unique_mix("/sparql", resources),
                            connections,
                            args.seconds,
                            replay_ok=True,
                        )
                        for _ in range(args.rounds)
                    ]
                )
                d, f = entry["direct"][str(connections)], entry["front"][str(connections)]
                log(
                    f"front over {engine_name} c={connections}: "
                    f"{f['items_per_s']:.0f} vs {d['items_per_s']:.0f} req/s direct, "
                    f"p99 {f['p99_us'] / 1000:.1f} vs {d['p99_us'] / 1000:.1f} ms"
                    + (f", front errors {f['errors']}" if f.get("errors") else "")
                )
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {error}"
            log(f"front over {engine_name}: {entry['error']}")
        finally:
            the_front.stop()
            engine.stop()
    return result


#: Engines the front is measured in front of; ``None`` when not runnable here.
ENGINES: dict[str, Callable[[Path], Peer | None]] = {
    "oxigraph": lambda _: oxigraph_engine(),
    "virtuoso": virtuoso,
}
NOT_RUN = {"virtuoso": "not run: virtuoso-t is not installed (`make install` installs it)"}


# --- beyond one machine ------------------------------------------------------------------------


NGINX_BALANCER = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  upstream fronts {{
{servers}
    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://fronts;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering on;
    }}
  }}
}}
"""


def balancer_config(port: int, fronts: list[int], work: Path) -> str:
    """nginx balancing (round robin, kept-alive upstream connections) over ``fronts``."""
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in fronts)
    return NGINX_BALANCER.format(port=port, servers=servers, work=work)


def two_fronts(data_dir: Path, resources: list[Resource], args: Any, work: Path) -> dict[str, Any]:
    """One engine; one front (2 workers) asked directly, then two fronts (1 worker each)
    behind nginx, same total of workers: the Zipf mix and the Zipf revisit, cache on."""
    result: dict[str, Any] = {}
    engine = oxigraph_engine()
    probe = engine.sparql("ASK { ?s ?p ?o }", RESULTS)
    started: list[Peer] = []
    balancer = None
    try:
        engine.start(data_dir, probe)
        layouts = {"one front, 2 workers": [2], "nginx, two fronts of 1 worker": [1, 1]}
        for layout, workers in layouts.items():
            fronts = []
            for i, count in enumerate(workers):
                peer = front(f"front-{i}", engine, workers=count)
                peer.start(data_dir, peer.sparql("ASK { ?s ?p ?o }", RESULTS))
                fronts.append(peer)
                started.append(peer)
            root = fronts[0].root
            if len(fronts) > 1:
                balancer = start_balancer([int(p.root.rsplit(":", 1)[1]) for p in fronts], work)
                root = balancer[0]
            entry: dict[str, Any] = {}
            for name, stream in (
                ("zipf-mix", stream_of(mix_stream(resources), lambda q: sparql_item("/sparql", q))),
                ("zipf-deref", stream_of(zipf_resources(resources), dereference_item)),
            ):
                entry[name] = {}
                for connections in args.connections:
                    figures = summarize(
                        [
                            measure_stream(root, stream, connections, args.seconds)
                            for _ in range(args.rounds)
                        ]
                    )
                    entry[name][str(connections)] = figures
                    log(f"{layout} {name} c={connections}: {figures['items_per_s']:.0f} items/s")
            result[layout] = entry
            for peer in fronts:
                peer.stop()
            if balancer is not None:
                stop_balancer(balancer)
                balancer = None
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log(f"two fronts: {result['error']}")
    finally:
        for peer in started:
            peer.stop()
        if balancer is not None:
            stop_balancer(balancer)
        engine.stop()
    return result


def start_balancer(fronts: list[int], work: Path) -> tuple[str, subprocess.Popen]:
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = work / "balancer.conf"
    config.write_text(balancer_config(port, fronts, work))
    process = subprocess.Popen(
        [nginx_executable(), "-c", str(config), "-p", str(work), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_listening(port, process, 30)
    return f"http://127.0.0.1:{port}", process


def stop_balancer(balancer: tuple[str, Any]) -> None:
    process = balancer[1]
    process.terminate()
    process.wait(timeout=20)


def static_export(
    site_dir: Path, data_dir: Path, resources: list[Resource], args: Any, work: Path
) -> dict[str, Any]:
    """nginx on the static export: the crawl and the Zipf revisit (no cache to warm)."""
    if not (site_dir / "doc").is_dir():
        return {"skipped": f"no export in {site_dir}"}
    return measure_peer_streams(
        nginx(site_dir, work / "nginx-static"),
        data_dir,
        resources,
        args,
        replay_ok=True,
        workloads=("crawl", "zipf-deref"),
    )


def measure_scale(
    data_dir: Path, scale_key: str, args: Any, site_dir: Path, work: Path
) -> dict[str, Any]:
    """Everything of issue 14 at one scale (see the module docstring)."""
    started = time.perf_counter()
    resources = catalog(data_dir)
    result: dict[str, Any] = {"resources": len(resources), "peers": {}}
    log(f"{scale_key}: {len(resources)} resources in the data")
    selected = args.stream_peers.split()
    makers = {
        "oxigraph": (oxigraph, True),
        "ictkg": (lambda: ictkg("ictkg"), False),
        # Documents are still computed once and kept (the representation cache): no replay.
        "ictkg-nocache": (
            lambda: ictkg("ictkg-nocache", {"ICTKG_RESPONSE_CACHE_SIZE": "0"}),
            False,
        ),
    }
    for name in selected:
        make, replay_ok = makers[name]
        result["peers"][name] = measure_peer_streams(
            make(), data_dir, resources, args, replay_ok=replay_ok
        )
    if args.overhead:
        result["overhead"] = front_overhead(data_dir, resources, args, work)
    if scale_key in args.fronts_scales.split():
        result["two_fronts"] = two_fronts(data_dir, resources, args, work / "balancer")
    if scale_key in args.static_scales.split():
        result["static"] = static_export(site_dir, data_dir, resources, args, work)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result
