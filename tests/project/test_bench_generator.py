"""The benchmark's synthetic data: it conforms to our shapes, and is the same on every run.

A benchmark on data the server would refuse (``VALIDATE_ON_START``) or that does not look like
ours measures nothing useful, and figures are only comparable between runs when the data is
byte for byte the same (issue 5, "a deterministic generator ... conforming to our shapes").
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from bench.generate import SOURCE, generate
from server.config import DEFAULTS
from server.validation.shacl import validate

ICTKG = "https://w3id.org/belarus-ict/ontology#"
PREFIXES = f"""
PREFIX ictkg: <{ICTKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bench-1e3")
    generate(1_000, directory)
    return directory


@pytest.fixture(scope="module")
def store(small: Path) -> ox.Store:
    engine = ox.Store()
    for file in sorted(small.glob("*.nt")):
        engine.load(path=file, format=ox.RdfFormat.N_TRIPLES)
    return engine


def test_conforms_to_our_shapes(small: Path) -> None:
    """SHACL over data + ontology with the project's shapes: no finding of any severity."""
    report = validate(DEFAULTS["ONTOLOGY_DIR"], small, DEFAULTS["SHAPES_DIR"])
    assert report.errors == []
    assert report.results == [], report.render("text")
    assert report.checked, "no data file was validated"


def test_same_bytes_on_every_run(small: Path, tmp_path: Path) -> None:
    generate(1_000, tmp_path)
    names = sorted(p.name for p in small.glob("*.nt"))
    assert names == sorted(p.name for p in tmp_path.glob("*.nt"))
    for name in names:
        assert (small / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_smaller_scale_is_a_prefix_of_larger(small: Path, tmp_path: Path) -> None:
    """Queries and resources picked at 1e3 exist at every scale."""
    generate(3_000, tmp_path)
    smaller = (small / "part-0000.nt").read_text(encoding="utf-8")
    larger = (tmp_path / "part-0000.nt").read_text(encoding="utf-8")
    assert larger.startswith(smaller)


def test_triple_count_reaches_the_target_by_whole_units(small: Path, store: ox.Store) -> None:
    manifest = json.loads((small / "manifest.json").read_text())
    assert manifest["triples"] == len(store)
    per_unit = 150
    assert 1_000 <= manifest["triples"] < 1_000 + per_unit


def test_files_are_split_at_the_chunk_size(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("bench.generate.TRIPLES_PER_FILE", 400)
    stats = generate(1_000, tmp_path)
    lines = [len((tmp_path / f).read_text().splitlines()) for f in stats.files]
    assert len(lines) == 3
    assert lines[:-1] == [400, 400]
    assert sum(lines) == stats.triples


def test_manifest_resources_are_described(small: Path, store: ox.Store) -> None:
    resources = json.loads((small / "manifest.json").read_text())["resources"]
    assert len(resources) >= 20
    for iri in resources:
        assert store.query(f"{PREFIXES} ASK {{ <{iri}> a ?class ; rdfs:label ?l }}")


#: What the issue asks the data to contain, one ASK each (issue 5, "The benchmark"), and the
#: answer expected: a counter-example must not exist.
CONTENT = [
    ("states", "ASK { ?s a ictkg:State }", True),
    ("organizations", "ASK { ?o a ictkg:Organization }", True),
    (
        "people-holding-offices",
        "ASK { ?post a ictkg:Post ; ictkg:heldBy ?p . ?p a ictkg:Person }",
        True,
    ),
    (
        "summit-with-phases",
        "ASK { ?p a ictkg:SummitPhase ; ictkg:phaseOf ?s . ?s a ictkg:Summit }",
        True,
    ),
    ("series-with-editions", "ASK { ?e a ictkg:Edition ; ictkg:editionOf ?s . ?s a ?c }", True),
    (
        "documents-adopted",
        "ASK { ?d a ictkg:Declaration ; ictkg:adoptedAt ?e ; dcterms:title ?t }",
        True,
    ),
    (
        "statements",
        "ASK { ?d a ictkg:Statement ; ictkg:deliveredBy ?p ; ictkg:inCapacityOf ?o }",
        True,
    ),
    ("awards", "ASK { ?a a ictkg:Award ; ictkg:awardedTo ?p ; ictkg:awardYear ?y }", True),
    (
        "participations",
        "ASK { ?x a ictkg:Participation ; ictkg:role ?r . ?r skos:inScheme ?s }",
        True,
    ),
    ("proposals", "ASK { ?x a ictkg:Proposal ; ictkg:proposedAt ?e }", True),
    ("labels-en", 'ASK { ?x rdfs:label ?l FILTER(LANG(?l) = "en") }', True),
    ("labels-ru", 'ASK { ?x rdfs:label ?l FILTER(LANG(?l) = "ru") }', True),
    ("labels-be", 'ASK { ?x rdfs:label ?l FILTER(LANG(?l) = "be") }', True),
    ("typed-dates", "ASK { ?e ictkg:startDate ?d FILTER(DATATYPE(?d) = xsd:date) }", True),
    ("typed-years", "ASK { ?e ictkg:startDate ?d FILTER(DATATYPE(?d) = xsd:gYear) }", True),
    (
        "cross-unit-links",
        "ASK { ?x ictkg:participant ?guest ; ictkg:participatedIn ?summit ."
        " ?summit ictkg:attendance ?a . ?a ictkg:attendeeFrom ?host FILTER(?guest != ?host) }",
        True,
    ),
    (
        "no-resource-without-a-source",
        f"ASK {{ ?x a ?c FILTER(?x != <{SOURCE}>)"
        " FILTER NOT EXISTS { ?x dcterms:source ?src } }",
        False,
    ),
]


@pytest.mark.parametrize(("name", "ask", "expected"), CONTENT, ids=[row[0] for row in CONTENT])
def test_contains_what_the_issue_lists(
    store: ox.Store, name: str, ask: str, expected: bool
) -> None:
    assert bool(store.query(PREFIXES + ask)) is expected, name
