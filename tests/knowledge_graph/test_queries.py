"""Every example query in ``queries/`` has a title in English and Russian and returns rows.

The query page lists these files (``server/examples.py``); a query that stops matching the data
(a renamed property, a changed IRI) fails here, named after its file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import BASE_IRI, PROJECT_ROOT
from server.pages.examples import load
from server.store.embedded import Store

QUERIES = PROJECT_ROOT / "queries"
FILES = sorted(QUERIES.glob("*.rq"))


@pytest.fixture(scope="module")
def store():
    return Store(BASE_IRI, [PROJECT_ROOT / "ontology", PROJECT_ROOT / "data"])


def test_there_are_example_queries():
    assert len(FILES) >= 5


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_example_has_titles(file: Path):
    (example,) = [e for e in load(QUERIES) if e.slug == file.stem]
    assert example.titles.get("en")
    assert example.titles.get("ru")
    assert example.title(("ru", "en")) == example.titles["ru"]


@pytest.mark.parametrize("file", FILES, ids=[f.stem for f in FILES])
def test_example_returns_rows(store, file: Path):
    rows = list(store.query(file.read_text(encoding="utf-8")))
    assert rows, f"{file.name} returns no rows"
    assert all(any(value is not None for value in row) for row in rows)
