"""The request streams of issue 14: constants drawn from the data, Zipf-spread, never replayed.

A benchmark whose requests repeat a short list measures the response cache; these tests check on
tiny generated data that every stream asks what the data holds, that popularity follows the
Zipf law's order, that a crawl asks every resource once, and that a stream moves on between runs.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import generate
from bench.streams import balancer_config
from bench.workload import (
    TEMPLATES,
    Item,
    Stream,
    Zipf,
    catalog,
    crawl,
    dereference_item,
    describe_item,
    mix_stream,
    of_class,
    repeat_share,
    unique,
    word_of,
    zipf_resources,
)
from server.config import BASE_IRI


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bench-streams-1e3")
    generate(1_000, directory)
    return directory


@pytest.fixture(scope="module")
def resources(data: Path):
    return catalog(data)


@pytest.fixture(scope="module")
def store(data: Path) -> ox.Store:
    engine = ox.Store()
    for file in sorted(data.glob("*.nt")):
        engine.bulk_load(path=str(file), format=ox.RdfFormat.N_TRIPLES)
    return engine


def test_catalog_holds_every_described_resource(resources, store: ox.Store) -> None:
    subjects = {
        row["s"].value
        for row in store.query(
            f'SELECT DISTINCT ?s WHERE {{ ?s a ?c FILTER(STRSTARTS(STR(?s), "{BASE_IRI}id/")) }}'
        )
    }
    assert {r.iri for r in resources} == subjects
    assert all(r.cls and r.label for r in resources)
    summits = [r for r in resources if of_class("Summit")(r)]
    assert summits
    assert all(r.year and r.start_type for r in summits)


def test_zipf_follows_the_rank_order(resources) -> None:
    import random

    zipf = Zipf(resources, random.Random(3))
    counts = Counter(zipf.pick().iri for _ in range(20_000))
    first, tenth, hundredth = (zipf.ranked[k].iri for k in (0, 9, 99))
    assert counts[first] > counts[tenth] > counts[hundredth]
    states = {zipf.pick(of_class("State")).cls for _ in range(50)}
    assert states == {"https://w3id.org/belarus-ict/ontology#State"}


def test_mix_asks_the_twelve_kinds_with_answers_in_the_data(resources, store: ox.Store) -> None:
    """Every query runs; every kind finds something in the data (an ASK may be false)."""
    queries = list(itertools.islice(mix_stream(resources), 120))
    assert [q.name for q in queries[:12]] == list(TEMPLATES)
    answered: set[str] = set()
    for query in queries:
        answer = store.query(query.text)
        found = bool(answer) if isinstance(answer, ox.QueryBoolean) else bool(list(answer))
        if found:
            answered.add(query.name)
    assert answered == set(TEMPLATES)


def test_mix_repeats_popular_requests_but_not_all(resources) -> None:
    texts = [q.text for q in itertools.islice(mix_stream(resources), 2_000)]
    assert 0 < repeat_share(texts) < 1
    assert texts == [q.text for q in itertools.islice(mix_stream(resources), 2_000)]
    once = [q.text for q in itertools.islice(unique(mix_stream(resources)), 200)]
    assert len(once) == 200
    assert repeat_share(once) == 0
    every = [q.text for q in unique(mix_stream(resources), patience=200)]
    assert repeat_share(every) == 0
    assert len(every) < 10_000


def test_crawl_asks_every_resource_once(resources) -> None:
    order = crawl(resources)
    assert sorted(order) == sorted(r.iri for r in resources)
    assert order != [r.iri for r in resources]


def test_zipf_revisit_repeats(resources) -> None:
    visits = list(itertools.islice(zipf_resources(resources), 1_000))
    assert repeat_share(visits) > 0


def test_a_dereference_is_the_303_and_its_document() -> None:
    iri = f"{BASE_IRI}id/state/valo-1"
    item = dereference_item(iri)
    assert item.paths == ("/id/state/valo-1", "/doc/state/valo-1.ttl")
    assert dereference_item(iri, suffix=False).paths[1] == "/doc/state/valo-1"
    assert item.line() == "text/turtle\t/id/state/valo-1\t/doc/state/valo-1.ttl"
    one = describe_item("/query", iri)
    assert len(one.paths) == 1
    assert one.paths[0].startswith("/query?query=DESCRIBE")
    with pytest.raises(ValueError, match="not under"):
        dereference_item("http://example.org/x")
    with pytest.raises(ValueError, match="URL-encoded"):
        Item("text/turtle", ("/a b",)).line()


def test_a_stream_moves_on_and_counts_repeats() -> None:
    items = [Item("a", (f"/{n}",)) for n in (1, 2, 1, 3, 2, 4)]
    stream = Stream(iter(items))
    assert stream.window(3) == items[:3]
    stream.advance(3)
    assert stream.window(10) == items[3:]
    assert stream.exhausted
    assert stream.repeats(0, 3) == pytest.approx(1 / 3)
    assert stream.repeats(3, 6) == pytest.approx(1 / 3)
    stream.advance(10)
    assert stream.position == 6
    assert stream.window(5) == []


def test_word_of_a_label() -> None:
    assert word_of("Ministry of Communications of Valo") == "Valo"
    assert word_of("Valora Summit on Broadband 2003") == "Broadband"


def test_balancer_names_every_front(tmp_path: Path) -> None:
    config = balancer_config(8080, [9001, 9002], tmp_path)
    assert "server 127.0.0.1:9001;" in config
    assert "server 127.0.0.1:9002;" in config
    assert "listen 127.0.0.1:8080;" in config


def fake_wrk(rates: list[tuple[int, int]]):
    """A stand-in for wrk: each call consumes ``issued`` lines per thread and wraps ``wrapped``
    times, so the harness's bookkeeping is checked without load."""
    calls: list[int] = []

    def run_stream(root, lines, connections, seconds, *, finite=False):
        issued, wrapped = rates[len(calls)]
        calls.append(len(lines))
        return {
            "requests": issued * 2,
            "seconds": seconds,
            "rps": issued * 2 / seconds,
            "errors": 0,
            "p50_us": 1,
            "p99_us": 2,
            "issued": [issued // 2, issued // 2],
            "wrapped": 0 if finite else wrapped,
            "consumed": min(len(lines), issued),
            "finished": finite and issued >= len(lines),
        }

    return run_stream, calls


def test_a_run_that_wraps_is_run_again_on_new_items(monkeypatch) -> None:
    from bench import streams, wrk

    run_stream, calls = fake_wrk([(30_000, 2), (30_000, 0)])
    monkeypatch.setattr(wrk, "run_stream", run_stream)
    stream = Stream(Item("a", (f"/{n}",)) for n in itertools.count())
    figures = streams.measure_stream("http://x", stream, 4, 1, estimate=100)
    assert calls[0] == streams.MIN_WINDOW
    assert calls[1] > calls[0]
    assert figures["attempt"] == 1
    assert "error" not in figures
    assert figures["stream_from"] == streams.MIN_WINDOW
    assert stream.position == streams.MIN_WINDOW + 30_000


def test_a_peer_without_cache_keeps_a_replayed_run(monkeypatch) -> None:
    from bench import streams, wrk

    run_stream, calls = fake_wrk([(50, 3)])
    monkeypatch.setattr(wrk, "run_stream", run_stream)
    stream = Stream([Item("a", ("/1", "/2")), Item("a", ("/3", "/4"))])
    figures = streams.measure_stream("http://x", stream, 4, 1, replay_ok=True)
    assert figures["wrapped"] == 3
    assert figures["per_item"] == 2
    assert "error" not in figures
    assert len(calls) == 1


def test_a_cache_peer_that_exhausts_a_finite_list_has_no_figure(monkeypatch) -> None:
    from bench import streams, wrk

    run_stream, _ = fake_wrk([(50, 3)])
    monkeypatch.setattr(wrk, "run_stream", run_stream)
    stream = Stream([Item("a", ("/1",)), Item("a", ("/2",))])
    figures = streams.measure_stream("http://x", stream, 4, 1)
    assert figures["error"] == "every item asked: the list is shorter than the run"


def test_a_crawl_run_asks_its_share_of_the_list_to_the_end(monkeypatch) -> None:
    from bench import streams, wrk

    run_stream, calls = fake_wrk([(10**6, 0)])
    monkeypatch.setattr(wrk, "run_stream", run_stream)
    stream = Stream([Item("a", (f"/{n}",)) for n in range(100)])
    assert stream.remaining() == 100
    figures = streams.measure_stream("http://x", stream, 4, 1, share=30)
    assert calls == [30]
    assert "error" not in figures
    assert figures["note"] == "its share of the list, 30 items, asked to the end"
    assert stream.position == 30
    assert stream.remaining() == 70
