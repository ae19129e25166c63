"""The real knowledge graph: it is there, conforms, stays under one base IRI and keeps the seed.

Every data file is its own test case, so a failure names the file; the validation report is the
failure message. The file lists are asserted non-empty: a check over zero files passes silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from support import ROOT

from server.config import BASE_IRI, DEFAULTS
from server.store.embedded import graph_iri, rdf_files
from server.validation.shacl import validate

ONTOLOGY = sorted(rdf_files([DEFAULTS["ONTOLOGY_DIR"]]))
DATA = sorted(rdf_files([DEFAULTS["DATA_DIR"]]))
SHAPES = sorted(rdf_files([DEFAULTS["SHAPES_DIR"]]))
SEED_TEXT = ROOT / "data" / "seed" / "mfa-information-technologies.txt"
SEED = URIRef(BASE_IRI + "id/source/mfa-information-technologies")
SCHEMA_TEXT = URIRef("https://schema.org/text")


@pytest.fixture(scope="module")
def graph() -> Graph:
    union = Graph()
    for file in ONTOLOGY + DATA:
        union.parse(file)
    return union


@pytest.fixture(scope="module")
def report():
    return validate(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"])


@pytest.mark.parametrize(
    ("kind", "files"), [("ontology", ONTOLOGY), ("data", DATA), ("shapes", SHAPES)]
)
def test_file_list_is_not_empty(kind: str, files: list[Path]):
    assert files, f"no RDF files found for {kind}"


def test_the_whole_graph_conforms_with_no_warnings(report):
    assert not report.errors, report.render()
    assert report.passes("info"), report.render()


@pytest.mark.parametrize("file", DATA, ids=[f.relative_to(ROOT).as_posix() for f in DATA])
def test_data_file_has_no_findings(file: Path, report):
    here = file.relative_to(ROOT).as_posix()
    located = [f for f in report.results if f.file and f.file.endswith(here)]
    assert located == [], report.render()


@pytest.mark.parametrize("file", ONTOLOGY + DATA + SHAPES, ids=lambda f: f.name)
def test_iris_of_the_project_use_the_one_base_iri(file: Path):
    """Every IRI that names something of ours starts with the configured base IRI."""
    text = file.read_text(encoding="utf-8")
    ours = set(re.findall(r"<(https?://[^>]*belarus-ict[^>]*)>", text))
    stray = sorted(iri for iri in ours if not iri.startswith(BASE_IRI))
    assert stray == [], f"{file.name} uses IRIs outside {BASE_IRI}: {stray}"


def test_every_linked_resource_is_described(graph: Graph):
    """No link to an /id/ IRI that nothing describes (a misspelt slug makes a dangling link)."""
    described = {s for s in graph.subjects(RDF.type, None)}
    linked = {
        o for o in graph.objects() if isinstance(o, URIRef) and o.startswith(BASE_IRI + "id/")
    }
    assert sorted(linked - described) == []


def test_the_seed_text_is_kept_verbatim(graph: Graph):
    texts = list(graph.objects(SEED, SCHEMA_TEXT))
    assert texts == [Literal(SEED_TEXT.read_text(encoding="utf-8"), lang="en")]


def test_the_data_readme_maps_every_resource():
    """data/README.md names every resource the data describes (as kind/slug)."""
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    graph = Graph()
    for file in DATA:
        graph.parse(file)
    resources = {
        str(s).removeprefix(BASE_IRI + "id/")
        for s in graph.subjects(RDF.type, None)
        if str(s).startswith(BASE_IRI + "id/")
    }
    assert resources
    assert sorted(r for r in resources if f"`{r}`" not in readme) == []


def test_every_named_graph_is_described():
    """data/graphs.ttl describes the named graph of every data file: title, licence, date of change
    and (for files of facts) the sources its facts come from."""
    graphs = Graph().parse(ROOT / "data" / "graphs.ttl")
    dcterms = "http://purl.org/dc/terms/"
    root = Path(DEFAULTS["DATA_DIR"])
    problems = []
    for file in DATA:
        name = URIRef(graph_iri(BASE_IRI, root, file))
        for term in ("title", "license", "modified"):
            if graphs.value(name, URIRef(dcterms + term)) is None:
                problems.append(f"{file.name}: no dcterms:{term} for <{name}> in data/graphs.ttl")
        cited = {
            o
            for s, o in Graph().parse(file).subject_objects(URIRef(dcterms + "source"))
            if not str(s).startswith(BASE_IRI + "graph/")
        }
        described = set(graphs.objects(name, URIRef(dcterms + "source")))
        problems += [
            f"{file.name}: <{name}> does not list its source <{s}>" for s in cited - described
        ]
    assert problems == [], "\n".join(problems)
