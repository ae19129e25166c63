"""The verdicts of issue 14 are computed from the figures of the streams drawn from the data:
ratios to oxigraph in the same run, the front against its engine, and a run that ran out of
requests reported as such, never as a figure."""

from __future__ import annotations

from pathlib import Path

from bench import report


def run(items: float, p99_ms: float = 3, **extra) -> dict:
    return {"items_per_s": items, "p50_us": 1000, "p99_us": p99_ms * 1000, "errors": 0, **extra}


def results(mix_on: float, mix_off: float, crawl: float, deref4: float, deref32: float) -> dict:
    """1e5 at two connection counts; oxigraph answers 1000 of everything."""
    base = {w: {"4": run(1000), "32": run(1000)} for w in ("crawl", "zipf-deref", "zipf-mix")}
    streams = {
        "peers": {
            "oxigraph": base,
            "ictkg": {
                "crawl": {"4": run(crawl), "32": run(crawl)},
                "zipf-deref": {"4": run(deref4), "32": run(deref32)},
                "zipf-mix": {"4": run(mix_on), "32": run(mix_on * 2)},
            },
            "ictkg-nocache": {"zipf-mix": {"4": run(mix_off), "32": run(mix_off)}},
        },
        "overhead": {
            "oxigraph": {
                "direct": {"4": run(1000, 5), "32": run(1000, 20)},
                "front": {"4": run(950, 9), "32": run(920, 31)},
            },
            "virtuoso": {"skipped": "not run: not on main"},
        },
    }
    return {
        "started": "2026-12-02T06:00:00+00:00",
        "command": "python -m bench.run",
        "settings": {"rounds": 1, "seconds": 3, "connections": [4, 32], "resources": 100},
        "scales": {"1e5": {"triples": 100_000, "peers": {}, "streams": streams}},
    }


def verdicts(data: dict) -> dict[str, str]:
    found = {}
    for line in report.stream_targets(data)[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        found[cells[0]] = cells[3]
    return found


def test_each_target_judged_from_its_ratio() -> None:
    found = verdicts(results(mix_on=1600, mix_off=900, crawl=600, deref4=500, deref32=990))
    assert found["Zipf mix, response cache on (as deployed), 1e5, lowest over c"] == "**met**"
    assert found["Zipf mix, response cache off, 1e5, lowest over c"] == "**missed**"
    assert found["crawl (every resource once, 303 + document), 1e5, lowest over c"] == "**met**"
    assert found["Zipf revisit of resources, 1e5, c=4"] == "**met**"
    assert found["Zipf revisit of resources, 1e5, c=32"] == "**missed**"


def test_front_overhead_judged_on_throughput_and_p99() -> None:
    found = verdicts(results(1600, 900, 600, 500, 990))
    throughput = "front over oxigraph (cache off, unique queries), throughput, 1e5"
    assert found[throughput] == "**met**"  # 0.92 at worst
    p99 = "front over oxigraph, p99 above the engine's, 1e5, highest over c"
    assert found[p99] == "**missed**"  # 11 ms above at 32 connections
    assert found["front over virtuoso, 1e5"] == "not measured"


def test_a_run_that_ran_out_of_requests_is_not_a_figure() -> None:
    data = results(1600, 900, 600, 500, 990)
    crawl = data["scales"]["1e5"]["streams"]["peers"]["ictkg"]["crawl"]
    crawl["4"] = run(5000, error="every item asked: the list is shorter than the run")
    found = verdicts(data)
    assert found["crawl (every resource once, 303 + document), 1e5, lowest over c"] == (
        "not measured"
    )
    table = "\n".join(report.stream_table(data))
    assert "every item asked" in table


def test_a_crawl_asked_to_the_end_of_its_share_is_a_figure_and_says_so() -> None:
    data = results(1600, 900, 600, 500, 990)
    crawl = data["scales"]["1e5"]["streams"]["peers"]["ictkg"]["crawl"]
    crawl["32"] = run(700, note="its share of the list, 2023 items, asked to the end")
    found = verdicts(data)
    assert found["crawl (every resource once, 303 + document), 1e5, lowest over c"] == "**met**"
    table = "\n".join(report.stream_table(data))
    assert "| 1e5 | crawl | ictkg | 32 | 700.0 | 0.70 |" in table
    assert "its share of the list, 2023 items, asked to the end" in table


def test_streams_section_written_beside_the_fixed_one(tmp_path: Path) -> None:
    markdown = tmp_path / "BENCHMARKS.md"
    markdown.write_text(f"# B\n\n{report.START}\nOLD FIXED\n{report.END}\n\nprose\n")
    report.update(markdown, results(1600, 900, 600, 500, 990), fixed=False)
    text = markdown.read_text()
    assert "OLD FIXED" in text
    assert report.STREAMS_START in text
    assert "| 1e5 | zipf-mix | ictkg | 32 | 3200.0 | 3.20 |" in text


def test_runs_merged_keep_what_a_later_run_did_not_measure() -> None:
    first = results(1600, 900, 600, 500, 990)
    second = results(1600, 900, 600, 500, 990)
    second["scales"]["1e5"]["streams"] = {
        "overhead": {"virtuoso": {"skipped": "measured elsewhere"}},
        "peers": {"ictkg": {"zipf-mix": {"4": run(5), "32": run(5)}}},
    }
    streams = report.merge([first, second])["scales"]["1e5"]["streams"]
    assert streams["overhead"]["virtuoso"] == {"skipped": "measured elsewhere"}
    assert "direct" in streams["overhead"]["oxigraph"]
    assert streams["peers"]["ictkg"]["zipf-mix"]["4"]["items_per_s"] == 5
    assert "oxigraph" in streams["peers"]


def test_a_run_of_the_streams_alone_keeps_the_fixed_peers_of_an_earlier_run() -> None:
    first = results(1600, 900, 600, 500, 990)
    first["scales"]["1e5"]["peers"] = {"oxigraph": {"startup_s": 1.0}}
    second = results(1700, 900, 600, 500, 990)
    second["scales"]["1e5"]["peers"] = {}
    scale = report.merge([first, second])["scales"]["1e5"]
    assert scale["peers"] == {"oxigraph": {"startup_s": 1.0}}
    assert scale["streams"]["peers"] == second["scales"]["1e5"]["streams"]["peers"]
