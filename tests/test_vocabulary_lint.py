"""The vocabulary lint (``server.validation.lint``): unknown terms are caught, with file:line.

A misspelt SHACL, RDFS or OWL term is silently ignored by validators (an unknown predicate is
just a triple), and an undeclared term of our own namespace is checked by no shape; these rows
are the typos that slip through review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ONTOLOGY_NS
from server.validation.lint import (
    UNDECLARED_PROJECT_TERM,
    UNKNOWN_W3C_TERM,
    check_term,
    lint,
)
from server.validation.shacl import display_path, validate
from server.validation.sourcemap import scan

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
SH = "http://www.w3.org/ns/shacl#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DECLARED = {ONTOLOGY_NS + "Event"}

TERM_CASES = [
    pytest.param(ONTOLOGY_NS + "Event", None, id="declared-project-term"),
    pytest.param(ONTOLOGY_NS + "Evnt", UNDECLARED_PROJECT_TERM, id="undeclared-project-term"),
    pytest.param(ONTOLOGY_NS, None, id="project-namespace-itself"),
    pytest.param(SH + "message", None, id="sh-message"),
    pytest.param(SH + "mesage", UNKNOWN_W3C_TERM, id="sh-mesage-typo"),
    pytest.param(SH + "in", None, id="sh-in-python-keyword-term"),
    pytest.param(SH + "class", None, id="sh-class-python-keyword-term"),
    pytest.param(SH + "SPARQLTarget", None, id="shacl-af-term"),
    pytest.param(SH + "SHACLFunction", None, id="term-pyshacl-implements"),
    pytest.param(RDFS + "label", None, id="rdfs-label"),
    pytest.param(RDFS + "lable", UNKNOWN_W3C_TERM, id="rdfs-lable-typo"),
    pytest.param(OWL + "versionIRI", None, id="owl-versionIRI"),
    pytest.param(OWL + "Clas", UNKNOWN_W3C_TERM, id="owl-Clas-typo"),
    pytest.param(RDF + "type", None, id="rdf-type"),
    pytest.param(RDF + "_12", None, id="rdf-container-membership-rdfs-5.1.2"),
    pytest.param(RDF + "langString", None, id="rdf-langString"),
    pytest.param(RDF + "Typ", UNKNOWN_W3C_TERM, id="rdf-typo"),
    pytest.param(XSD + "gYearMonth", None, id="xsd-gYearMonth"),
    pytest.param(XSD + "strng", UNKNOWN_W3C_TERM, id="xsd-typo"),
    pytest.param("http://www.w3.org/2002/07/owl", None, id="owl-ontology-iri-not-a-term"),
    pytest.param("https://schema.org/nmae", None, id="other-vocabularies-not-checked"),
]


@pytest.mark.parametrize(("iri", "rule"), TERM_CASES)
def test_check_term(iri, rule):
    problem = check_term(iri, DECLARED, ONTOLOGY_NS)
    assert (problem[0] if problem else None) == rule
    if problem:
        assert iri in problem[1]


SOURCE = """@prefix bict: <https://w3id.org/belarus-ict/ontology#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

bict:Shape a sh:NodeShape ;
    sh:targetClass bict:Event ;
    sh:property [ sh:path rdfs:lable ; sh:mesage "x" ; sh:mesage "y" ] ;
    rdfs:comment "sh:mesage inside a string is not a term" .
bict:thing bict:undeclared bict:Event .
"""


def test_lint_reports_every_line_once_per_term():
    findings = lint([scan(SOURCE, Path("s.ttl"))], ["s.ttl"], DECLARED, ONTOLOGY_NS)
    assert [(f.line, f.iri.rsplit("#", 1)[1], f.rule) for f in findings] == [
        (5, "Shape", UNDECLARED_PROJECT_TERM),
        (7, "lable", UNKNOWN_W3C_TERM),
        (7, "mesage", UNKNOWN_W3C_TERM),
        (9, "thing", UNDECLARED_PROJECT_TERM),
        (9, "undeclared", UNDECLARED_PROJECT_TERM),
    ]
    assert {f.file for f in findings} == {"s.ttl"}


FIXTURE_CASES = [
    pytest.param(
        FIXTURES / "data" / "undeclared",
        FIXTURES / "shapes",
        ("data/undeclared/events.ttl", 13, ONTOLOGY_NS + "hostedIn", UNDECLARED_PROJECT_TERM),
        id="undeclared-project-term-in-data",
    ),
    pytest.param(
        FIXTURES / "data" / "conforming",
        FIXTURES / "shapes-typo",
        ("shapes-typo/events.ttl", 21, SH + "mesage", UNKNOWN_W3C_TERM),
        id="sh-mesage-typo-in-shapes",
    ),
]


@pytest.mark.parametrize(("data", "shapes", "expected"), FIXTURE_CASES)
def test_validate_runs_the_lint_as_violations(data, shapes, expected):
    report = validate(FIXTURES / "ontology", data, shapes)
    lint_findings = [f for f in report.results if f.kind == "lint"]
    file, line, iri, rule = expected
    assert [(f.file, f.line, f.focus_node, f.constraint) for f in lint_findings] == [
        (display_path(FIXTURES / file), line, iri, rule)
    ]
    assert lint_findings[0].severity == "Violation"
    assert report.exit_code() == 1
