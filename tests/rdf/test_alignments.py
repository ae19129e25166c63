"""The consumers' vocabularies, materialized (server/rdf/alignments.py; README "Modelling").

A consumer who knows schema.org, W3C ORG, FOAF, Dublin Core and PROV-O but not our ontology
queries in those vocabularies: the answers must be what the ontology's alignment axioms entail
(RDFS 1.1 Semantics rdfs7 / rdfs9 over ``rdfs:subPropertyOf`` / ``rdfs:subClassOf``, OWL 2 RL
``scm-eqc1`` / ``scm-eqp1`` for the equivalences), computed here independently with rdflib
(``alignment_support``), through ``/sparql`` and in the RDF documents of the resources. A partial
date never becomes a schema.org Date (schema.org: "A date value in ISO 8601 date format").
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess

import pyoxigraph as ox
import pytest
from alignment_support import entailment, load, supers
from conftest import Oxigraph
from pyshacl import validate as shacl
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from support import BIN, TESTS, fixture_config

from server import create_app
from server.config import BASE_IRI, PROJECT_ROOT
from server.rdf import alignments
from server.rdf.terms import to_rdflib
from server.store.embedded import VERSION_FILE, Store
from server.validation.shacl import validate

SCHEMA = "https://schema.org/"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
LOCAL = "http://localhost/"
ORG = "http://www.w3.org/ns/org#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
REAL = [PROJECT_ROOT / "ontology", PROJECT_ROOT / "data"]
FIXTURE = TESTS / "fixtures" / "alignments"
FIXTURE_BASE = "https://example.org/al/"
ENTAILED = alignments.graph_iri(BASE_IRI)

#: The consumer's questions of issue 11: (name, predicate, object or None for any).
QUESTIONS = {
    "schema-event": (RDF.type, URIRef(SCHEMA + "Event")),
    "org-organization": (RDF.type, URIRef(ORG + "Organization")),
    "schema-date-published": (URIRef(SCHEMA + "datePublished"), None),
    "prov-was-derived-from": (URIRef(PROV + "wasDerivedFrom"), None),
    "schema-start-date": (URIRef(SCHEMA + "startDate"), None),
}


@pytest.fixture(scope="module")
def real_graph() -> Graph:
    """The real ontology and data, with what their axioms entail (rdflib, not the server)."""
    graph = load(REAL)
    return graph + entailment(graph, BASE_IRI + "ontology#")


@pytest.fixture(scope="module")
def app():
    app = create_app({"TESTING": True})
    yield app
    app.extensions["ictkg.queries"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def expected_rows(graph: Graph, predicate, obj) -> set[tuple[str, str]]:
    """(subject, object) of every triple of the question on a resource of ours."""
    return {
        (str(s), str(o))
        for s, o in graph.subject_objects(predicate)
        if (obj is None or o == obj) and str(s).startswith(BASE_IRI + "id/")
    }


def sparql_rows(client, predicate, obj) -> set[tuple[str, str]]:
    pattern = (
        f"?s <{predicate}> ?o" if obj is None else f"?s <{predicate}> <{obj}> BIND(<{obj}> AS ?o)"
    )
    query = f'SELECT ?s ?o WHERE {{ {pattern} FILTER(STRSTARTS(STR(?s), "{BASE_IRI}id/")) }}'
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    bindings = response.get_json()["results"]["bindings"]
    return {(canonical(b["s"]["value"]), canonical(b["o"]["value"])) for b in bindings}


def canonical(value: str) -> str:
    """The canonical IRI of one the endpoint answers in the test client's host (README, the
    IRI rule); other values as they are."""
    return value.replace(LOCAL, BASE_IRI, 1) if value.startswith(LOCAL) else value


@pytest.mark.parametrize(("predicate", "obj"), QUESTIONS.values(), ids=QUESTIONS)
def test_the_endpoint_answers_in_consumers_vocabularies(client, real_graph, predicate, obj):
    expected = expected_rows(real_graph, predicate, obj)
    assert expected, "the ontology's axioms entail answers to this question"
    assert sparql_rows(client, predicate, obj) == expected


@pytest.mark.parametrize("extension", ["ttl", "jsonld"])
@pytest.mark.parametrize(("predicate", "obj"), QUESTIONS.values(), ids=QUESTIONS)
def test_each_resource_document_states_its_entailed_triples(
    client, real_graph, predicate, obj, extension
):
    """The RDF document of each resource states what the axioms entail about it (the
    document's IRIs are rewritten to the test client's host, as every document's are)."""
    local = "http://localhost/"
    context = client.get("/context.jsonld").get_json()["@context"]
    wanted: dict[str, set[str]] = {}
    for subject, value in expected_rows(real_graph, predicate, obj):
        wanted.setdefault(subject, set()).add(value)
    for subject, values in sorted(wanted.items()):  # each document fetched once
        path = subject.replace(BASE_IRI + "id/", "/doc/") + "." + extension
        body = client.get(path).data
        if extension == "jsonld":
            document = json.loads(body)
            document["@context"] = context
            graph = Graph()  # pyoxigraph reads JSON-LD 1.1 (the context inlined)
            for triple in ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD):
                graph.add(
                    (
                        to_rdflib(triple.subject),
                        to_rdflib(triple.predicate),
                        to_rdflib(triple.object),
                    )
                )
        else:
            graph = Graph().parse(data=body, format="turtle")
        node = URIRef(subject.replace(BASE_IRI, local))
        stated = {str(o).replace(local, BASE_IRI) for o in graph.objects(node, predicate)}
        assert values <= stated, f"{path} lacks {predicate} {sorted(values - stated)}"


def test_no_partial_date_is_entailed_as_a_schema_org_date(client):
    """schema.org Date is a full ISO 8601 date, DateTime a date and time: a year or a month is
    neither. The data has partial dates under properties aligned to schema.org (else this
    test would check nothing); none is entailed with a schema.org property, while Dublin
    Core's date properties (W3CDTF) take them and full dates reach schema.org."""
    partial = {XSD.gYear, XSD.gYearMonth}
    stated = load(REAL)
    aligned = [
        (s, p, o)
        for s, p, o in stated
        if isinstance(o, Literal)
        and o.datatype in partial
        and any(
            str(t).startswith(SCHEMA)
            for t in supers(stated, p, RDFS.subPropertyOf, OWL.equivalentProperty)
        )
    ]
    assert aligned

    def entailed(condition: str) -> list:
        query = f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{ENTAILED}> {{ ?s ?p ?o }}
            FILTER(isLiteral(?o) && {condition}) }}"""
        response = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        return response.get_json()["results"]["bindings"]

    is_partial = f"DATATYPE(?o) IN (<{XSD.gYear}>, <{XSD.gYearMonth}>)"
    assert entailed(f'STRSTARTS(STR(?p), "{SCHEMA}") && {is_partial}') == []
    assert entailed(f'STRSTARTS(STR(?p), "http://purl.org/dc/terms/") && {is_partial}')
    assert entailed(f'STRSTARTS(STR(?p), "{SCHEMA}") && DATATYPE(?o) = <{XSD.date}>')


def test_the_entailed_graph_is_described_as_derived(client):
    query = f"SELECT ?p ?o WHERE {{ GRAPH <{ENTAILED}> {{ <{ENTAILED}> ?p ?o }} }}"
    response = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    rows = {
        (b["p"]["value"], canonical(b["o"]["value"]))
        for b in response.get_json()["results"]["bindings"]
    }
    graphs = {f"{BASE_IRI}graph/ontology/ictkg", f"{BASE_IRI}graph/data/agents"}
    assert {(PROV + "wasDerivedFrom", g) for g in graphs} <= rows
    assert (str(RDF.type), PROV + "Entity") in rows
    vocabularies = {o for p, o in rows if p == "http://rdfs.org/ns/void#vocabulary"}
    assert {SCHEMA, ORG, FOAF, PROV, "http://purl.org/dc/terms/"} <= vocabularies


def test_the_service_description_and_void_name_the_vocabularies_and_the_entailment(client):
    sd = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).data)
    regime = URIRef("http://www.w3.org/ns/sparql-service-description#defaultEntailmentRegime")
    assert set(sd.objects(None, regime)) == {URIRef("http://www.w3.org/ns/entailment/Simple")}
    comments = " ".join(str(c) for c in sd.objects(None, RDFS.comment))
    assert ENTAILED.replace(BASE_IRI, LOCAL) in comments  # in the client's host, as graph names
    assert "not RDFS entailment" in comments
    void = Graph().parse(data=client.get("/.well-known/void.ttl").data, format="turtle")
    used = {str(v) for v in void.objects(None, URIRef("http://rdfs.org/ns/void#vocabulary"))}
    assert {SCHEMA, ORG, FOAF, PROV, "http://purl.org/dc/terms/"} <= used
    sources = {str(v) for v in void.objects(None, URIRef("http://purl.org/dc/terms/source"))}
    assert not any("/graph/" in s for s in sources)


def test_validation_reads_the_source_files_not_the_entailed_graph(tmp_path):
    """The fixture's shape forbids schema:startDate on events: the files meet it, the served
    graph (which states the entailed schema:startDate) would not."""
    report = validate(
        FIXTURE / "ontology",
        FIXTURE / "data",
        FIXTURE / "shapes",
        project_ns=FIXTURE_BASE + "ontology#",
    )
    assert report.passes()
    assert report.triples == len(load([FIXTURE / "ontology", FIXTURE / "data"])) + len(
        load([FIXTURE / "shapes"])
    )
    store = Store(FIXTURE_BASE, [FIXTURE / "ontology", FIXTURE / "data"])
    served = Graph().parse(
        data=ox.serialize(
            store.query("CONSTRUCT WHERE { ?s ?p ?o }"), format=ox.RdfFormat.N_TRIPLES
        ),
        format="nt",
    )
    conforms, _, _ = shacl(served, shacl_graph=load([FIXTURE / "shapes"]))
    assert not conforms


def fixture_entailed(store: Store) -> set[tuple[str, str, str]]:
    graph = alignments.graph_iri(FIXTURE_BASE)
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return {(r["s"].value, r["p"].value, str(r["o"])) for r in rows if r["s"].value != graph}


def test_the_fixture_entailment_matches_the_axioms():
    """Equivalences both ways, chains through our own hierarchy, dates by range, no
    skos:*Match, no owl:Thing: the server's graph is exactly the independent computation."""
    graph = load([FIXTURE / "ontology", FIXTURE / "data"])
    expected = {
        (
            str(s),
            str(p),
            ox.Literal(o, datatype=ox.NamedNode(o.datatype)).__str__()
            if isinstance(o, Literal) and o.datatype
            else str(o),
        )
        for s, p, o in entailment(graph, FIXTURE_BASE + "ontology#")
    }
    served = fixture_entailed(Store(FIXTURE_BASE, [FIXTURE / "ontology", FIXTURE / "data"]))
    assert {(s, p) for s, p, _ in served} == {(s, p) for s, p, _ in expected}
    assert len(served) == len(expected)
    summit = FIXTURE_BASE + "id/event/summit"
    assert (summit, str(RDF.type), f"<{SCHEMA}Event>") in served  # Summit ⊑ Meeting ≡ Event
    assert (summit, FOAF + "name", '"The summit"@en') in served
    assert not any(p == SCHEMA + "about" for _, p, _ in served)  # skos:exactMatch: no entailment
    assert not any(p == SCHEMA + "startDate" and "gYear" in o for _, p, o in served)
    assert not any(p == PROV + "generatedAtTime" and o.endswith("#date>") for _, p, o in served)


def test_a_new_alignment_axiom_yields_a_new_triple(tmp_path):
    dirs = [tmp_path / "ontology", tmp_path / "data"]
    for d in dirs:
        shutil.copytree(FIXTURE / d.name, d)
    before = fixture_entailed(Store(FIXTURE_BASE, dirs))
    new = (FIXTURE_BASE + "id/organization/body", str(RDF.type), f"<{SCHEMA}Organization>")
    assert new not in before
    ontology = dirs[0] / "ex.ttl"
    ontology.write_text(ontology.read_text() + "\nex:Body rdfs:subClassOf schema:Organization .\n")
    after = fixture_entailed(Store(FIXTURE_BASE, dirs))
    assert after == before | {new}


def test_materializing_again_changes_nothing():
    store = Store(FIXTURE_BASE, [FIXTURE / "ontology", FIXTURE / "data"])
    first = set(store.engine)
    count = alignments.materialize(store.engine, FIXTURE_BASE)
    assert count == len(
        list(
            store.engine.quads_for_pattern(
                None, None, None, ox.NamedNode(alignments.graph_iri(FIXTURE_BASE))
            )
        )
    )
    assert set(store.engine) == first


def test_a_disk_store_holds_the_entailed_graph_and_reloads_for_new_rules(tmp_path, monkeypatch):
    dirs = [FIXTURE / "ontology", FIXTURE / "data"]
    memory = fixture_entailed(Store(FIXTURE_BASE, dirs))
    disk = Store(FIXTURE_BASE, dirs, path=str(tmp_path / "store"))
    assert fixture_entailed(disk) == memory
    version = disk.version
    del disk
    monkeypatch.setattr(alignments, "RULES_VERSION", "alignments-test")
    again = Store(FIXTURE_BASE, dirs, path=str(tmp_path / "store"))
    assert again.version != version
    assert (tmp_path / "store" / VERSION_FILE).read_text().split()[0] == again.version
    assert fixture_entailed(again) == memory


def test_a_remote_store_loaded_from_the_dump_answers_alike(tmp_path):
    """A remote store is loaded by its operator: the N-Quads dump (also written by
    ``ictkg export-site``) carries the entailed graph, so a store loaded from it answers the
    consumers' questions as the embedded one does."""
    app = create_app(fixture_config("alignments", FIXTURE_BASE, VALIDATE_ON_START=False))
    try:
        body = gzip.decompress(app.test_client().get("/dumps/dataset.nq.gz").data)
    finally:
        app.extensions["ictkg.queries"].close()
    operator = ox.Store()
    operator.load(
        body.replace(b"http://localhost/", FIXTURE_BASE.encode()), format=ox.RdfFormat.N_QUADS
    )
    query = f"SELECT ?e WHERE {{ ?e a <{SCHEMA}Event> }} ORDER BY ?e"
    embedded = Store(FIXTURE_BASE, [FIXTURE / "ontology", FIXTURE / "data"])
    ours = [r["e"].value for r in embedded.query(query)]
    theirs = [r["e"].value for r in operator.query(query, use_default_graph_as_union=True)]
    assert (
        ours
        == theirs
        == sorted(FIXTURE_BASE + "id/event/" + x for x in ("edition", "forum", "summit"))
    )


def test_the_page_shows_what_is_stated_and_the_embedded_json_ld_everything(client, real_graph):
    """A page is for reading: an entailed fact restates a stated one in another vocabulary, so
    the page leaves it out; the JSON-LD embedded for machines keeps it."""
    subject, _ = min(expected_rows(real_graph, URIRef(SCHEMA + "startDate"), None))
    html = client.get(subject.replace(BASE_IRI + "id/", "/doc/") + ".html").get_data(as_text=True)
    page, _, embedded = html.partition('<script type="application/ld+json">')
    assert "schema:startDate" in embedded
    assert "schema:startDate" not in page
    assert SCHEMA + "startDate" not in page
    assert "schema:Event" not in page


def test_incoming_links_are_the_stated_ones(client):
    """ "Referenced by" (and the document's hydra:totalItems) counts the links stated in the
    files: an entailed link restates one of them, in the linking resource's own document."""
    stated = load(REAL)
    target = URIRef(BASE_IRI + "id/event/wsis-tunis-2005")
    direct = {(s, p) for s, p in stated.subject_predicates(target) if isinstance(s, URIRef)}
    nested = {
        (s, p, q)
        for b, q in stated.subject_predicates(target)
        if isinstance(b, BNode)
        for s, p in stated.subject_predicates(b)
    }
    served = Graph().parse(data=client.get("/doc/event/wsis-tunis-2005.ttl").data, format="turtle")
    total = served.value(
        URIRef("http://localhost/doc/event/wsis-tunis-2005#incoming"), HYDRA.totalItems
    )
    assert int(total) == len(direct) + len(nested)
    entailed_in = expected_rows(real_graph_of(stated), URIRef(PROV + "wasGeneratedBy"), target)
    assert entailed_in, "some link to it is entailed, else this test would check nothing"


def real_graph_of(stated: Graph) -> Graph:
    return stated + entailment(stated, BASE_IRI + "ontology#")


@pytest.mark.parametrize("on_disk", [False, True], ids=["memory", "disk"])
def test_entailed_values_of_a_blank_node_stay_on_that_node(tmp_path, on_disk):
    """An n-ary relation written as a blank node (the deref fixture's participation, whose
    ``kg:event`` ⊑ ``schema:about``) gets its entailed value on the same node, in memory and
    in the on-disk store (written by pyoxigraph's bulk writer there)."""
    base = "https://example.org/kg/"
    fixtures = TESTS / "fixtures" / "deref"
    store = Store(
        base,
        [fixtures / "ontology", fixtures / "data"],
        path=str(tmp_path / "store") if on_disk else None,
    )
    query = f"""SELECT ?event WHERE {{ ?state <{base}ontology#participation> ?b .
        ?b <{base}ontology#event> ?event ; <{SCHEMA}about> ?event FILTER(isBlank(?b)) }}"""
    assert [r["event"].value for r in store.query(query)] == [base + "id/event/wsis-geneva"]


def test_the_home_page_kinds_are_stated_ones_and_lists_follow_the_alignments(client, real_graph):
    """The home page counts our kinds (and outside classes the data states), not classes only
    entailed; a list of an outside class, asked for, has every instance the axioms give it."""
    home = client.get("/").get_data(as_text=True)
    assert "list?class=https%3A%2F%2Fschema.org%2FEvent" not in home
    assert "list?class=http%3A%2F%2Flocalhost%2Fontology%23Event" in home
    events = expected_rows(real_graph, RDF.type, URIRef(SCHEMA + "Event"))
    body = ""
    for number in range(1, max(1, -(-len(events) // 50)) + 1):  # LIST_PAGE_SIZE 50
        page = client.get("/list", query_string={"class": SCHEMA + "Event", "page": number})
        assert page.status_code == 200
        body += page.get_data(as_text=True)
    for subject, _ in events:
        assert subject.replace(BASE_IRI, "http://localhost/") in body


def test_a_real_remote_store_loaded_with_the_quad_dump_serves_the_entailed_triples(tmp_path):
    """README, "Serving": the operator of a remote store loads the N-Quads dump (every named
    graph, the entailed one included) with ``oxigraph load``; the server in front of
    ``oxigraph serve-read-only`` then answers the consumers' questions, in /sparql and in the
    resource's document, as the embedded store does."""
    embedded = Store(FIXTURE_BASE, [FIXTURE / "ontology", FIXTURE / "data"])
    dump = tmp_path / "dataset.nq"
    dump.write_bytes(ox.serialize(embedded.engine, format=ox.RdfFormat.N_QUADS))
    remote = Oxigraph(tmp_path / "oxigraph", [], base=FIXTURE_BASE)
    subprocess.run(
        [BIN / "oxigraph", "load", "--location", remote.location, "--file", dump],
        check=True,
        capture_output=True,
    )
    remote.start()
    app = create_app(
        fixture_config(
            "alignments",
            FIXTURE_BASE,
            VALIDATE_ON_START=False,
            SPARQL_ENDPOINT=remote.endpoint,
            REWRITE_IRIS=False,
        )
    )
    try:
        client = app.test_client()
        query = f"SELECT ?e WHERE {{ ?e a <{SCHEMA}Event> }} ORDER BY ?e"
        response = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        served = [b["e"]["value"] for b in response.get_json()["results"]["bindings"]]
        assert served == [r["e"].value for r in embedded.query(query)]
        assert served
        document = Graph().parse(data=client.get("/doc/event/summit.ttl").data, format="turtle")
        summit = URIRef(FIXTURE_BASE + "id/event/summit")
        assert (summit, RDF.type, URIRef(SCHEMA + "Event")) in document
        assert (summit, URIRef(FOAF + "name"), Literal("The summit", lang="en")) in document
    finally:
        app.extensions["ictkg.queries"].close()
        remote.kill()


def test_the_home_page_counts_stated_outside_classes_but_not_entailed_ones(client):
    """skos:Concept is stated by the data: a kind of the home page; schema.org's classes are
    only entailed by the alignments (:mod:`server.rdf.alignments`): not kinds of their own."""
    import re
    from urllib.parse import unquote

    html = client.get("/").get_data(as_text=True)
    listed = {unquote(c) for c in re.findall(r"/list\?class=([^\"&]+)", html)}
    assert "http://www.w3.org/2004/02/skos/core#Concept" in listed
    assert not [c for c in listed if c.startswith(("https://schema.org/", "http://schema.org/"))]
    ours_or_skos = ("http://localhost/", "http://www.w3.org/2004/02/skos/")
    assert all(c.startswith(ours_or_skos) for c in listed), listed
    # Named in the reader's language (server/i18n/vocabulary.ttl), not by their local names.
    russian = client.get("/?lang=ru").get_data(as_text=True)
    assert ">Понятие</a>" in russian
    assert ">Схема понятий</a>" in russian
    assert ">ConceptScheme</a>" not in client.get("/").get_data(as_text=True)
