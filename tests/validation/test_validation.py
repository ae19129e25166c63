"""The validation engine (``server.validation.shacl``), its source locations and its report formats.

Fixtures: ``tests/fixtures/validation/`` (see its README): one ontology, one shapes directory,
and one data directory per situation. Every expectation names the focus node, the file:line,
the constraint and the label, not just "it fails".
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import RDFS, SH, SKOS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.plugins.sparql.processor import prepareQuery
from support import ROOT, TESTS

from server.validation import shacl
from server.validation.formats import (
    github_command,
    github_escape_data,
    github_escape_property,
)
from server.validation.shacl import (
    EXIT_CONFORMS,
    EXIT_FAILS,
    EXIT_UNUSABLE,
    Finding,
    InputError,
    Report,
    display_path,
    label_of,
    path_text,
    validate,
)
from server.validation.sourcemap import scan

FIXTURES = TESTS / "fixtures" / "validation"
ONTOLOGY, SHAPES = FIXTURES / "ontology", FIXTURES / "shapes"
BICT = "https://w3id.org/belarus-ict/ontology#"
EV = "https://w3id.org/belarus-ict/id/event/"
FX = "https://w3id.org/belarus-ict/test-shapes#"


def run(data: str, ontology: Path = ONTOLOGY, shapes: Path = SHAPES) -> Report:
    return validate(ontology, FIXTURES / "data" / data, shapes)


def where(path: Path) -> str:
    """A fixture path the way reports print it."""
    return display_path(path)


# --- SHACL results: what is found, and where ---------------------------------------------------

SHACL_CASES = [
    pytest.param(
        "violation",
        ONTOLOGY,
        # SHACL 2.1.3.3 / 3.2: sh:targetClass reaches SHACL instances of subclasses, through the
        # ontology's rdfs:subClassOf triples in the data graph.
        (EV + "connect-cis-2009", "Connect CIS Summit", "data/violation/events.ttl", 8),
        ("Violation", BICT + "startDate", None, SH.MinCountConstraintComponent),
        "An event needs a start date (xsd:date).",
        id="subclass-instance-checked-by-superclass-shape-prefixed-subject-en-label",
    ),
    pytest.param(
        "violation",
        ONTOLOGY,
        # Turtle 2.4: a subject written as a full IRI; label from schema:name.
        (EV + "wsis-2003", "WSIS Geneva phase", "data/violation/events.ttl", 13),
        ("Violation", BICT + "startDate", None, SH.MinCountConstraintComponent),
        "An event needs a start date (xsd:date).",
        id="full-iri-subject-schema-name-label",
    ),
    pytest.param(
        "warning",
        ONTOLOGY,
        (EV + "wsis-2005", "WSIS Tunis phase", "data/warning/events.ttl", 8),
        ("Warning", "https://schema.org/description", None, SH.MinCountConstraintComponent),
        "An event should have a description.",
        id="warning-severity-sh-severity",
    ),
    pytest.param(
        "info",
        ONTOLOGY,
        (EV + "wsis-2005", "WSIS Tunis phase", "data/info/events.ttl", 8),
        ("Info", "https://schema.org/sameAs", None, SH.MinCountConstraintComponent),
        "Link the event to Wikidata if you can.",
        id="info-severity",
    ),
    pytest.param(
        "sparql",
        ONTOLOGY,
        # SHACL 5.3: a SPARQL-based constraint; the result's value is ?value of the SELECT.
        (EV + "wsis-2005", "WSIS Tunis phase", "data/sparql/events.ttl", 8),
        (
            "Violation",
            None,
            '"2005-11-16"^^<http://www.w3.org/2001/XMLSchema#date>',
            SH.SPARQLConstraintComponent,
        ),
        "An event cannot end before it starts.",
        id="sparql-constraint",
    ),
    pytest.param(
        "blank",
        ONTOLOGY,
        # A blank-node focus is located at its nearest named ancestor's statement.
        (None, None, "data/blank/events.ttl", 8),
        ("Violation", str(RDFS.label), None, SH.MinCountConstraintComponent),
        "A session needs a label.",
        id="blank-node-focus-at-named-ancestor",
    ),
    pytest.param(
        "conforming",
        FIXTURES / "ontology-undocumented",
        # The ontology is part of the data graph: meta-shapes targeting owl:Class apply to it.
        (BICT + "Summit", "Summit", "ontology-undocumented/core.ttl", 14),
        ("Violation", str(RDFS.comment), None, SH.MinCountConstraintComponent),
        "Every class of the ontology needs an rdfs:comment.",
        id="meta-shape-checks-ontology",
    ),
]


@pytest.mark.parametrize(("data", "ontology", "focus", "result", "message"), SHACL_CASES)
def test_shacl_result_is_found_with_its_location(data, ontology, focus, result, message):
    report = validate(ontology, FIXTURES / "data" / data, SHAPES)
    iri, label, file, line = focus
    severity, path, value, constraint = result
    matches = [
        f
        for f in report.results
        if f.kind == "shacl" and f.message == message and (iri is None or f.focus_node == iri)
    ]
    assert len(matches) == 1, report.render("text")
    found = matches[0]
    if iri is None:
        assert found.focus_node is not None
        assert found.focus_node.startswith("_:")
    assert found.focus_label == label
    assert (found.file, found.line) == (where(FIXTURES / file), line)
    assert (found.severity, found.path, found.value) == (severity, path, value)
    assert found.constraint == str(constraint)
    assert found.source_shape is not None
    assert found.source_shape.startswith(FX)


def test_node_described_in_several_files_is_located_where_it_is_typed(tmp_path):
    header = (FIXTURES / "data/conforming/events.ttl").read_text().split("\n\n")[0]
    (tmp_path / "a-links.ttl").write_text(header + "\nev:x schema:sameAs <http://e/x> .\n")
    (tmp_path / "b-events.ttl").write_text(
        header + '\n\nev:x a bict:Event ;\n    rdfs:label "X"@en ; schema:description "d" .\n'
    )
    report = validate(ONTOLOGY, tmp_path, SHAPES)
    (found,) = report.results
    assert (found.focus_node, found.file, found.line) == (
        EV + "x",
        where(tmp_path / "b-events.ttl"),
        8,  # six header lines, a blank line, then the statement
    )


def test_conforming_fixture_has_no_findings():
    report = run("conforming")
    assert report.results == []
    assert report.errors == []
    assert report.exit_code() == EXIT_CONFORMS
    assert report.triples > 0
    assert len(report.files) == 4
    assert report.checked == [
        where(ONTOLOGY / "core.ttl"),
        where(FIXTURES / "data/conforming/events.ttl"),
    ]


def test_violation_fixture_finds_exactly_its_two_defects():
    report = run("violation")
    assert report.counts() == {"Violation": 2, "Warning": 0, "Info": 0}
    assert [f.line for f in report.results] == [8, 13]  # sorted by file, then line


# --- Exit codes and --fail-on ------------------------------------------------------------------

EXIT_CASES = [
    pytest.param([], [], "violation", EXIT_CONFORMS, id="nothing-conforms"),
    pytest.param(["Violation"], [], "violation", EXIT_FAILS, id="violation-fails"),
    pytest.param(["Warning"], [], "violation", EXIT_CONFORMS, id="warning-passes-by-default"),
    pytest.param(["Warning"], [], "warning", EXIT_FAILS, id="warning-fails-on-warning"),
    pytest.param(["Info"], [], "warning", EXIT_CONFORMS, id="info-passes-on-warning"),
    pytest.param(["Info"], [], "info", EXIT_FAILS, id="info-fails-on-info"),
    pytest.param(["Violation"], [], "info", EXIT_FAILS, id="violation-fails-on-info"),
    pytest.param(["Custom"], [], "violation", EXIT_FAILS, id="unknown-severity-is-violation"),
    pytest.param([], ["x.ttl"], "violation", EXIT_UNUSABLE, id="input-error-unusable"),
    pytest.param(["Violation"], ["x.ttl"], "info", EXIT_UNUSABLE, id="unusable-wins"),
]


@pytest.mark.parametrize(("severities", "errors", "fail_on", "code"), EXIT_CASES)
def test_exit_code_follows_pyshacl_convention(severities, errors, fail_on, code):
    report = Report(
        results=[Finding("shacl", s, "m") for s in severities],
        errors=[InputError(e, "bad") for e in errors],
    )
    assert report.exit_code(fail_on) == code
    assert report.passes(fail_on) is (code == EXIT_CONFORMS)


# --- Unusable input ----------------------------------------------------------------------------


def _empty(tmp_path: Path) -> Path:
    (tmp_path / "README.md").write_text("not RDF\n")
    return tmp_path


def _not_utf8(tmp_path: Path) -> Path:
    (tmp_path / "latin1.ttl").write_bytes(b'<http://e/a> <http://e/b> "caf\xe9" .\n')
    return tmp_path


def _relative_iri(tmp_path: Path) -> Path:
    # The store loads without a base IRI, so a relative IRI cannot be served: unusable here too.
    (tmp_path / "relative.ttl").write_text("<a> <http://e/b> <http://e/c> .\n")
    return tmp_path


INPUT_ERROR_CASES = [
    pytest.param(
        lambda tmp: FIXTURES / "data" / "broken",
        ("data/broken/events.ttl", 10, 5),
        "The prefix dc: has not been declared",
        id="turtle-syntax-error-file-line-column",
    ),
    pytest.param(
        lambda tmp: tmp / "missing",
        (None, None, None),
        "data directory not found",
        id="missing-directory",
    ),
    pytest.param(
        _empty, (None, None, None), "no RDF files (*.ttl, *.nt) in the data directory", id="empty"
    ),
    pytest.param(_not_utf8, ("latin1.ttl", 1, None), "", id="not-utf8"),
    pytest.param(_relative_iri, ("relative.ttl", 1, 1), "", id="relative-iri-without-base"),
]


@pytest.mark.parametrize(("make_data", "position", "message"), INPUT_ERROR_CASES)
def test_unusable_input_is_reported_not_raised(tmp_path, make_data, position, message):
    data = make_data(tmp_path)
    report = validate(ONTOLOGY, data, SHAPES)
    assert report.exit_code() == EXIT_UNUSABLE
    assert report.results == []
    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    file, line, column = position
    expected_file = where(
        data if file is None else (FIXTURES / file if "/" in file else data / file)
    )
    assert error.file == expected_file
    if line is not None:
        assert error.line == line
    if column is not None:
        assert error.column == column
    assert message in error.message
    assert error.message


def test_shapes_pyshacl_cannot_load_are_unusable_input(tmp_path):
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "bad.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<http://e/S> a sh:NodeShape ; sh:targetNode <http://e/x> ;\n"
        '    sh:property [ sh:path "not a path" ; sh:minCount 1 ] .\n'
    )
    report = validate(ONTOLOGY, FIXTURES / "data" / "conforming", shapes)
    assert report.exit_code() == EXIT_UNUSABLE
    assert report.errors[0].file == where(shapes)


# --- Source locations (RDF 1.1 Turtle) ---------------------------------------------------------

PREFIXES = "@prefix ex: <http://e/> .\n"

SUBJECT_CASES = [
    pytest.param(PREFIXES + "ex:a ex:p ex:o .\n", "http://e/a", 2, id="prefixed-name-2.4"),
    pytest.param(PREFIXES + "<http://e/a> ex:p ex:o .\n", "http://e/a", 2, id="full-iri-2.4"),
    pytest.param(
        "PREFIX ex: <http://e/>\n\nex:a ex:p ex:o .\n", "http://e/a", 3, id="sparql-prefix-6.5"
    ),
    pytest.param(
        PREFIXES + "ex:z ex:p ex:a .\nex:a ex:p ex:o .\n",
        "http://e/a",
        3,
        id="object-before-subject-is-not-a-subject",
    ),
    pytest.param(
        PREFIXES + "# ex:a ex:p ex:o .\nex:a ex:p ex:o .\n", "http://e/a", 3, id="comment-6.5"
    ),
    pytest.param(
        PREFIXES + 'ex:z ex:p """two\nex:a ex:p ex:o .\nlines""" .\nex:a ex:p ex:o .\n',
        "http://e/a",
        5,
        id="long-string-spans-lines-6.5",
    ),
    pytest.param(
        PREFIXES + "ex:z ex:p 'it''s. ex:a' .\nex:a ex:q 1 .\n",
        "http://e/a",
        3,
        id="dot-inside-string-does-not-end-statement",
    ),
    pytest.param(
        PREFIXES + "ex:z ex:p [ ex:q ex:a ] .\nex:a ex:p 2.5 .\n",
        "http://e/a",
        3,
        id="blank-node-property-list-2.6",
    ),
    pytest.param(
        PREFIXES + "ex:z ex:p ( ex:a ) .\nex:a ex:p 42.\n", "http://e/a", 3, id="collection-2.8"
    ),
    pytest.param(PREFIXES + "ex:a\\-b ex:p ex:o .\n", "http://e/a-b", 2, id="local-escape-6.4"),
    pytest.param(
        PREFIXES + "ex:a ex:p ex:o .\n@prefix ex: <http://f/> .\nex:a ex:p ex:o .\n",
        "http://f/a",
        4,
        id="prefix-redefined-6.5",
    ),
    pytest.param(
        "@base <http://e/dir/> .\n<a> <p> <o> .\n", "http://e/dir/a", 2, id="relative-iri-6.3"
    ),
    pytest.param(
        "<http://e/\\u0061> <http://e/p> <http://e/o> .\n", "http://e/a", 1, id="uchar-6.4"
    ),
    pytest.param(
        PREFIXES + "ex:z ex:p ex:o ;\n  ex:q ex:a .\n", "http://e/a", None, id="object-only"
    ),
]


@pytest.mark.parametrize(("text", "iri", "line"), SUBJECT_CASES)
def test_subject_line(text, iri, line):
    assert scan(text, Path("x.ttl")).subject_line(iri) == line


def test_first_line_finds_any_position():
    source = scan(PREFIXES + "ex:z ex:p ex:o ;\n  ex:q ex:a .\n", Path("x.ttl"))
    assert source.first_line("http://e/a") == 3
    assert source.prefixes == {"ex": "http://e/"}


# --- Labels and paths --------------------------------------------------------------------------

NODE = URIRef("http://e/node")
SCHEMA_HTTP, SCHEMA_HTTPS = URIRef("http://schema.org/name"), URIRef("https://schema.org/name")

LABEL_CASES = [
    pytest.param([(RDFS.label, Literal("Саммит", lang="ru"))], "Саммит", id="only-russian"),
    pytest.param(
        [(RDFS.label, Literal("Саммит", lang="ru")), (RDFS.label, Literal("Summit", lang="en"))],
        "Summit",
        id="english-preferred",
    ),
    pytest.param(
        [(RDFS.label, Literal("plain")), (RDFS.label, Literal("Colour", lang="en-GB"))],
        "Colour",
        id="english-region-over-untagged",
    ),
    pytest.param(
        [(RDFS.label, Literal("plain")), (SKOS.prefLabel, Literal("Preferred", lang="en"))],
        "Preferred",
        id="language-before-property",
    ),
    pytest.param([(SKOS.prefLabel, Literal("Pref"))], "Pref", id="skos-prefLabel"),
    pytest.param([(SCHEMA_HTTPS, Literal("Name"))], "Name", id="schema-name-https"),
    pytest.param([(SCHEMA_HTTP, Literal("Name"))], "Name", id="schema-name-http"),
    pytest.param([(RDFS.comment, Literal("not a label"))], None, id="no-label"),
]


@pytest.mark.parametrize(("triples", "expected"), LABEL_CASES)
def test_label_of(triples, expected):
    graph = Graph()
    for predicate, obj in triples:
        graph.add((NODE, predicate, obj))
    assert label_of(graph, NODE) == expected


def _path(build):
    graph = Graph()
    return graph, build(graph)


def _seq(graph):
    head = BNode()
    Collection(graph, head, [URIRef("http://e/a"), URIRef("http://e/b")])
    return head


def _unary(predicate):
    def build(graph):
        node = BNode()
        graph.add((node, predicate, URIRef("http://e/a")))
        return node

    return build


def _alternative(graph):
    node, head = BNode(), BNode()
    Collection(graph, head, [URIRef("http://e/a"), URIRef("http://e/b")])
    graph.add((node, SH.alternativePath, head))
    return node


PATH_CASES = [
    pytest.param(lambda g: URIRef("http://e/a"), "http://e/a", id="predicate-path-2.3.1.1"),
    pytest.param(_seq, "<http://e/a>/<http://e/b>", id="sequence-path-2.3.1.2"),
    pytest.param(_alternative, "(<http://e/a>|<http://e/b>)", id="alternative-path-2.3.1.3"),
    pytest.param(_unary(SH.inversePath), "^<http://e/a>", id="inverse-path-2.3.1.4"),
    pytest.param(_unary(SH.zeroOrMorePath), "(<http://e/a>)*", id="zero-or-more-2.3.1.5"),
    pytest.param(_unary(SH.oneOrMorePath), "(<http://e/a>)+", id="one-or-more-2.3.1.6"),
    pytest.param(_unary(SH.zeroOrOnePath), "(<http://e/a>)?", id="zero-or-one-2.3.1.7"),
]


@pytest.mark.parametrize(("build", "expected"), PATH_CASES)
def test_path_text_is_sparql_property_path(build, expected):
    graph, path = _path(build)
    assert path_text(graph, path) == expected


# --- Report formats ----------------------------------------------------------------------------

JSON_RESULT_KEYS = {
    "kind",
    "severity",
    "focusNode",
    "focusLabel",
    "path",
    "value",
    "message",
    "sourceShape",
    "constraint",
    "file",
    "line",
    "column",
}


def test_json_document_keys_and_values():
    document = json.loads(run("violation").render("json"))
    assert set(document) == {
        "formatVersion",
        "conforms",
        "exitCode",
        "failOn",
        "counts",
        "files",
        "triples",
        "seconds",
        "results",
        "errors",
    }
    assert document["conforms"] is False
    assert document["exitCode"] == EXIT_FAILS
    assert document["counts"] == {"violation": 2, "warning": 0, "info": 0, "error": 0}
    first = document["results"][0]
    assert set(first) == JSON_RESULT_KEYS
    assert first["focusNode"] == EV + "connect-cis-2009"
    assert first["focusLabel"] == "Connect CIS Summit"
    assert first["path"] == BICT + "startDate"
    assert first["sourceShape"] == FX + "EventShape"
    assert first["constraint"] == str(SH.MinCountConstraintComponent)
    assert (first["file"], first["line"]) == (where(FIXTURES / "data/violation/events.ttl"), 8)


def test_json_reports_input_errors():
    document = json.loads(run("broken").render("json"))
    assert document["exitCode"] == EXIT_UNUSABLE
    assert document["errors"] == [
        {
            "file": where(FIXTURES / "data/broken/events.ttl"),
            "line": 10,
            "column": 5,
            "message": document["errors"][0]["message"],
        }
    ]
    assert "dc:" in document["errors"][0]["message"]


JUNIT_CASES = [
    # (data dir, fail-on, tests, failures, errors)
    pytest.param("conforming", "violation", 6, 0, 0, id="conforming"),
    pytest.param("violation", "violation", 6, 1, 0, id="one-data-file-fails"),
    pytest.param("warning", "violation", 6, 0, 0, id="warning-below-threshold-in-system-out"),
    pytest.param("warning", "warning", 6, 1, 0, id="warning-at-threshold-fails"),
    pytest.param("undeclared", "violation", 6, 1, 0, id="lint-testcase-fails"),
    pytest.param("broken", "violation", 1, 0, 1, id="parse-error-is-error"),
]


@pytest.mark.parametrize(("data", "fail_on", "tests", "failures", "errors"), JUNIT_CASES)
def test_junit_is_well_formed_with_counts(data, fail_on, tests, failures, errors):
    suite = ET.fromstring(run(data).render("junit", fail_on).encode())
    assert suite.tag == "testsuite"
    cases = suite.findall("testcase")
    assert len(cases) == tests
    assert int(suite.get("tests")) == tests
    assert int(suite.get("failures")) == failures == len(suite.findall("testcase/failure"))
    assert int(suite.get("errors")) == errors == len(suite.findall("testcase/error"))


def test_junit_failure_names_the_data_file_and_lines():
    suite = ET.fromstring(run("violation").render("junit").encode())
    (failing,) = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    data_file = where(FIXTURES / "data/violation/events.ttl")
    assert (failing.get("classname"), failing.get("name")) == ("ictkg.shacl", data_file)
    text = failing.find("failure").text
    assert f"{data_file}:8: Violation" in text
    assert f"{data_file}:13: Violation" in text


ESCAPE_CASES = [
    # GitHub Actions toolkit, packages/core/src/command.ts: escapeData / escapeProperty.
    pytest.param("100%", "100%25", "100%25", id="percent"),
    pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="cr-lf"),
    pytest.param("a:b,c", "a:b,c", "a%3Ab%2Cc", id="colon-comma-only-in-properties"),
]


@pytest.mark.parametrize(("raw", "data", "prop"), ESCAPE_CASES)
def test_github_escaping(raw, data, prop):
    assert github_escape_data(raw) == data
    assert github_escape_property(raw) == prop


def test_github_command_omits_missing_properties():
    assert (
        github_command("error", "m", file="f", line=None, title="t") == "::error file=f,title=t::m"
    )
    assert github_command("notice", "m") == "::notice::m"


def test_github_lines_exact():
    lines = run("violation").render("github").splitlines()
    data_file = where(FIXTURES / "data/violation/events.ttl")
    assert lines[:2] == [
        f"::error file={data_file},line=8,title=SHACL Violation%3A fx%3AEventShape::"
        'An event needs a start date (xsd:date). [focus ev:connect-cis-2009 "Connect CIS Summit",'
        " path bict:startDate, shape fx:EventShape]",
        f"::error file={data_file},line=13,title=SHACL Violation%3A fx%3AEventShape::"
        'An event needs a start date (xsd:date). [focus ev:wsis-2003 "WSIS Geneva phase",'
        " path bict:startDate, shape fx:EventShape]",
    ]
    assert lines[2].startswith("FAIL: 2 violations, 0 warnings, 0 infos")
    assert len(lines) == 3


def test_github_levels_follow_severity():
    assert run("warning").render("github").startswith("::warning file=")
    assert run("info").render("github").startswith("::notice file=")
    broken = run("broken").render("github").splitlines()[0]
    assert broken.startswith(
        f"::error file={where(FIXTURES / 'data/broken/events.ttl')},line=10,col=5,"
        "title=Unusable input::"
    )


def test_text_groups_by_focus_node_with_location_label_and_summary():
    text = run("violation").render("text")
    data_file = where(FIXTURES / "data/violation/events.ttl")
    assert f'  {data_file}:8  "Connect CIS Summit" ev:connect-cis-2009\n' in text
    assert "    Violation An event needs a start date (xsd:date).\n" in text
    assert "path bict:startDate  shape fx:EventShape  (sh:MinCountConstraintComponent)" in text
    summary = text.splitlines()[-1]
    assert summary.startswith("FAIL: 2 violations, 0 warnings, 0 infos (fail on violation); ")
    assert "4 files, 70 triples" in summary


# --- Speed -------------------------------------------------------------------------------------


def test_two_thousand_triples_validate(tmp_path):
    """About 2,000 triples, a subclass to follow and a SPARQL constraint on every event, all
    checked and conforming. How fast is a figure, not a pass/fail here: ``make bench`` reports
    it against its target (``bench/validate_speed.py``, the whole dataset, under 2 s)."""
    header = (FIXTURES / "data/conforming/events.ttl").read_text().split("\n\n")[0]
    events = [
        f'ev:e{i} a bict:Summit ; rdfs:label "Event {i}"@en ;\n'
        f'    schema:description "Event {i}"@en ; schema:sameAs <http://e/{i}> ;\n'
        f'    bict:startDate "2009-11-26"^^xsd:date ; bict:session [ rdfs:label "s{i}" ] .\n'
        for i in range(280)
    ]
    (tmp_path / "big.ttl").write_text(header + "\n\n" + "\n".join(events))
    report = validate(ONTOLOGY, tmp_path, SHAPES)
    assert report.exit_code() == EXIT_CONFORMS, report.render("text")
    assert report.triples > 2000


# --- What one process validates again ----------------------------------------------------------


def test_the_prefixes_of_a_query_are_sorted_and_nothing_else_changes():
    body = "SELECT $this WHERE {\n  PREFIX_IN_A_STRING: ?x\n}"
    one = "PREFIX b: <urn:b#>\nPREFIX a: <urn:a#>\n\n" + body
    other = "PREFIX a: <urn:a#>\nPREFIX b: <urn:b#>\n" + body
    assert shacl._prefixes_sorted(one) == shacl._prefixes_sorted(other)
    assert shacl._prefixes_sorted(one) == "PREFIX a: <urn:a#>\nPREFIX b: <urn:b#>\n" + body
    # Declared twice: the later declaration wins, so the order matters and is kept.
    twice = "PREFIX a: <urn:b#>\nPREFIX a: <urn:a#>\n" + body
    assert shacl._prefixes_sorted(twice) == twice


def test_a_second_run_parses_no_shape_query_again(monkeypatch, tmp_path):
    """pyshacl writes a constraint's prefixes in the order of the shapes graph's blank nodes,
    which changes each time the shapes are read: the queries are parsed in the first run only,
    even when the second reads the shapes again (as after an edit)."""
    parsed: list[str] = []

    def counting_prepare(text, **options):
        parsed.append(text)
        return prepareQuery(text, **options)

    data = tmp_path / "data"
    data.mkdir()
    for file in ("base.ttl", "invalid/01_missing_english_label.ttl"):  # tests/shapes/
        shutil.copy(TESTS / "shapes" / file, data)
    shacl._prepared_query.cache_clear()
    shacl._parse_vocabulary.cache_clear()
    monkeypatch.setattr(shacl, "prepareQuery", counting_prepare)
    first = validate(ROOT / "ontology", data, ROOT / "shapes")
    assert parsed, "the real shapes have SHACL-SPARQL constraints"
    parsed.clear()
    shacl._parse_vocabulary.cache_clear()
    second = validate(ROOT / "ontology", data, ROOT / "shapes")
    assert parsed == []
    assert second.results == first.results
    assert len(first.results) == 1


def test_the_ontology_and_shapes_are_parsed_once_and_again_when_edited(tmp_path, monkeypatch):
    """Ontology and shapes files are parsed once per process, keyed by their content; data files
    every run."""
    parsed: list[str] = []
    parse = shacl._parse

    def counting_parse(file, name, data):
        parsed.append(file.name)
        return parse(file, name, data)

    shapes = tmp_path / "shapes"
    shutil.copytree(SHAPES, shapes)
    shacl._parse_vocabulary.cache_clear()
    monkeypatch.setattr(shacl, "_parse", counting_parse)
    assert run("conforming", shapes=shapes).results == []
    assert sorted(parsed) == ["core.ttl", "events.ttl", "events.ttl", "ontology.ttl"]
    parsed.clear()
    assert run("conforming", shapes=shapes).results == []
    assert parsed == ["events.ttl"]  # the data file
    with (shapes / "events.ttl").open("a", encoding="utf-8") as file:
        file.write(
            "\nfx:NoEventHasAStartDate a sh:NodeShape ; sh:targetClass bict:Event ;\n"
            "    sh:property [ sh:path bict:startDate ; sh:maxCount 0 ] .\n"
        )
    parsed.clear()
    report = run("conforming", shapes=shapes)
    assert parsed == ["events.ttl", "events.ttl"]  # the data file, and the edited shapes
    assert {f.constraint for f in report.results} == {str(SH.MaxCountConstraintComponent)}
