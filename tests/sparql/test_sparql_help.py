"""Issue 12 point 3, "SPARQL that helps": predefined prefixes and readable syntax errors.

- Prefixes: the well-known ones, the ontology's (``vann:preferredNamespacePrefix``) and the
  kinds the data files declare are predefined for every query, on both stores and on the query
  page; a query's own ``PREFIX`` wins; the service description lists them with SHACL's
  ``sh:declare`` (:mod:`server.store.prefixes`).
- Errors: 400 with the line and column of the text the client sent (not of anything put in
  front of it), the line with a caret, and what was expected in words, in the format the client
  asked for: text, RFC 9457 problem JSON or XML (:mod:`server.workers.errors`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SPARQL_BASE

from server import create_app
from server.config import BASE_IRI
from server.store.prefixes import declared_prefixes, predefined, prologue
from server.workers.errors import expected_words, syntax_error

VOC = "https://example.org/sq/vocab#"
SH = "http://www.w3.org/ns/shacl#"
CITIES = "SELECT ?c WHERE { ?c a voc:City } ORDER BY ?c"


@pytest.fixture(scope="module")
def real_app():
    """The app on the real ontology and data (not validated: the data tests do that)."""
    app = create_app({"TESTING": True, "VALIDATE_ON_START": False, "QUERY_WORKERS": 1})
    yield app
    app.extensions["ictkg.queries"].close()


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return json.loads(response.data)["results"]["bindings"]


# --- the prefixes ------------------------------------------------------------------------------


def test_the_real_table_has_the_ontology_the_common_vocabularies_and_the_kinds(real_app):
    table = predefined(real_app.extensions["ictkg"], real_app.config)
    assert table["ictkg"] == BASE_IRI + "ontology#"
    for name in ("rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "schema", "org", "foaf", "prov"):
        assert name in table
    kinds = {"state": "state", "orgn": "organization", "doc": "document", "event": "event"}
    kinds |= {"series": "series", "source": "source", "person": "person", "place": "place"}
    for name, kind in kinds.items():
        assert table[name] == f"{BASE_IRI}id/{kind}/"


def test_the_kinds_come_from_the_data_files_declarations(tmp_path: Path):
    (tmp_path / "a.ttl").write_text(
        "@prefix thing: <https://ex.org/id/thing/> .\n@prefix same: <https://ex.org/id/a/> .\n"
        "@prefix out: <https://elsewhere.org/> .\nthing:x thing:p 1 .\n"
        "@prefix late: <https://ex.org/id/late/> .\n"
    )
    (tmp_path / "b.ttl").write_text("@prefix same: <https://ex.org/id/b/> .\n")
    # Outside the base: not ours; declared after the first triple: not read; two meanings: out.
    assert declared_prefixes([tmp_path / "a.ttl", tmp_path / "b.ttl"], "https://ex.org/") == {
        "thing": "https://ex.org/id/thing/"
    }


def test_real_queries_use_the_predefined_prefixes(real_app):
    client = real_app.test_client()
    query = "SELECT ?t WHERE { state:belarus a ?t . FILTER(?t = ictkg:State) }"
    assert bindings(client.get("/sparql", query_string={"query": query})) == [
        # named by the host asked (README, "URIs"): the test client's
        {"t": {"type": "uri", "value": "http://localhost/ontology#State"}}
    ]


def test_relative_iris_name_the_datasets_things(real_app):
    client = real_app.test_client()
    query = "SELECT ?l WHERE { <id/state/belarus> rdfs:label ?l FILTER(lang(?l) = 'en') }"
    assert [b["l"]["value"] for b in bindings(client.get("/sparql", query_string={"query": query}))]


def test_fixture_prefixes_on_both_stores(client):
    """``voc:`` is declared by the fixture's files, under its base IRI: predefined."""
    names = [
        b["c"]["value"] for b in bindings(client.get("/sparql", query_string={"query": CITIES}))
    ]
    assert names == [f"http://localhost/id/city/{c}" for c in ("geneva", "minsk", "tunis")]


def test_a_querys_own_prefix_wins(client):
    query = "PREFIX voc: <http://elsewhere.example/> " + CITIES
    assert bindings(client.get("/sparql", query_string={"query": query})) == []
    query = "PREFIX rdfs: <http://elsewhere.example/>\nSELECT ?x WHERE { BIND(rdfs:label AS ?x) }"
    value = bindings(client.get("/sparql", query_string={"query": query}))[0]["x"]["value"]
    assert value == "http://elsewhere.example/label"


def test_the_service_description_declares_the_prefixes(client, sparql_app):
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))
    declared = {}
    for t in triples:
        if t.subject.value == "http://localhost/sparql" and t.predicate.value == SH + "declare":
            node = t.object
            values = {u.predicate.value: u.object for u in triples if u.subject == node}
            assert values[SH + "namespace"].datatype.value.endswith("#anyURI")
            declared[values[SH + "prefix"].value] = values[SH + "namespace"].value
    with sparql_app.test_request_context():
        assert declared == predefined(sparql_app.extensions["ictkg"], sparql_app.config)
    assert declared["voc"] == VOC
    assert declared["rdfs"] == "http://www.w3.org/2000/01/rdf-schema#"


def test_the_query_page_lists_the_prefixes(client):
    page = client.get("/query").get_data(as_text=True)
    assert "PREFIX voc: &lt;https://example.org/sq/vocab#&gt;" in page
    assert "PREFIX schema: &lt;https://schema.org/&gt;" in page
    assert f"<code>{SPARQL_BASE}</code>" in page


def test_the_prologue_keeps_line_numbers_shifted_by_one():
    text = prologue({"a": "http://a/", "b": "http://b/"}, "http://base/")
    assert text == "BASE <http://base/> PREFIX a: <http://a/> PREFIX b: <http://b/>\n"
    assert text.count("\n") == 1


# --- the errors --------------------------------------------------------------------------------

BAD = "SELECT ?c WHERE {\n  ?c a voc:City .\n  ?c nope:name ?n }"
BAD_TEXT = (
    "Malformed query: syntax error at line 3, column 15: the prefix 'nope:' is not declared. "
    "Declare it (PREFIX nope: <…>) or use a predefined prefix (listed in the service description "
    "and on the query page).\n"
    "  ?c nope:name ?n }\n"
    "              ^\n"
)


def test_a_syntax_error_in_text_names_the_users_line_and_column(client):
    response = client.get("/sparql", query_string={"query": BAD})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.text == BAD_TEXT


def test_a_syntax_error_is_the_same_in_a_direct_post(client):
    response = client.post("/sparql", data=BAD.encode(), content_type="application/sparql-query")
    assert response.status_code == 400
    assert response.text == BAD_TEXT


@pytest.mark.parametrize(
    "accept", ["application/sparql-results+json", "application/json", "application/ld+json"]
)
def test_a_json_client_gets_problem_details(client, accept):
    response = client.get("/sparql", query_string={"query": BAD}, headers={"Accept": accept})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json == {
        "type": "https://www.w3.org/TR/sparql11-query/#grammar",
        "title": "Malformed query",
        "status": 400,
        "detail": BAD_TEXT.split("\n")[0],
        "line": 3,
        "column": 15,
        "text": "  ?c nope:name ?n }",
        "caret": "              ^",
        "found": "'nope:name'",
        "expected": "a declared prefix",
    }


@pytest.mark.parametrize(
    ("line", "found"),
    [
        ('SELECT * WHERE { ?s ?p "a\rb" }', "a carriage return"),
        ('SELECT * WHERE { ?s ?p "a\tb" ', "the end of the query"),
        ("SELECT * WHERE { ?s ?p ?o . ?s nope:x ?o }", "'nope:x'"),
    ],
)
def test_what_was_found_is_named_for_what_it_is(client, line, found):
    response = client.get(
        "/sparql", query_string={"query": line}, headers={"Accept": "application/problem+json"}
    )
    assert response.status_code == 400
    assert response.json.get("found") == found


@pytest.mark.parametrize("how", [{"headers": {"Accept": "application/sparql-results+xml"}}, {}])
def test_an_xml_client_gets_problem_details(client, how):
    args = {"query": "ASK {\n  ?s ?p }"} | ({} if how else {"format": "xml"})
    response = client.get("/sparql", query_string=args, **how)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+xml"
    root = ET.fromstring(response.data)
    ns = "{urn:ietf:rfc:7807}"
    assert root.tag == ns + "problem"
    assert root.findtext(ns + "status") == "400"
    assert root.findtext(ns + "line") == "2"
    assert root.findtext(ns + "text") == "  ?s ?p }"
    assert root.findtext(ns + "caret").endswith("^")


def test_other_errors_follow_the_same_format(client):
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 400
    assert response.json["title"] == "Bad Request"
    assert "SERVICE" in response.json["detail"]
    assert "line" not in response.json


def test_the_query_page_shows_the_caret(client):
    response = client.get("/query", query_string={"query": BAD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    shown = BAD_TEXT.rstrip("\n").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    assert f'<pre class="error" id="query-error" role="alert">{shown}</pre>' in page


WORDS = {
    # pyoxigraph's expectation lists (0.5), summed up.
    "\"$\", \"(\", \":\", \"<\", \"?\", ['A' ..= 'Z' | 'a' ..= 'z' | '\\u{00C0}'..='\\u{00D6}']": (
        "a variable, an IRI, a prefixed name or '('"
    ),
    '",", ".", ";", "{", "{|", "}", "~", [_]': "',', '.', ';', '{' or '}'",
    "ABS, AVG, DAY, IRI, MAX, MD5, [_], isLITERAL": "an expression",
    "HAVING, OFFSET, VALUES, ['0'..='9']": "a number, HAVING, OFFSET or VALUES",
    '"\\"", "\\\\", "\\\\U", "\\\\u", [_]': "an escape sequence or '\"'",
}


@pytest.mark.parametrize(("raw", "words"), WORDS.items(), ids=WORDS.values())
def test_expectations_in_words(raw, words):
    from server.workers.errors import expectation_items

    assert expected_words(expectation_items(raw)) == words


MESSAGES = {
    "SELEC * {}": "line 1, column 1: a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE",
    "SELECT ?x WHERE { ?s ?p ?o } GROUP BY ?s": "neither grouped nor aggregated",
    "SELECT * WHERE { ?s a <http://x y> }": "an IRI is not valid",
    "SELECT * WHERE { ?s ?p ?o ": "expected ',', '.', ';', '{' or '}', found the end of the query",
    "": "the query is empty",
    "SELECT * WHERE { ?s ?p }": "column 25: the query ends too early",
    "INSERT DATA { <a> <b> <c> }": "column 1: INSERT is SPARQL Update",
}


@pytest.mark.parametrize(("query", "words"), MESSAGES.items(), ids=MESSAGES.keys())
def test_messages_for_common_mistakes(query, words):
    with pytest.raises(SyntaxError) as raised:
        ox.Store().query(query, base_iri="http://b/")
    error = syntax_error(str(raised.value), query)
    assert error.status == 400
    assert words in error.message
    assert "\\u{" not in error.plain()


def test_a_remote_message_without_position_is_passed_on():
    error = syntax_error("Virtuoso 37000 Error SP030: SPARQL compiler", "SELECT")
    assert error.plain() == "Malformed query: Virtuoso 37000 Error SP030: SPARQL compiler\n"
    assert error.line is None
