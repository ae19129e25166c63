"""The vocabulary lint (``server.validation.lint``): unknown terms are caught, with file:line.

A misspelt SHACL, RDFS or OWL term is silently ignored by validators (an unknown predicate is
just a triple), and an undeclared term of our own namespace is checked by no shape; these rows
are the typos that slip through review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from support import TESTS

from server.config import ONTOLOGY_NS
from server.validation import literals
from server.validation.lint import (
    ILL_TYPED_LITERAL,
    NAMESPACE_TYPO,
    NOT_XML_CHARACTER,
    UNDECLARED_PROJECT_TERM,
    UNKNOWN_NAMESPACE,
    UNKNOWN_TERM,
    check_term,
    known_namespaces,
    lint,
    literal_findings,
    namespace_findings,
    near_miss,
    not_xml_findings,
    vocabulary_terms,
)
from server.validation.shacl import display_path, validate
from server.validation.sourcemap import scan

FIXTURES = TESTS / "fixtures" / "validation"
SH = "http://www.w3.org/ns/shacl#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DECLARED = {ONTOLOGY_NS + "Event"}
EX = "http://example.org/vocab#"

TERM_CASES = [
    pytest.param(ONTOLOGY_NS + "Event", None, id="declared-project-term"),
    pytest.param(ONTOLOGY_NS + "Evnt", UNDECLARED_PROJECT_TERM, id="undeclared-project-term"),
    pytest.param(ONTOLOGY_NS, None, id="project-namespace-itself"),
    pytest.param(SH + "message", None, id="sh-message"),
    pytest.param(SH + "mesage", UNKNOWN_TERM, id="sh-mesage-typo"),
    pytest.param(SH + "in", None, id="sh-in-python-keyword-term"),
    pytest.param(SH + "class", None, id="sh-class-python-keyword-term"),
    pytest.param(SH + "SPARQLTarget", None, id="shacl-af-term"),
    pytest.param(SH + "SHACLFunction", None, id="term-pyshacl-implements"),
    pytest.param(RDFS + "label", None, id="rdfs-label"),
    pytest.param(RDFS + "lable", UNKNOWN_TERM, id="rdfs-lable-typo"),
    pytest.param(OWL + "versionIRI", None, id="owl-versionIRI"),
    pytest.param(OWL + "Clas", UNKNOWN_TERM, id="owl-Clas-typo"),
    pytest.param(RDF + "type", None, id="rdf-type"),
    pytest.param(RDF + "_12", None, id="rdf-container-membership-rdfs-5.1.2"),
    pytest.param(RDF + "langString", None, id="rdf-langString"),
    pytest.param(RDF + "Typ", UNKNOWN_TERM, id="rdf-typo"),
    pytest.param(XSD + "gYearMonth", None, id="xsd-gYearMonth"),
    pytest.param(XSD + "strng", UNKNOWN_TERM, id="xsd-typo"),
    pytest.param("http://www.w3.org/2002/07/owl", None, id="owl-ontology-iri-not-a-term"),
    pytest.param("https://schema.org/name", None, id="schema-org-term"),
    pytest.param("http://schema.org/name", None, id="schema-org-over-http-same-terms"),
    pytest.param("https://schema.org/nmae", UNKNOWN_TERM, id="schema-org-typo"),
    pytest.param("http://xmlns.com/foaf/0.1/nmae", UNKNOWN_TERM, id="foaf-typo"),
    pytest.param("http://www.w3.org/ns/org#memberOf", None, id="org-memberOf"),
    pytest.param("http://www.w3.org/ns/org#memberof", UNKNOWN_TERM, id="org-case-typo"),
    pytest.param("http://www.w3.org/ns/prov#wasDerivedFrom", None, id="prov-term"),
    pytest.param("http://purl.org/dc/terms/modified", None, id="dcterms-term"),
    pytest.param("http://purl.org/dc/elements/1.1/title", None, id="dc-elements-term"),
    pytest.param("http://rdfs.org/ns/void#triples", None, id="void-term"),
    pytest.param("http://purl.org/vocab/vann/preferredNamespaceUri", None, id="vann-term"),
    pytest.param("http://www.w3.org/ns/dcat#inSeries", None, id="dcat-3-term-namespace-only"),
    pytest.param("http://www.w3.org/2006/time#Era", None, id="owl-time-namespace-only"),
    pytest.param(
        "http://www.w3.org/ns/sparql-service-description#endpoint", None, id="sd-namespace-only"
    ),
    pytest.param("http://example.org/vocab#thing", None, id="unknown-namespace-not-a-term-rule"),
]


@pytest.mark.parametrize(("iri", "rule"), TERM_CASES)
def test_check_term(iri, rule):
    problem = check_term(iri, DECLARED, ONTOLOGY_NS)
    assert (problem[0] if problem else None) == rule
    if problem:
        assert iri in problem[1]


def test_unknown_term_message_suggests_the_closest_term():
    assert check_term("http://xmlns.com/foaf/0.1/nmae", DECLARED, ONTOLOGY_NS) == (
        UNKNOWN_TERM,
        "http://xmlns.com/foaf/0.1/nmae is not a term of the FOAF vocabulary; "
        "did you mean http://xmlns.com/foaf/0.1/name?",
    )


NEAR_MISS_CASES = [
    # (namespace written, known namespace suggested or None, how they differ)
    pytest.param(
        "https://w3id.org/belarus-ict/ontolgy#", ONTOLOGY_NS, "1 character differs", id="edit"
    ),
    pytest.param(
        "http://w3id.org/belarus-ict/ontology#", ONTOLOGY_NS, "http instead of https", id="http"
    ),
    pytest.param(
        "https://w3id.org/belarus-ict/ontology", ONTOLOGY_NS, "no '#' at the end", id="no-hash"
    ),
    pytest.param(
        "https://w3id.org/belarus-ict/ontology/",
        ONTOLOGY_NS,
        "ends with '/' instead of '#'",
        id="slash-for-hash",
    ),
    pytest.param(
        "https://w3id.org/Belarus-ICT/ontology#", ONTOLOGY_NS, "the case differs", id="case"
    ),
    pytest.param(
        "http://xmlns.com/foaf/0.1", "http://xmlns.com/foaf/0.1/", "no '/' at the end", id="foaf"
    ),
    pytest.param(
        "https://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/2004/02/skos/core#",
        "https instead of http",
        id="skos-https",
    ),
    pytest.param(
        "http://purl.org/dc/term/", "http://purl.org/dc/terms/", "1 character differs", id="dct"
    ),
    pytest.param(ONTOLOGY_NS, None, None, id="the-ontology-itself"),
    pytest.param("https://schema.org/", None, None, id="schema-https-known"),
    pytest.param("http://schema.org/", None, None, id="schema-http-known"),
    # Real vocabularies a few characters from a known one are not typos.
    pytest.param("http://www.w3.org/ns/oa#", None, None, id="web-annotation-is-not-org"),
    pytest.param("http://www.w3.org/ns/ldp#", None, None, id="ldp"),
    pytest.param("http://www.w3.org/ns/locn#", None, None, id="locn"),
    pytest.param("http://www.w3.org/ns/sosa/", None, None, id="sosa"),
    pytest.param("http://purl.org/dc/dcmitype/", None, None, id="dcmitype"),
    pytest.param("https://w3id.org/belarus-ict/id/event/", None, None, id="our-instances"),
    pytest.param("http://www.wikidata.org/entity/", None, None, id="wikidata"),
]


@pytest.mark.parametrize(("namespace", "suggested", "how"), NEAR_MISS_CASES)
def test_near_miss(namespace, suggested, how):
    found = near_miss(namespace, known_namespaces(ONTOLOGY_NS))
    assert found == (None if suggested is None else (suggested, how))


TYPO_SOURCE = """@prefix bict: <https://w3id.org/belarus-ict/ontolgy#> .
@prefix ex: <http://example.org/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<http://e/1> a bict:Event ; bict:startDate "2009-02-30"^^xsd:date .
<http://e/2> a bict:Event ; ex:other 1 ; ex:rating "1,5"^^xsd:decimal ; ex:rating 2 .
"""


def test_namespace_and_literal_findings_point_at_the_line_to_edit():
    sourcemap = scan(TYPO_SOURCE, Path("t.ttl"))
    graph = Graph().parse(data=TYPO_SOURCE, format="turtle")
    found = namespace_findings(
        sourcemap, "t.ttl", vocabulary_terms(graph), ONTOLOGY_NS, DECLARED | {EX + "other"}
    )
    found += literal_findings(sourcemap, "t.ttl")
    assert [(f.rule, f.line, f.column, f.iri, f.value) for f in found] == [
        (NAMESPACE_TYPO, 1, 1, "https://w3id.org/belarus-ict/ontolgy#", None),
        # ex:other is declared (by an ontology in another namespace): known; ex:rating is not.
        (UNKNOWN_NAMESPACE, 6, 42, EX + "rating", None),
        (ILL_TYPED_LITERAL, 5, 44, None, '"2009-02-30"^^<http://www.w3.org/2001/XMLSchema#date>'),
        (ILL_TYPED_LITERAL, 6, 52, None, '"1,5"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    ]
    assert found[0].message == (
        "likely typo: prefix bict: <https://w3id.org/belarus-ict/ontolgy#> is not a known "
        "namespace (1 character differs); did you mean "
        "<https://w3id.org/belarus-ict/ontology#> (the project's ontology)?"
    )
    assert found[1].message == (
        "http://example.org/vocab#rating is used as a class or property, but its namespace "
        "http://example.org/vocab# is neither the ontology's nor a known vocabulary's"
    )


NOT_XML_SOURCE = (
    '<http://e/1> <http://e/label> "tab\there, line\\nbreak, and \\u00e9 are fine"@en ;\n'
    '    <http://e/note> """a form feed\nfrom a PDF\f, raw""" ;\n'
    '    <http://e/code> "\\u0000"^^<http://www.w3.org/2001/XMLSchema#string> ;\n'
    '    <http://e/odd> "\\uFFFF \\" and \x7f" .\n'
)


def test_a_string_xml_cannot_carry_is_reported_where_it_begins():
    """A NUL, a form feed or U+FFFF, raw or escaped, makes every RDF/XML document and SPARQL XML
    result that writes the literal ill-formed (XML 1.0 §2.2 ``Char``); tabs, line breaks, DEL
    and other characters are fine. The value is shown in canonical N-Triples."""
    found = not_xml_findings(scan(NOT_XML_SOURCE, Path("t.ttl")), "t.ttl")
    assert [(f.rule, f.line, f.column, f.value) for f in found] == [
        (NOT_XML_CHARACTER, 2, 21, '"a form feed\\nfrom a PDF\\f, raw"'),
        (NOT_XML_CHARACTER, 4, 21, '"\\u0000"'),
        (NOT_XML_CHARACTER, 5, 20, '"\\uFFFF \\" and \\u007F"'),
    ]
    assert found[0].message == (
        '"a form feed\\nfrom a PDF\\f, raw" holds U+000C (a form feed) at character 23, which '
        "XML 1.0 cannot carry, not even escaped: the RDF/XML documents and SPARQL XML results "
        "that write it would be ill-formed; remove it (or write a space)"
    )
    assert "holds U+0000 (a NUL) at character 1" in found[1].message
    assert "holds U+FFFF at character 1" in found[2].message


def test_a_long_string_is_shown_around_the_character():
    text = "x" * 40 + "\x01" + "y" * 40
    (found,) = not_xml_findings(scan(f'<http://e/1> <http://e/p> "{text}" .', Path("t.nt")), "t")
    assert found.message.startswith('"…' + "x" * 24 + "\\u0001" + "y" * 24 + '…" holds U+0001')


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
        (7, "lable", UNKNOWN_TERM),
        (7, "mesage", UNKNOWN_TERM),
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
        ("shapes-typo/events.ttl", 21, SH + "mesage", UNKNOWN_TERM),
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


XSD_CASES = [
    # (lexical form, datatype, why it is invalid or None when valid)
    pytest.param("2009-11-27", "date", None, id="date"),
    pytest.param("2009-11-27+03:00", "date", None, id="date-with-time-zone"),
    pytest.param("2008-02-29", "date", None, id="leap-day"),
    pytest.param("2000-02-29", "date", None, id="leap-day-400"),
    pytest.param("-0044-03-15", "date", None, id="date-bce"),
    pytest.param("2009-02-30", "date", "February 2009 has 28 days", id="impossible-date"),
    pytest.param("1900-02-29", "date", "February 1900 has 28 days", id="no-leap-day-100"),
    pytest.param("2009-04-31", "date", "April 2009 has 30 days", id="april-31"),
    pytest.param("27.11.2009", "date", "wrong format", id="date-dotted"),
    pytest.param("2009-1-27", "date", "wrong format", id="date-one-digit-month"),
    pytest.param("2009-11-27T10:00:00", "date", "wrong format", id="date-with-time"),
    pytest.param("2009-11-27T10:30:00Z", "dateTime", None, id="dateTime"),
    pytest.param("2009-11-27 10:30:00", "dateTime", "wrong format", id="dateTime-space"),
    pytest.param("2009-11-27T25:00:00", "dateTime", "wrong format", id="dateTime-hour-25"),
    pytest.param("2009-02-29T10:00:00", "dateTime", "February 2009 has 28 days", id="dT-day"),
    pytest.param("2009-11-27T10:30:00", "dateTimeStamp", "wrong format", id="stamp-no-zone"),
    pytest.param("10:30:00", "time", None, id="time"),
    pytest.param("2009", "gYear", None, id="gYear"),
    pytest.param("09", "gYear", "wrong format", id="gYear-two-digits"),
    pytest.param("2009-11", "gYear", "wrong format", id="gYear-with-month"),
    pytest.param("2009-11", "gYearMonth", None, id="gYearMonth"),
    pytest.param("2009-13", "gYearMonth", "wrong format", id="gYearMonth-month-13"),
    pytest.param("11.2009", "gYearMonth", "wrong format", id="gYearMonth-dotted"),
    pytest.param("--02-29", "gMonthDay", None, id="gMonthDay-leap"),
    pytest.param("--02-30", "gMonthDay", "February has 29 days", id="gMonthDay-impossible"),
    pytest.param("--11", "gMonth", None, id="gMonth"),
    pytest.param("---27", "gDay", None, id="gDay"),
    pytest.param("true", "boolean", None, id="boolean"),
    pytest.param("0", "boolean", None, id="boolean-0"),
    pytest.param("yes", "boolean", "wrong format", id="boolean-yes"),
    pytest.param("TRUE", "boolean", "wrong format", id="boolean-upper"),
    pytest.param("-42", "integer", None, id="integer"),
    pytest.param("1,000", "integer", "wrong format", id="integer-comma"),
    pytest.param("1_000", "integer", "wrong format", id="integer-underscore"),
    pytest.param(" 12", "integer", "wrong format", id="integer-space"),
    pytest.param("1.5", "integer", "wrong format", id="integer-fraction"),
    pytest.param("127", "byte", None, id="byte"),
    pytest.param("300", "byte", "out of range", id="byte-300"),
    pytest.param("-5", "nonNegativeInteger", "out of range", id="nonNegative"),
    pytest.param("0", "positiveInteger", "out of range", id="positive-0"),
    pytest.param("-3.25", "decimal", None, id="decimal"),
    pytest.param("1e3", "decimal", "wrong format", id="decimal-exponent"),
    pytest.param("1,5", "decimal", "wrong format", id="decimal-comma"),
    pytest.param("6.02E23", "double", None, id="double"),
    pytest.param("-INF", "float", None, id="float-inf"),
    pytest.param("inf", "double", "wrong format", id="double-lower-inf"),
    pytest.param("P1Y2M", "duration", None, id="duration"),
    pytest.param("P", "duration", "wrong format", id="duration-empty"),
    pytest.param("P1DT", "duration", "wrong format", id="duration-dangling-T"),
    pytest.param("be-Cyrl", "language", None, id="language"),
    pytest.param("belarusian", "language", "wrong format", id="language-too-long"),
    pytest.param("0FB7", "hexBinary", None, id="hexBinary"),
    pytest.param("F", "hexBinary", "wrong format", id="hexBinary-odd"),
    pytest.param("aGVsbG8=", "base64Binary", None, id="base64"),
    pytest.param("a b  c", "token", "wrong format", id="token-double-space"),
    pytest.param("any text\n", "string", None, id="string"),
    pytest.param("http://e/ x", "anyURI", None, id="anyURI-any-string"),
]


@pytest.mark.parametrize(("lexical", "datatype", "why"), XSD_CASES)
def test_xsd_literal_problem(lexical, datatype, why):
    message = literals.problem(lexical, literals.XSD + datatype)
    if why is None:
        assert message is None
    else:
        assert message.startswith(f'"{lexical}" is not a valid xsd:{datatype} ({why}); ')
        assert f"a valid xsd:{datatype} is " in message


def test_xsd_literal_message_says_what_a_valid_value_looks_like():
    assert literals.problem("27.11.2009", XSD + "date") == (
        '"27.11.2009" is not a valid xsd:date (wrong format); '
        'a valid xsd:date is YYYY-MM-DD with an optional time zone, e.g. "2009-11-27"'
    )


def test_unchecked_datatypes_have_no_problem():
    assert literals.problem("anything", "http://example.org/myDatatype") is None


def test_a_huge_number_is_out_of_range_not_an_error():
    """Python refuses to convert more than 4300 digits to an int; the range check never does."""
    message = literals.problem("9" * 100_000, XSD + "byte")
    assert message == (
        f'"{"9" * 60}…" is not a valid xsd:byte (out of range); a valid xsd:byte is an integer '
        'from -128 to 127, in digits with an optional sign, e.g. "42"'
    )
    assert literals.problem("-" + "0" * 5000 + "5", XSD + "negativeInteger") is None
    assert literals.problem("0" * 5000 + "127", XSD + "byte") is None
