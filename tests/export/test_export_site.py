"""``ictkg export-site``: the static export, served by Debian's nginx, answers like the live app.

Every resource of the fixture dataset is dereferenced from both (``/id/…`` with each RDF
``Accept``, following the 303) and the two graphs must be isomorphic (issue 5, "A test checks that
the export and the live server answer every resource with isomorphic graphs"). The 303 and 406
rules come from Cool URIs for the Semantic Web §4.3 and RFC 9110 §15.4.4, §15.5.7; nginx has no
q-values, so the table keeps to ``Accept`` headers both can read the same way.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from deref_support import BASE, FIXTURES, make_app
from rdflib import Graph
from support import assert_isomorphic, free_port, serving

from server.cli.main import main
from server.export.site import export_site, standalone_config
from server.rdf import alignments
from server.rdf.terms import graph_of

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}


@pytest.fixture(scope="module")
def live():
    """The app as the export sees it: canonical IRIs in documents."""
    return make_app(REWRITE_IRIS=False, VALIDATE_ON_START=False)


@pytest.fixture(scope="module")
def site(live, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("site")
    export = export_site(live, directory)
    assert export.resources, "nothing exported"
    return directory


@pytest.fixture(scope="module")
def nginx(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's nginx (installed by ``make install``) serving the export on 127.0.0.1."""
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tmp_path_factory.mktemp("nginx")
    port = free_port()
    config = work / "nginx.conf"
    config.write_text(standalone_config(site, port, work))
    process = subprocess.Popen(
        [executable, "-c", str(config), "-p", str(work)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    root = f"http://127.0.0.1:{port}"
    with serving(
        process,
        lambda: requests.get(root + "/context.jsonld", timeout=1) is not None,
        "nginx",
        10,
        errors=requests.ConnectionError,
        message=lambda: process.stderr.read().decode(),
        stop_seconds=10,
        group=False,
    ):
        yield root


def things(live) -> list[str]:
    from server.export.site import things as found

    return found(live)


def local(iri: str) -> str:
    return "/" + iri[len(BASE) :]


def relative(location: str, root: str) -> str:
    """A redirect target relative to the site's root (the base IRI for the live app)."""
    assert location.startswith(root), location
    return location[len(root) :]


def from_live(live, path: str, accept: str) -> tuple[int, str | None, bytes]:
    """The live app (canonical IRIs: its 303s point under the base IRI, whatever the host)."""
    client = live.test_client()
    response = client.get(path, headers={"Accept": accept})
    if response.status_code == 303:
        follow = relative(response.headers["Location"], BASE)
        return 303, follow, client.get("/" + follow, headers={"Accept": accept}).get_data()
    return response.status_code, None, response.get_data()


def from_nginx(root: str, path: str, accept: str) -> tuple[int, str | None, bytes]:
    response = requests.get(root + path, headers={"Accept": accept}, allow_redirects=False)
    if response.status_code == 303:
        follow = relative(response.headers["Location"], root + "/")
        body = requests.get(root + "/" + follow, headers={"Accept": accept}).content
        return 303, follow, body
    return response.status_code, None, response.content


def parse(body: bytes, media_type: str, context: dict) -> Graph:
    """pyoxigraph's parsers; JSON-LD with the site's own published context put inline."""
    if media_type == "application/ld+json":
        document = json.loads(body)
        document["@context"] = context
        body = json.dumps(document).encode()
    formats = {
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/ld+json": ox.RdfFormat.JSON_LD,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
    }
    return graph_of(ox.parse(body, formats[media_type]))


def test_every_resource_in_every_rdf_format_is_isomorphic(live, site, nginx) -> None:
    resources = things(live)
    assert len(resources) >= 5
    nginx_context = requests.get(nginx + "/context.jsonld").json()["@context"]
    live_context = live.test_client().get("/context.jsonld").get_json()["@context"]
    for iri in resources:
        for media_type in RDF_TYPES:
            status, followed, body = from_nginx(nginx, local(iri), media_type)
            live_status, live_followed, live_body = from_live(live, local(iri), media_type)
            assert (status, followed) == (live_status, live_followed), (iri, media_type)
            exported = parse(body, media_type, nginx_context)
            served = parse(live_body, media_type, live_context)
            assert len(served) > 0
            assert_isomorphic(served, exported)


def test_further_pages_of_incoming_links(live, site, nginx) -> None:
    """Belarus has seven incoming links, three a page: ``?page=2`` and ``?page=3`` exist."""
    iri = BASE + "id/state/belarus"
    for page in (2, 3):
        path = f"/doc/state/belarus.ttl?page={page}"
        served = Graph().parse(data=live.test_client().get(path).get_data(), format="turtle")
        exported = Graph().parse(data=requests.get(nginx + path).content, format="turtle")
        assert_isomorphic(served, exported)
    assert (site / "doc" / "state" / "belarus" / "page-3.ttl").is_file(), iri


#: (id, Accept, expected status, expected document extension). Cool URIs §4.3; RFC 9110.
CONNEG = [
    ("turtle", "text/turtle", 303, "ttl"),
    ("json-ld", "application/ld+json", 303, "jsonld"),
    ("rdf-xml", "application/rdf+xml", 303, "rdf"),
    ("n-triples", "application/n-triples", 303, "nt"),
    ("browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 303, "html"),
    ("anything", "*/*", 303, "ttl"),
    (
        "rdf-client-with-html-last",
        "text/turtle, application/ld+json;q=0.9, text/html;q=0.1",
        303,
        "ttl",
    ),
    ("nothing-acceptable-406", "image/png", 406, None),
]


@pytest.mark.parametrize(
    ("accept", "status", "extension"), [r[1:] for r in CONNEG], ids=[r[0] for r in CONNEG]
)
def test_negotiation_matches_the_live_app(live, nginx, accept, status, extension) -> None:
    path = "/id/state/belarus"
    response = requests.get(nginx + path, headers={"Accept": accept}, allow_redirects=False)
    live_response = live.test_client().get(path, headers={"Accept": accept})
    assert response.status_code == live_response.status_code == status
    assert "Accept" in response.headers.get("Vary", "")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if extension:
        assert urlsplit(response.headers["Location"]).path == f"/doc/state/belarus.{extension}"
        expected = relative(live_response.headers["Location"], BASE)
        assert relative(response.headers["Location"], nginx + "/") == expected


#: (id, path, expected status, expected Content-Type) for what is not a resource document.
OTHER = [
    ("unknown-resource-404", "/id/state/atlantis", 404, None),
    ("void-negotiated", "/.well-known/void", 200, "text/turtle; charset=utf-8"),
    ("ontology-negotiated", "/ontology", 200, "text/turtle; charset=utf-8"),
    ("ontology-json-ld", "/ontology.jsonld", 200, "application/ld+json; charset=utf-8"),
    ("ontology-version-iri", "/ontology/0.1.0", 200, "text/turtle; charset=utf-8"),
    ("ontology-version-html", "/ontology/0.1.0.html", 200, "text/html; charset=utf-8"),
    ("context", "/context.jsonld", 200, "application/ld+json; charset=utf-8"),
    ("dump-turtle", "/dumps/dataset.ttl", 200, "text/turtle; charset=utf-8"),
    ("dump-gzip", "/dumps/dataset.nt.gz", 200, "application/gzip"),
    ("html-page", "/doc/state/belarus.html", 200, "text/html; charset=utf-8"),
    ("stylesheet", "/static/site.css", 200, "text/css; charset=utf-8"),
]


@pytest.mark.parametrize(
    ("path", "status", "content_type"), [r[1:] for r in OTHER], ids=[r[0] for r in OTHER]
)
def test_other_documents(live, nginx, path, status, content_type) -> None:
    response = requests.get(nginx + path, allow_redirects=False)
    assert response.status_code == status
    if content_type:
        assert response.headers["Content-Type"] == content_type
        live_response = live.test_client().get(path)
        try:
            assert response.content == live_response.get_data(), "not the app's bytes"
        finally:
            live_response.close()


def test_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "export-site",
            str(tmp_path / "out"),
            "--ontology",
            str(FIXTURES / "ontology"),
            "--data",
            str(FIXTURES / "data"),
            "--base-iri",
            BASE,
            "--jobs",
            "1",
        ],
        env={"ICTKG_VALIDATE_ON_START": "false"},
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "nginx.conf").is_file()
    assert (tmp_path / "out" / "doc" / "state" / "belarus.ttl").is_file()
    assert "resources" in result.output


def test_the_exported_quad_dump_loads_a_store_with_the_entailed_graph(site: Path):
    """A remote store is loaded by its operator (README, "Serving"): the exported N-Quads dump,
    in canonical IRIs, holds every named graph, the alignments' entailed graph included, so a
    store loaded from that one file answers in the consumers' vocabularies."""
    operator = ox.Store()
    operator.load(
        gzip.decompress((site / "dumps" / "dataset.nq.gz").read_bytes()),
        format=ox.RdfFormat.N_QUADS,
    )
    entailed = ox.NamedNode(alignments.graph_iri(BASE))
    assert entailed in set(operator.named_graphs())
    query = "SELECT ?e WHERE { ?e a <https://schema.org/Event> } ORDER BY ?e"
    loaded = [r["e"].value for r in operator.query(query, use_default_graph_as_union=True)]
    assert loaded
    assert loaded == [r["e"].value for r in make_app().extensions["ictkg"].query(query)]
