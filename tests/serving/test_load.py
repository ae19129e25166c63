"""Under load: no errors, every request answered, runaway queries cut and their workers replaced.

locust, driven as a library (``tests/fixtures/faults/locustfile.py``, in its own process because
locust patches the standard library with gevent), against the production server (``ictkg
serve``, granian) on the real dataset, on 127.0.0.1:

- **mix**: 32 concurrent users dereferencing, reading documents and HTML pages and running the
  example SPARQL queries, without pause: zero errors. The figures (requests, req/s, p50 and p99
  per kind and in total) are written to ``test-artifacts/load-mix-{seconds}s.json``.
- **runaway**: two users send large cross joins without pause while ten others send simple
  requests: every runaway gets 503, every simple request its answer, and afterwards the server
  has as many processes as before (the killed query workers were replaced, none leaked).

Latency and memory are figures, not pass/fail here (they depend on the machine and on what
else runs on it): the p99 of the simple requests and the memory (Pss) after each half are
written to ``test-artifacts/``, and ``make load`` reports them against their targets
(:mod:`bench.figures`). Each run lasts ``ICTKG_LOAD_SECONDS`` (3 in ``make test``, long
enough for every kind of request and several runaways per half; ``make load``: 60), and on a
busy machine a little longer: until every kind of request has been answered at least once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from fault_support import FAULTS, descendants, pss_kib, served
from support import wait_for

from server.config import BASE_IRI, PROJECT_ROOT

SECONDS = float(os.environ.get("ICTKG_LOAD_SECONDS", "3"))
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT = 2.0
#: Seconds of each half of the runaway run: at least two and a half time limits, so that each
#: runaway user has had a query cut (and its worker replaced) in every half.
HALF = max(SECONDS / 2, 2.5 * TIMEOUT)
THINGS = (
    "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
    f'FILTER(STRSTARTS(STR(?s), "{BASE_IRI}id/")) }} ORDER BY ?s LIMIT 200'
)


def targets(root: str, path: Path) -> Path:
    """Resources and queries for the users, read from the server itself."""
    rows = requests.get(
        root + "sparql", params={"query": THINGS}, headers={"Accept": "text/csv"}, timeout=10
    ).text.splitlines()[1:]
    # Results name things by the server's IRIs; STR() in the query sees the canonical ones.
    things = ["/" + iri.removeprefix(root) for iri in rows]
    kinds = sorted({t.split("/")[2] for t in things})
    assert len(things) > 50
    queries = [
        q.read_text(encoding="utf-8") for q in sorted((PROJECT_ROOT / "queries").glob("*.rq"))
    ]
    pages = ["/", "/search?q=wsis", "/search?q=belarus", "/ontology", "/query"]
    pages += [t.replace("/id/", "/doc/") + ".html" for t in things[::10]]
    pages += [f"/list?class={BASE_IRI}ontology%23{k.capitalize()}" for k in kinds[:3]]
    path.write_text(
        json.dumps({"things": things, "queries": queries, "pages": pages, "timeout": TIMEOUT})
    )
    return path


def locust(
    scenario: str, root: str, users: int, target_file: Path, out: Path, seconds: float = SECONDS
) -> dict:
    subprocess.run(
        [
            sys.executable,
            str(FAULTS / "locustfile.py"),
            scenario,
            root,
            str(seconds),
            str(users),
            str(target_file),
            str(out),
        ],
        check=True,
        timeout=seconds + 60,
        capture_output=True,
    )
    return json.loads(out.read_text())


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def test_a_mix_of_32_users_gets_no_error(tmp_path, artifacts) -> None:
    env = {"ICTKG_VALIDATE_ON_START": "false"}
    options = ("--workers", "2", "--threads", "8", "--query-timeout", str(TIMEOUT))
    with served(*options, base=BASE_IRI, env=env, log=tmp_path / "log") as server:
        target_file = targets(server.root, tmp_path / "targets.json")
        out = artifacts / f"load-mix-{SECONDS:g}s.json"
        result = locust("mix", server.root, 32, target_file, out)
    print(json.dumps(result["total"]))
    assert result["errors"] == []
    assert result["total"]["failures"] == 0
    assert set(result["by_name"]) == {
        "/id/{kind}/{slug}",
        "/doc/{kind}/{slug}.{format}",
        "HTML pages",
        "/sparql",
    }
    assert all(kind["requests"] > 0 for kind in result["by_name"].values())
    assert "Traceback" not in server.log_text()


def settled(pid: int, expected: int, what: str) -> list[int]:
    """The processes below ``pid`` once one reading finds ``expected`` of them. One reading,
    kept: reading again may catch a replacement being forked (a passing child), as it once did."""
    seen: list[int] = []

    def count() -> bool:
        seen[:] = descendants(pid)
        return len(seen) == expected

    wait_for(count, what=what)
    return list(seen)


def test_runaway_queries_are_cut_and_simple_requests_answered(tmp_path, artifacts) -> None:
    """Two halves: the first brings the server to its working size (caches filled, query
    workers replaced at least once), the second runs on it; the memory after each is written
    for ``make load`` to compare."""
    env = {"ICTKG_VALIDATE_ON_START": "false", "ICTKG_QUERY_WORKERS": "3"}
    options = ("--workers", "2", "--threads", "8", "--query-timeout", str(TIMEOUT))
    expected = 2 * (1 + 1 + 3)  # two workers, each with a spawner and three query workers
    halves = []
    with served(*options, base=BASE_IRI, env=env, log=tmp_path / "log") as server:
        target_file = targets(server.root, tmp_path / "targets.json")
        start = settled(server.pid, expected, "every query worker")
        for half in (1, 2):
            out = artifacts / f"load-runaway-{SECONDS:g}s-{half}.json"
            result = locust("runaway", server.root, 12, target_file, out, HALF)
            # The last runaways' query workers are being replaced: every killed one replaced,
            # none leaked, or this times out.
            processes = settled(server.pid, expected, "the replacements")
            halves.append((result, processes, pss_kib(processes)))
    for result, _, _ in halves:
        print(json.dumps(result["by_name"]))
        runaway, simple = result["by_name"]["runaway"], result["by_name"]["simple"]
        assert result["errors"] == []
        assert runaway["requests"] >= 1
        assert runaway["failures"] == 0  # each a 503 (locustfile.py)
        assert simple["failures"] == 0
        assert simple["requests"] > 0
    assert set(halves[0][1]) != set(start)
    assert set(halves[1][1]) != set(halves[0][1])
    memory = {"pss_kib": [halves[0][2], halves[1][2]]}
    (artifacts / f"load-runaway-{SECONDS:g}s-memory.json").write_text(json.dumps(memory))
