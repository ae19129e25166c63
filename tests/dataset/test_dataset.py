"""The dataset description (VoID + DCAT), the dumps and the published validation report.

Sources: VoID (W3C IG Note 2011) §4 statistics, §4.5 partitions, §6.3 data dumps, §7.2 the
well-known URI ``/.well-known/void``; DCAT 3 §6.7 (dcat:Distribution: downloadURL, mediaType,
byteSize, spdx:checksum), §6.8 (dcat:DataService, endpointURL); SHACL §3.6 (validation report).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
from pathlib import Path

import pytest
from alignment_support import entailment, load
from deref_support import BASE, FIXTURES, make_app
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, SH, VOID
from support import CountingStore, assert_isomorphic

from server.dataset.views import DataNotConforming
from server.rdf.formats import DUMPS
from server.rdf.terms import to_rdflib

ROOT = "http://localhost/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
DATASET = URIRef(ROOT + ".well-known/void#dataset")


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def void(client):
    return Graph().parse(data=client.get("/.well-known/void.ttl").data, format="turtle")


ENTAILED = URIRef(ROOT + "graph/entailed/alignments")


def fixture_union() -> Graph:
    """The fixture files merged with what the ontology's alignment axioms entail (computed
    here, see ``alignment_support``) and the entailed graph's description of itself, rewritten
    to the test client's host."""
    graph = load([FIXTURES / "ontology", FIXTURES / "data"])
    graph += entailment(graph, BASE + "ontology#")
    graph += entailed_graph_description()
    text = graph.serialize(format="nt").replace("<https://example.org/kg/", f"<{ROOT}")
    return Graph().parse(data=text, format="nt")


@functools.cache
def entailed_graph_description() -> Graph:
    """What the entailed graph says about itself, as the store has it (canonical IRIs)."""
    graph = URIRef(BASE + "graph/entailed/alignments")
    rows = (
        make_app()
        .extensions["ictkg"]
        .query(f"SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ <{graph}> ?p ?o }} }}")
    )
    description = Graph()
    for row in rows:
        description.add((graph, to_rdflib(row["p"]), to_rdflib(row["o"])))
    assert description, "the entailed graph describes itself"
    return description


STATISTICS = [
    pytest.param(VOID.triples, lambda g: len(g), id="void-4.1-triples"),
    pytest.param(
        VOID.entities,
        lambda g: len({s for s in g.subjects() if str(s).startswith(ROOT)}),
        id="void-4.1-entities",
    ),
    pytest.param(VOID.distinctSubjects, lambda g: len(set(g.subjects())), id="void-4.1-subjects"),
    pytest.param(VOID.properties, lambda g: len(set(g.predicates())), id="void-4.1-properties"),
    pytest.param(
        VOID.classes, lambda g: len(set(g.objects(None, RDF.type))), id="void-4.1-classes"
    ),
]


@pytest.mark.parametrize(("predicate", "expected"), STATISTICS)
def test_statistics_match_the_data(void, predicate, expected):
    assert void.value(DATASET, predicate).toPython() == expected(fixture_union())


def test_class_and_property_partitions(void):
    """VoID §4.5: one partition per class (entities) and per property (triples)."""
    union = fixture_union()
    classes = {
        void.value(p, VOID["class"]): void.value(p, VOID.entities).toPython()
        for p in void.objects(DATASET, VOID.classPartition)
    }
    assert classes == {
        c: len(set(union.subjects(RDF.type, c))) for c in set(union.objects(None, RDF.type))
    }
    properties = {
        void.value(p, VOID.property): void.value(p, VOID.triples).toPython()
        for p in void.objects(DATASET, VOID.propertyPartition)
    }
    assert properties == {p: len(list(union.triples((None, p, None)))) for p in union.predicates()}


DESCRIBES = [
    pytest.param(RDF.type, VOID.Dataset, id="void-1-dataset"),
    pytest.param(RDF.type, DCAT.Dataset, id="dcat-6.4-dataset"),
    pytest.param(VOID.sparqlEndpoint, URIRef(ROOT + "sparql"), id="void-6.2-sparql-endpoint"),
    pytest.param(
        DCTERMS.license,
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
        id="void-3.4-licence",
    ),
    pytest.param(DCTERMS.source, URIRef(ROOT + "id/source/seed"), id="void-3.4-source"),
    pytest.param(VOID.uriSpace, Literal(ROOT), id="void-6.4-uri-space"),
    pytest.param(VOID.vocabulary, URIRef(ROOT + "ontology#"), id="void-6.5-vocabulary-own"),
    pytest.param(
        VOID.vocabulary, URIRef("http://www.w3.org/2000/01/rdf-schema#"), id="void-6.5-vocabulary"
    ),
    pytest.param(VOID.exampleResource, URIRef(ROOT + "id/project/p1"), id="void-6.1-example"),
]


@pytest.mark.parametrize(("predicate", "value"), DESCRIBES)
def test_dataset_description(void, predicate, value):
    assert (DATASET, predicate, value) in void


def test_the_titles_are_in_every_interface_language(void):
    """DCAT 3 §5.1 (dcterms:title, "repeated for parallel language versions"): the dataset page
    in Russian or Belarusian showed its headings in English."""
    titles = {t.language: str(t) for t in void.objects(DATASET, DCTERMS.title)}
    assert titles == {
        "en": "Belarus ICT Cooperation Knowledge Graph",
        "ru": "Граф знаний о сотрудничестве Беларуси в области ИКТ",  # noqa: RUF001
        "be": "Граф ведаў пра супрацоўніцтва Беларусі ў галіне ІКТ",  # noqa: RUF001
    }
    for distribution in void.objects(DATASET, DCAT.distribution):
        assert {t.language for t in void.objects(distribution, DCTERMS.title)} == {"en", "ru", "be"}


def test_a_title_the_operator_set_is_not_restated_as_another_language():
    client = make_app(DATASET_TITLE="Our own graph").test_client()
    void = Graph().parse(data=client.get("/.well-known/void.ttl").data, format="turtle")
    assert list(void.objects(DATASET, DCTERMS.title)) == [Literal("Our own graph", lang="en")]


def test_the_sparql_service_is_a_dcat_data_service(void):
    """DCAT 3 §6.8: the endpoint as a dcat:DataService serving the dataset."""
    service = URIRef(ROOT + "sparql")
    assert (service, RDF.type, DCAT.DataService) in void
    assert (service, DCAT.endpointURL, service) in void
    assert (service, DCAT.servesDataset, DATASET) in void


def test_served_at_the_well_known_uri(client):
    """VoID §7.2: /.well-known/void negotiates like every document."""
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == ROOT + ".well-known/void.ttl"


@pytest.mark.parametrize("dump", DUMPS, ids=lambda d: d.filename)
def test_dump_matches_its_distribution(client, void, dump):
    """DCAT 3 §6.7: byteSize and the SHA-256 spdx:checksum are those of the bytes downloaded."""
    download = URIRef(ROOT + "dumps/" + dump.filename)
    assert (DATASET, VOID.dataDump, download) in void
    distribution = void.value(None, DCAT.downloadURL, download)
    assert (DATASET, DCAT.distribution, distribution) in void
    response = client.get(f"/dumps/{dump.filename}")
    assert response.status_code == 200
    body = response.data
    assert void.value(distribution, DCAT.byteSize).toPython() == len(body)
    checksum = void.value(distribution, SPDX.checksum)
    assert void.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert str(void.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
    media = URIRef("https://www.iana.org/assignments/media-types/" + dump.media_type)
    assert void.value(distribution, DCAT.mediaType) == media
    assert response.headers["Content-Length"] == str(len(body))


PARSE = {
    "dataset.ttl": ("turtle", False),
    "dataset.nt.gz": ("nt", False),
    "dataset.jsonld": ("json-ld", False),
    "dataset.nq.gz": ("nquads", True),
    "dataset.trig": ("trig", True),
}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize("dump", DUMPS, ids=lambda d: d.filename)
def test_dump_holds_the_whole_dataset(client, dump):
    """Every dump parses back to the data served; quad dumps keep one graph per source file."""
    body = client.get(f"/dumps/{dump.filename}").data
    if dump.gzipped:
        body = gzip.decompress(body)
    fmt, quads = PARSE[dump.filename]
    if fmt == "json-ld":
        document = json.loads(body)
        assert document["@context"] == ROOT + "context.jsonld"
        document["@context"] = client.get("/context.jsonld").get_json()["@context"]
        graph = Graph().parse(data=json.dumps(document), format="json-ld")
    elif quads:
        dataset = Dataset()
        dataset.parse(io.BytesIO(body), format=fmt)
        names = {str(g.identifier) for g in dataset.graphs() if len(g)}
        files = [f for d in ("ontology", "data") for f in sorted((FIXTURES / d).glob("*.ttl"))]
        sources = {f"{ROOT}graph/{f.parent.name}/{Path(f).stem}" for f in files}
        assert names == sources | {str(ENTAILED)}
        graph = Graph()
        for g in dataset.graphs():
            for triple in g:
                graph.add(triple)
    else:
        graph = Graph().parse(data=body, format=fmt)
    assert_isomorphic(fixture_union(), graph)


def test_void_asks_the_store_for_every_quad_once_for_all_its_dumps():
    """VoID states each dump's size and checksum, so it builds every dump: one query for the
    quads serves them all (in front of an engine, each dump asked for every quad again)."""
    app = make_app()
    counting = CountingStore(app.extensions["ictkg"])
    app.extensions["ictkg"] = counting
    assert app.test_client().get("/.well-known/void.ttl").status_code == 200
    every_quad = [q for q in counting.queries if "GRAPH ?g { ?s ?p ?o }" in q]
    assert len(every_quad) == 1
    assert not [q for q in counting.queries if q.startswith("CONSTRUCT { ?s ?p ?o }")]


def test_unknown_dump_is_404(client):
    assert client.get("/dumps/dataset.xlsx").status_code == 404


def test_the_validation_report_is_published(client):
    """SHACL §3.6: the sh:ValidationReport of the data served."""
    graph = Graph().parse(data=client.get("/validation.ttl").data, format="turtle")
    report = graph.value(None, RDF.type, SH.ValidationReport)
    assert report == URIRef(ROOT + "validation#report")
    assert graph.value(report, SH.conforms) == Literal(True)
    html = client.get("/validation", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert "sh:conforms" in html.get_data(as_text=True)


def test_the_server_refuses_to_start_on_data_that_does_not_conform():
    """README, Design decisions (safety): data that does not validate is never served."""
    with pytest.raises(DataNotConforming, match="A country needs a label"):
        make_app(DATA_DIR=str(FIXTURES / "invalid-data"))


def test_the_check_can_be_turned_off_and_the_report_says_why():
    app = make_app(DATA_DIR=str(FIXTURES / "invalid-data"), VALIDATE_ON_START=False)
    graph = Graph().parse(data=app.test_client().get("/validation.ttl").data, format="turtle")
    report = URIRef(ROOT + "validation#report")
    assert graph.value(report, SH.conforms) == Literal(False)
    result = graph.value(report, SH.result)
    assert graph.value(result, SH.focusNode) == URIRef(ROOT + "id/state/nowhere")
    assert graph.value(result, SH.resultSeverity) == SH.Violation
    assert graph.value(result, SH.resultPath) == URIRef(
        "http://www.w3.org/2000/01/rdf-schema#label"
    )
    assert str(graph.value(result, SH.resultMessage)) == "A country needs a label."
