"""Shared set-up for the dereferencing tests: the fixture dataset and a live server.

The fixture (``tests/fixtures/deref/``) is a tiny knowledge graph under its own base IRI, so
these tests never depend on the evolving real data: Belarus has a nested blank node, labels in
two languages, links out, and seven incoming links (three pages of three).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import ictkg_serve
from support import fixture_config

from server import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "deref"
BASE = "https://example.org/kg/"
CONFIG = fixture_config("deref", BASE, BACKLINKS_PAGE_SIZE=3)


def make_app(**overrides):
    return create_app({**CONFIG, **overrides})


@contextmanager
def live_server() -> Iterator[str]:
    """``ictkg serve`` (the production server) on the fixture dataset; yields its root URL."""
    options = ["--base-iri", BASE, "--workers", "1", "--threads", "4"]
    for name in ("ontology", "data", "shapes"):
        options += [f"--{name}", str(FIXTURES / name)]
    env = {"ICTKG_BACKLINKS_PAGE_SIZE": str(CONFIG["BACKLINKS_PAGE_SIZE"])}
    with ictkg_serve(*options, env=env, fixture=False) as root:
        yield root
