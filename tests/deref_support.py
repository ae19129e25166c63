"""Shared set-up for the dereferencing tests: the fixture dataset and a live server.

The fixture (``tests/fixtures/deref/``) is a tiny knowledge graph under its own base IRI, so
these tests never depend on the evolving real data: Belarus has a nested blank node, labels in
two languages, links out, and seven incoming links (three pages of three).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from support import fixture_config, free_port, serving

from server import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "deref"
BASE = "https://example.org/kg/"
CONFIG = fixture_config("deref", BASE, BACKLINKS_PAGE_SIZE=3)


def make_app(**overrides):
    return create_app({**CONFIG, **overrides})


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    """Golden-graph check; on failure, print what is only on one side."""
    if isomorphic(expected, actual):
        return
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    raise AssertionError(
        "graphs differ\n--- only expected:\n"
        + only_expected.serialize(format="nt")
        + "--- only actual:\n"
        + only_actual.serialize(format="nt")
    )


@contextmanager
def live_server(**overrides) -> Iterator[str]:
    """gunicorn serving the fixture dataset on 127.0.0.1 in a subprocess; yields its root URL."""
    port = free_port()
    env = dict(os.environ)
    for key, value in {**CONFIG, **overrides}.items():
        if key != "TESTING":
            env[f"ICTKG_{key}"] = str(value)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "server:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}/"
    with serving(
        process,
        lambda: requests.get(root + "ontology.ttl", timeout=1) is not None,
        "gunicorn",
        30,
        interval=0.1,
        errors=requests.ConnectionError,
        message=lambda: process.stderr.read().decode(),
        stop_seconds=10,
        group=False,
    ):
        yield root
