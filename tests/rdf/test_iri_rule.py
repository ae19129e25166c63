"""One IRI rule, everywhere (README, "URIs"): an IRI taken from any answer of a server works in
every request to that server, SPARQL included.

On a host other than the canonical one, every interface names things by the host's IRIs (pages,
RDF documents, SPARQL results in every format, search JSON, VoID, the service description), the
endpoint takes them anywhere a query holds an IRI reference (``<…>``, ``PREFIX``, ``BASE``) and
in ``default-graph-uri`` / ``named-graph-uri``, and the canonical IRIs keep working. Strings are
data: one that spells the host's or the canonical base is never changed, in a query or a result.
With ``REWRITE_IRIS`` off, every answer carries the canonical IRIs.

The same checks run on the Flask test client on two non-canonical hosts and on a live
``ictkg serve``. The fixture (``tests/fixtures/deref/``) has a literal that spells the base IRI.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox
import pytest
import requests
from deref_support import BASE, live_server, make_app
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, VOID
from requests.structures import CaseInsensitiveDict

from server.rdf.iris import Rewriter

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ROOTS = ("http://127.0.0.1:8123/", "http://example.test/")
RESULTS = "http://www.w3.org/2005/sparql-results#"
PREFIXES = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
#: The fixture's literal that spells a canonical IRI (data, never rewritten).
COMMENT = "Homepage text <b>not markup</b>: https://example.org/kg/id/state/belarus"


@dataclass
class Answer:
    status: int
    headers: CaseInsensitiveDict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Server:
    """One server as a client sees it: its root URL and a GET that never follows redirects."""

    root: str
    fetch: Callable[[str, dict, dict], Answer]

    def get(self, path: str, params: dict | None = None, headers: dict | None = None) -> Answer:
        return self.fetch(path, params or {}, headers or {})

    def sparql(self, query: str, fmt: str = "json", **dataset: list[str]) -> Answer:
        params = {"query": query, "format": fmt}
        params.update({k.replace("_", "-"): v for k, v in dataset.items()})
        answer = self.get("/sparql", params)
        assert answer.status == 200, answer.text
        return answer

    def ask(self, query: str, **dataset: list[str]) -> bool:
        return json.loads(self.sparql(query, **dataset).body)["boolean"]

    def column(self, query: str, name: str, **dataset: list[str]) -> list[dict]:
        bindings = json.loads(self.sparql(query, **dataset).body)["results"]["bindings"]
        return [row[name] for row in bindings if name in row]

    def path(self, iri: str) -> str:
        assert iri.startswith(self.root), f"{iri} is not on {self.root}"
        return "/" + iri[len(self.root) :]


def flask_server(app, root: str) -> Server:
    client = app.test_client()

    def fetch(path: str, params: dict, headers: dict) -> Answer:
        response = client.get(path, query_string=params, headers=headers, base_url=root)
        return Answer(
            response.status_code, CaseInsensitiveDict(response.headers), response.get_data()
        )

    return Server(root, fetch)


def live(root: str) -> Server:
    def fetch(path: str, params: dict, headers: dict) -> Answer:
        response = requests.get(
            root + path.lstrip("/"), params, headers=headers, allow_redirects=False, timeout=30
        )
        return Answer(response.status_code, CaseInsensitiveDict(response.headers), response.content)

    return Server(root, fetch)


@pytest.fixture(scope="module")
def app():
    app = make_app()
    yield app
    app.extensions["ictkg.queries"].close()


@pytest.fixture(params=ROOTS, ids=["127.0.0.1:8123", "example.test"])
def server(app, request) -> Server:
    return flask_server(app, request.param)


# --- taking IRIs from every interface -----------------------------------------------------------


def from_page(server: Server) -> str:
    """A link of a resource page to another thing."""
    page = server.get("/doc/state/belarus.html", headers={"Accept": "text/html"}).text
    hrefs = {h.replace("&amp;", "&").split("?")[0] for h in re.findall(r'href="([^"]+)"', page)}
    return _one(hrefs, server.root + "id/event/")


def _one(candidates, prefix: str) -> str:
    found = sorted(c for c in candidates if c.startswith(prefix))
    assert found, f"nothing under {prefix} in {sorted(candidates)}"
    return found[0]


def from_turtle(server: Server) -> str:
    """The source a Turtle document cites."""
    graph = Graph().parse(data=server.get("/doc/state/belarus.ttl").text, format="turtle")
    topic = URIRef(server.root + "id/state/belarus")
    return str(next(graph.objects(topic, DCTERMS.source)))


def from_jsonld(server: Server) -> str:
    """The subject of a JSON-LD document, expanded with the context it references."""
    document = json.loads(server.get("/doc/event/wsis-geneva.jsonld").body)
    context_url = document["@context"]
    assert context_url == server.root + "context.jsonld"
    document["@context"] = json.loads(server.get(server.path(context_url)).body)["@context"]
    quads = ox.parse(json.dumps(document), format=ox.RdfFormat.JSON_LD)
    label = ox.Literal("WSIS Geneva 2003", language="en")
    return next(q.subject.value for q in quads if q.object == label)


def by_label(label: str) -> str:
    return PREFIXES + f'SELECT ?s WHERE {{ ?s rdfs:label "{label}"@en }}'


def from_sparql_json(server: Server) -> str:
    return server.column(by_label("Project 1"), "s")[0]["value"]


def from_sparql_xml(server: Server) -> str:
    root = ET.fromstring(server.sparql(by_label("Project 2"), "xml").body)
    return root.find(f".//{{{RESULTS}}}uri").text


def from_sparql_csv(server: Server) -> str:
    return next(csv.DictReader(io.StringIO(server.sparql(by_label("Project 3"), "csv").text)))["s"]


def from_sparql_tsv(server: Server) -> str:
    line = server.sparql(by_label("Project 4"), "tsv").text.splitlines()[1]
    return line.strip("<>")


def from_search(server: Server) -> str:
    answer = server.get("/search", {"q": "Project 5"}, {"Accept": "application/json"})
    return json.loads(answer.body)["results"][0]["iri"]


def from_void(server: Server) -> str:
    """An example resource VoID names."""
    graph = Graph().parse(data=server.get("/.well-known/void.ttl").text, format="turtle")
    return str(sorted(graph.objects(None, VOID.exampleResource))[0])


def from_void_class(server: Server) -> str:
    """A class of VoID's class partitions (an IRI of the ontology)."""
    graph = Graph().parse(data=server.get("/.well-known/void.ttl").text, format="turtle")
    classes = {str(c) for c in graph.objects(None, VOID["class"])}
    return _one(classes, server.root + "ontology#")


def from_dump(server: Server) -> str:
    """A thing the N-Triples dump describes."""
    data = gzip.decompress(server.get("/dumps/dataset.nt.gz").body)
    subjects = {q.subject.value for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}
    return _one({s for s in subjects if isinstance(s, str)}, server.root + "id/project/")


HARVESTERS = {
    "page link": from_page,
    "Turtle document": from_turtle,
    "JSON-LD document": from_jsonld,
    "SPARQL JSON": from_sparql_json,
    "SPARQL XML": from_sparql_xml,
    "SPARQL CSV": from_sparql_csv,
    "SPARQL TSV": from_sparql_tsv,
    "search JSON": from_search,
    "VoID example": from_void,
    "VoID class": from_void_class,
    "dump": from_dump,
}


def graphs_from_answers(server: Server) -> set[str]:
    """Graph names from the service description and from a SPARQL result."""
    described = Graph().parse(
        data=server.get("/sparql", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    names = {str(g) for g in described.objects(None, SD.name)}
    queried = {r["value"] for r in server.column("SELECT DISTINCT ?g { GRAPH ?g {} }", "g")}
    assert names == queried
    return names


# --- using them ---------------------------------------------------------------------------------


def split(iri: str) -> tuple[str, str]:
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    return iri[:cut], iri[cut:]


def assert_usable(server: Server, iri: str, where: str) -> None:
    """``iri`` answers rows in SPARQL (as ``<IRI>`` and through a ``PREFIX``) and on GET."""
    assert server.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"), where
    namespace, local = split(iri)
    prefixed = (
        f"PREFIX x: <{namespace}> ASK {{ {{ x:{local} ?p ?o }} UNION {{ ?s ?p x:{local} }} }}"
    )
    assert server.ask(prefixed), where
    path = server.path(iri)
    if path.startswith("/id/"):
        see_other = server.get(path, headers={"Accept": "text/turtle"})
        assert see_other.status == 303, where
        location = urljoin(server.root, see_other.headers["Location"])
        assert location == server.root + "doc/" + path[len("/id/") :] + ".ttl", where
        document = server.get(server.path(location))
        assert document.status == 200, where
        graph = Graph().parse(data=document.text, format="turtle")
        assert (URIRef(iri), None, None) in graph, where
        assert server.get("/doc/" + path[len("/id/") :]).status == 200, where
    else:
        document = server.get(path.partition("#")[0], headers={"Accept": "text/turtle"})
        assert document.status == 200, where
        assert (URIRef(iri), None, None) in Graph().parse(data=document.text, format="turtle")


def assert_rule(server: Server) -> None:
    """Every interface's IRIs are the host's, and each works in SPARQL and on GET."""
    taken = {where: harvest(server) for where, harvest in HARVESTERS.items()}
    for where, iri in taken.items():
        assert iri.startswith(server.root), f"{where}: {iri}"
        assert_usable(server, iri, where)
    graphs = graphs_from_answers(server)
    assert graphs
    assert all(g.startswith(server.root) for g in graphs), graphs
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    for graph in graphs:
        rows = server.column(count, "n", default_graph_uri=[graph])
        assert int(rows[0]["value"]) > 0, graph
        in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        assert server.column(in_graph, "n") == rows
        named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        assert server.column(named, "n", named_graph_uri=[graph]) == rows


def test_an_iri_from_any_interface_works_in_every_request(server):
    assert_rule(server)


def test_live_ictkg_serve_follows_the_rule():
    """The production server (granian, a query worker process) on 127.0.0.1 and a free port."""
    with live_server() as root:
        assert root != BASE
        assert_rule(live(root))


@pytest.mark.parametrize("path", ["/.well-known/void", "/validation", "/sparql"])
def test_descriptions_name_the_host_and_their_iris_answer(server, path):
    """VoID, the validation report and the service description describe documents and services
    of this host, not data of the store: their IRIs are the host's, and each answers a GET
    (a thing's with its 303, a document's with 200)."""
    body = server.get(path, headers={"Accept": "application/n-triples"})
    assert body.status == 200
    quads = list(ox.parse(body.body, format=ox.RdfFormat.N_TRIPLES))
    iris = {t.value for q in quads for t in q.triple if isinstance(t, ox.NamedNode)}
    under_base = {i for i in iris if i.startswith(BASE)}
    # Only the owl:sameAs of a document's topic names the canonical IRI (README, "URIs").
    assert under_base <= {BASE + path.lstrip("/") + "#dataset", BASE + path.lstrip("/") + "#report"}
    own = sorted(i for i in iris if i.startswith(server.root))
    assert own
    for iri in own:
        target = server.path(iri).partition("#")[0]
        if target.startswith("/graph/"):
            continue  # graph names are for SPARQL (tested above), not documents of their own
        expected = 303 if target.startswith("/id/") else 200
        assert server.get(target).status == expected, iri


def test_remote_store_follows_the_rule(sparql_app):
    """In front of ``oxigraph serve`` too (and the embedded store): host IRIs in, host IRIs out."""
    from conftest import SPARQL_BASE

    root = "http://example.test/"
    server = flask_server(sparql_app, root)
    cities = server.column(f"SELECT ?c WHERE {{ ?c a <{root}vocab#City> }} ORDER BY ?c", "c")
    assert [c["value"] for c in cities] == [
        f"{root}id/city/{name}" for name in ("geneva", "minsk", "tunis")
    ]
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c a <{SPARQL_BASE}vocab#City> }}"
    for graph in (root + "graph/data/places", SPARQL_BASE + "graph/data/places"):
        assert server.column(count, "n", default_graph_uri=[graph])[0]["value"] == "3"


# --- queries: what is mapped and what is not ----------------------------------------------------


def test_canonical_iris_keep_working(server):
    belarus = BASE + "id/state/belarus"
    assert server.ask(f"ASK {{ <{belarus}> ?p ?o }}")
    assert server.ask(f"PREFIX id: <{BASE}id/state/> ASK {{ id:belarus ?p ?o }}")
    graph = BASE + "graph/data/countries"
    rows = server.column("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "n", default_graph_uri=[graph])
    assert int(rows[0]["value"]) > 0
    # ...and the answers still name things by the host's IRIs.
    rows = server.column(
        f"SELECT ?o WHERE {{ <{belarus}> <{BASE}ontology#participation> ?b . "
        f"?b <{BASE}ontology#event> ?o }}",
        "o",
    )
    assert rows == [{"type": "uri", "value": server.root + "id/event/wsis-geneva"}]


def test_base_declaration_and_escaped_iris_are_mapped(server):
    assert server.ask(f"BASE <{server.root}> ASK {{ <id/state/belarus> ?p ?o }}")
    escaped = server.root.replace(":", "\\u003A", 1)
    assert server.ask(f"ASK {{ <{escaped}id/state/belarus> ?p ?o }}")
    belarus = f"<{server.root}id/state/belarus>"
    commented = f"# <{server.root}id/nothing> is only a comment\nASK {{ {belarus} ?p ?o }}"
    assert server.ask(commented)


def test_string_literals_are_data_in_queries_and_results(server):
    """A string that spells the host's or the canonical base is never changed, either way."""
    local, canonical = server.root + "id/state/belarus", BASE + "id/state/belarus"
    query = f'SELECT ?l ?c WHERE {{ BIND("{local}" AS ?l) BIND("""{canonical}""" AS ?c) }}'
    row = json.loads(server.sparql(query).body)["results"]["bindings"][0]
    assert row["l"]["value"] == local
    assert row["c"]["value"] == canonical
    # The query's string is not rewritten: the data's literal spells the canonical IRI only.
    contains = PREFIXES + "ASK {{ ?s rdfs:comment ?c FILTER(CONTAINS(?c, {!r})) }}"
    assert not server.ask(contains.format(local).replace("'", '"'))
    assert server.ask(contains.format(canonical).replace("'", '"'))


SELECT_ALL = f"SELECT ?s ?p ?o WHERE {{ BIND(<{BASE}id/state/belarus> AS ?s) ?s ?p ?o }}"


def result_terms(fmt: str, body: bytes) -> tuple[set[str], set[str]]:
    """(IRIs, literals) of SELECT results in ``fmt``."""
    if fmt == "json":
        rows = json.loads(body)["results"]["bindings"]
        terms = [t for row in rows for t in row.values()]
        return {t["value"] for t in terms if t["type"] == "uri"}, {
            t["value"] for t in terms if t["type"] == "literal"
        }
    if fmt == "xml":
        root = ET.fromstring(body)
        return {e.text for e in root.iter(f"{{{RESULTS}}}uri")}, {
            e.text for e in root.iter(f"{{{RESULTS}}}literal")
        }
    if fmt == "tsv":
        cells = [c for line in body.decode().splitlines()[1:] for c in line.split("\t")]
        return {c[1:-1] for c in cells if c.startswith("<")}, {
            c for c in cells if c.startswith('"')
        }
    cells = [c for row in list(csv.reader(io.StringIO(body.decode())))[1:] for c in row]
    return {c for c in cells if re.match(r"^[a-z]+:", c) and " " not in c}, set(cells)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_results_carry_the_hosts_iris_and_keep_literals(server, fmt):
    iris, literals = result_terms(fmt, server.sparql(SELECT_ALL, fmt).body)
    assert server.root + "id/state/belarus" in iris
    assert server.root + "ontology#participation" in iris
    assert not {i for i in iris if i.startswith(BASE)}, iris
    assert any(COMMENT in literal for literal in literals), literals


@pytest.mark.parametrize("fmt", ["ttl", "nt", "rdf", "jsonld", "trig", "nq"])
def test_construct_results_carry_the_hosts_iris_in_every_rdf_format(server, fmt):
    belarus = f"{server.root}id/state/belarus"
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ BIND(<{belarus}> AS ?s) ?s ?p ?o }}"
    body = server.sparql(query, fmt).body
    triples = {
        (q.subject, q.predicate, q.object)
        for q in ox.parse(body, format=ox.RdfFormat.from_extension(fmt))
    }
    iris = {t.value for triple in triples for t in triple if isinstance(t, ox.NamedNode)}
    assert not {i for i in iris if i.startswith(BASE)}, iris
    subject = ox.NamedNode(belarus)
    country = ox.NamedNode(server.root + "ontology#Country")
    assert (subject, ox.NamedNode(str(RDF.type)), country) in triples
    comment = ox.Literal(COMMENT, language="en")
    assert (subject, ox.NamedNode(str(RDFS.comment)), comment) in triples


def test_describe_results_carry_the_hosts_iris(server):
    body = server.sparql(f"DESCRIBE <{server.root}id/event/wsis-geneva>", "nt").text
    assert f"<{server.root}id/event/wsis-geneva>" in body
    assert BASE not in body


def test_query_page_links_the_hosts_iris(server):
    source = "<http://purl.org/dc/terms/source>"
    query = f"SELECT ?o WHERE {{ <{server.root}id/state/belarus> {source} ?o }}"
    page = server.get("/query", {"query": query}, {"Accept": "text/html"})
    assert page.status == 200
    hrefs = re.findall(r'href="([^"]+)"', page.text)
    assert any(h.split("?")[0] == server.root + "id/source/seed" for h in hrefs), hrefs
    assert not [h for h in hrefs if h.startswith(BASE)]


def test_syntax_errors_point_into_the_query_sent(server):
    """Positions in a parser message are those of the text the client sent, not the mapped one."""
    query = f"SELECT * WHERE {{ <{server.root}id/state/belarus> ?p ?o"
    answer = server.get("/sparql", {"query": query})
    assert answer.status == 400
    assert f"line 1, column {len(query) + 1}:" in answer.text, answer.text


# --- the switch -------------------------------------------------------------------------------


def test_switch_off_gives_canonical_iris_everywhere():
    app = make_app(REWRITE_IRIS=False)
    try:
        server = flask_server(app, ROOTS[0])
        for where, harvest in HARVESTERS.items():
            if where == "JSON-LD document":  # its context lives at the canonical host
                continue
            iri = harvest(Server(BASE, server.fetch))
            assert iri.startswith(BASE), f"{where}: {iri}"
            assert server.ask(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"), where
        document = json.loads(server.get("/doc/event/wsis-geneva.jsonld").body)
        assert document["@context"] == BASE + "context.jsonld"
        graphs = graphs_from_answers(server)
        assert graphs
        assert all(g.startswith(BASE) for g in graphs)
        iris, _ = result_terms("json", server.sparql(SELECT_ALL).body)
        assert BASE + "id/state/belarus" in iris
        assert not {i for i in iris if i.startswith(ROOTS[0])}
        # The host's IRIs are not names of this server's things then: queries run as written.
        assert not server.ask(f"ASK {{ <{ROOTS[0]}id/state/belarus> ?p ?o }}")
    finally:
        app.extensions["ictkg.queries"].close()


# --- the mapping itself -----------------------------------------------------------------------


H = "http://h.test/"
REWRITER = Rewriter(BASE, H)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ASK { <http://h.test/a> ?p ?o }", f"ASK {{ <{BASE}a> ?p ?o }}"),
        (
            "PREFIX h: <http://h.test/id/> ASK { h:x ?p ?o }",
            f"PREFIX h: <{BASE}id/> ASK {{ h:x ?p ?o }}",
        ),
        ('ASK { ?s ?p "<http://h.test/a>" }', None),
        ("ASK { ?s ?p '<http://h.test/a>' }", None),
        ('ASK { ?s ?p """x "" <http://h.test/a>""" }', None),
        ("ASK { ?s ?p '''x '' <http://h.test/a>''' }", None),
        ('ASK { ?s ?p "a \\" <http://h.test/a>" }', None),
        ("# <http://h.test/a>\nASK {}", None),
        (
            "ASK { FILTER(?a<?b) ?s ?p <http://h.test/a> }",
            f"ASK {{ FILTER(?a<?b) ?s ?p <{BASE}a> }}",
        ),
        ("ASK { ex:a\\#b <http://h.test/a> ?o }", f"ASK {{ ex:a\\#b <{BASE}a> ?o }}"),
        ("ASK { <http://h.test.evil/a> ?p ?o }", None),
        ("ASK { <http\\u003A//h.test/a\\u0020b> ?p ?o }", f"ASK {{ <{BASE}a\\u0020b> ?p ?o }}"),
    ],
    ids=[
        "iriref",
        "prefix",
        "short-string",
        "single-quoted",
        "long-string",
        "long-single-quoted",
        "escaped-quote",
        "comment",
        "less-than",
        "local-escape",
        "other-host",
        "codepoint-escapes",
    ],
)
def test_canonical_query_maps_iri_references_only(query, expected):
    assert REWRITER.canonical_query(query) == (query if expected is None else expected)


def test_local_tsv_maps_iris_and_keeps_strings():
    tsv = f'?s\t?o\n<{BASE}id/x>\t"see <{BASE}id/x> \\" <{BASE}y>"^^<{BASE}ontology#t>\n'.encode()
    assert (
        REWRITER.local_tsv(tsv)
        == (
            f'?s\t?o\n<http://h.test/id/x>\t"see <{BASE}id/x> \\" <{BASE}y>"^^'
            "<http://h.test/ontology#t>\n"
        ).encode()
    )


# --- behind a reverse proxy -------------------------------------------------------------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kg.example"}


def forwarded(app, root: str) -> Server:
    """The app as reached through a proxy that sets ``X-Forwarded-*`` on every request."""
    direct = flask_server(app, root)
    return Server(
        root, lambda path, params, headers: direct.fetch(path, params, FORWARDED | headers)
    )


def test_forwarded_headers_are_ignored_unless_proxies_are_trusted(app):
    server = forwarded(app, ROOTS[0])
    assert from_search(server).startswith(ROOTS[0])
    assert from_sparql_json(server).startswith(ROOTS[0])
    assert not server.ask("ASK { <https://kg.example/id/state/belarus> ?p ?o }")


def test_a_trusted_proxy_names_the_host():
    app = make_app(TRUSTED_PROXIES=1)
    try:
        server = forwarded(app, ROOTS[0])
        server.root = "https://kg.example/"
        assert_rule(server)
    finally:
        app.extensions["ictkg.queries"].close()


@pytest.mark.parametrize(
    ("ntriples", "expected"),
    [
        (
            f'<{BASE}a> <{BASE}p> <{BASE}b> .\n_:x <{BASE}p> "no IRI" .\n',
            f'<{H}a> <{H}p> <{H}b> .\n_:x <{H}p> "no IRI" .\n',
        ),
        (
            f'<{BASE}a> <{BASE}p> "see <{BASE}a> and {BASE}b"@en .\n',
            f'<{H}a> <{H}p> "see <{BASE}a> and {BASE}b"@en .\n',
        ),
        (
            f'<{BASE}a> <{BASE}p> "1 \\" > <{BASE}x>"^^<{BASE}ontology#t> .\n',
            f'<{H}a> <{H}p> "1 \\" > <{BASE}x>"^^<{H}ontology#t> .\n',
        ),
    ],
    ids=["iris-only", "string-spelling-iris", "escaped-quote-and-datatype"],
)
def test_local_ntriples_maps_iris_and_keeps_strings(ntriples, expected):
    assert REWRITER.local_ntriples(ntriples.encode()) == expected.encode()


@pytest.mark.parametrize("http_server", ["granian", "gunicorn"])
def test_live_servers_ignore_forwarded_headers_by_default(http_server):
    """Neither HTTP server lets a client name another host (gunicorn would trust 127.0.0.1)."""
    from conftest import SPARQL_BASE, ictkg_serve

    with ictkg_serve("--server", http_server, "--workers", "1") as root:
        answer = requests.get(
            root + "sparql",
            {"query": "SELECT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } LIMIT 1"},
            headers={"Accept": "application/sparql-results+json", **FORWARDED},
            timeout=30,
        )
        value = answer.json()["results"]["bindings"][0]["s"]["value"]
        assert value.startswith(root), value
        assert not value.startswith(SPARQL_BASE)


def test_the_response_cache_keeps_each_hosts_answer(app):
    """The same GET on two hosts, each asked twice: each host gets its own IRIs every time."""
    cache = app.extensions["ictkg.response_cache"]
    query = by_label("Project 6")
    hits = cache.hits
    for _ in range(2):
        for root in ROOTS:
            server = flask_server(app, root)
            assert server.column(query, "s") == [{"type": "uri", "value": root + "id/project/p6"}]
    assert cache.hits >= hits + len(ROOTS)
