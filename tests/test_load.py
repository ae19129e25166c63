"""Under load: no errors, and runaway queries never slow the others down (issue 6, "Under load").

locust, driven as a library (``tests/fixtures/faults/locustfile.py``, in its own process because
locust patches the standard library with gevent), against the production server (``ictkg
serve``, granian) on the real dataset, on 127.0.0.1:

- **mix**: 32 concurrent users dereferencing, reading documents and HTML pages and running the
  example SPARQL queries, without pause: zero errors. The figures (requests, req/s, p50 and p99
  per kind and in total) are written to ``test-artifacts/load-mix-{seconds}s.json``.
- **runaway**: two users send large cross joins without pause while ten others send simple
  requests: every runaway gets 503 within the time limit plus one second, the simple requests
  stay under 200 ms at p99, and afterwards the server has as many processes as before (the
  killed query workers were replaced, none leaked) and no more memory than it had, within a
  margin for allocator noise.

Each run lasts ``ICTKG_LOAD_SECONDS`` (10 in CI; ``make load`` runs 60).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from fault_support import FAULTS, descendants, pss_kib, served

from server.config import BASE_IRI, PROJECT_ROOT

SECONDS = float(os.environ.get("ICTKG_LOAD_SECONDS", "10"))
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
TIMEOUT = 2.0
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
    assert result["total"]["requests"] > 20 * SECONDS
    assert set(result["by_name"]) == {
        "/id/{kind}/{slug}",
        "/doc/{kind}/{slug}.{format}",
        "HTML pages",
        "/sparql",
    }
    assert "Traceback" not in server.log_text()


def test_runaway_queries_do_not_slow_simple_requests(tmp_path, artifacts) -> None:
    """Two halves: the first brings the server to its working size (caches filled, query
    workers replaced at least once), the second must not make it grow."""
    env = {"ICTKG_VALIDATE_ON_START": "false", "ICTKG_QUERY_WORKERS": "3"}
    options = ("--workers", "2", "--threads", "8", "--query-timeout", str(TIMEOUT))
    halves = []
    with served(*options, base=BASE_IRI, env=env, log=tmp_path / "log") as server:
        target_file = targets(server.root, tmp_path / "targets.json")
        expected = 2 * (1 + 3)  # two workers, three query workers each
        deadline = time.monotonic() + 30
        while len(start := descendants(server.pid)) != expected:
            assert time.monotonic() < deadline, start
            time.sleep(0.1)
        for half in (1, 2):
            out = artifacts / f"load-runaway-{SECONDS:g}s-{half}.json"
            result = locust("runaway", server.root, 12, target_file, out, SECONDS / 2)
            time.sleep(0.5)  # the last runaways' workers are being replaced
            processes = descendants(server.pid)
            halves.append((result, processes, pss_kib(processes)))
    for result, processes, _ in halves:
        print(json.dumps(result["by_name"]))
        runaway, simple = result["by_name"]["runaway"], result["by_name"]["simple"]
        assert result["errors"] == []
        assert runaway["requests"] >= 2
        assert runaway["failures"] == 0  # each a 503 within the limit plus one second
        assert simple["failures"] == 0
        assert simple["requests"] > 25
        assert simple["p99_ms"] < 200
        assert len(processes) == len(start)  # every killed query worker replaced, none leaked
    assert set(halves[0][1]) != set(start)
    assert set(halves[1][1]) != set(halves[0][1])
    first, second = halves[0][2], halves[1][2]
    print(f"memory after the first half {first} KiB, after the second {second} KiB")
    assert second - first < 0.1 * first, (first, second)
