"""HTTP semantics of every negotiated response, CORS, JSON-LD and the IRI rewrite.

Sources: RFC 9110 §12.5.1 (Accept), §12.5.5 (Vary), §8.7 (Content-Location), §8.8.3 (ETag),
§8.8.2 (Last-Modified), §13.1.2 / §13.1.3 (If-None-Match / If-Modified-Since), §15.4.5 (304),
§9.3.2 (HEAD); RFC 8288 (Link, rel=alternate); RFC 9111 §5.2.2.4 (no-cache); Fetch standard
§3.2 (CORS protocol); JSON-LD 1.1 §3.1 / §4.1 (contexts referenced by IRI).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from deref_support import BASE, live_server, make_app
from rdflib import Graph, URIRef
from support import assert_isomorphic
from werkzeug.http import parse_options_header

from server.describe.resources import DOC_OFFERS

ROOT = "http://localhost/"
#: rdflib 7.6's JSON-LD parser builds a ConjunctiveGraph internally and warns about itself.
RDFLIB_JSONLD_WARNING = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"
)
DOCUMENTS = ["/doc/state/belarus", "/ontology", "/.well-known/void", "/validation"]


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


CONNEG = [
    pytest.param("text/turtle", "text/turtle", id="rfc9110-12.5.1-turtle"),
    pytest.param("application/ld+json", "application/ld+json", id="rfc9110-12.5.1-jsonld"),
    pytest.param("application/rdf+xml", "application/rdf+xml", id="rfc9110-12.5.1-rdfxml"),
    pytest.param("application/n-triples", "application/n-triples", id="rfc9110-12.5.1-nt"),
    pytest.param("text/html", "text/html", id="rfc9110-12.5.1-html"),
    pytest.param("*/*", "text/turtle", id="rfc9110-12.5.1-any-is-turtle"),
    pytest.param("application/*", "application/ld+json", id="rfc9110-12.5.1-subtype-wildcard"),
    pytest.param(
        "text/turtle;q=0.2, application/rdf+xml", "application/rdf+xml", id="rfc9110-12.4.2-q"
    ),
    # Parameters other than q do not stop a match: our own Content-Type, a JSON-LD profile we
    # do not write (ignored); q=0 still refuses a type.
    pytest.param("text/turtle; charset=utf-8", "text/turtle", id="rfc9110-12.5.1-charset"),
    pytest.param(
        'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"',
        "application/ld+json",
        id="jsonld-profile-ignored",
    ),
    pytest.param("text/turtle;q=0, */*", "application/ld+json", id="rfc9110-12.4.2-q0"),
]


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize(("accept", "media_type"), CONNEG)
def test_negotiated_response_headers(client, path, accept, media_type):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    offer = next(o for o in DOC_OFFERS if o.media_type == media_type)
    # RFC 9110 §12.5.5: the response depends on Accept.
    assert "Accept" in response.headers["Vary"]
    # RFC 9110 §8.7: the per-format document actually sent.
    assert response.headers["Content-Location"] == f"{ROOT}{path[1:]}.{offer.extension}"
    # RFC 8288: every other format as rel=alternate with its type; none in JSON-LD, whose
    # best-known Python reader (pyld 3.3) fails on several (README, server/http.py).
    link = response.headers.get("Link", "")
    for other in DOC_OFFERS:
        entry = f'<{ROOT}{path[1:]}.{other.extension}>; rel="alternate"; type="{other.media_type}"'
        assert (entry in link) == (other != offer and offer.media_type != "application/ld+json")
    # RFC 9110 §8.8.3 strong validator, §8.8.2 Last-Modified.
    assert response.headers["ETag"].startswith('"')
    assert "Last-Modified" in response.headers


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("offer", DOC_OFFERS, ids=lambda o: o.extension)
def test_per_format_urls(client, path, offer):
    """Cool URIs §6: each representation has its own URL, which does not vary on Accept."""
    response = client.get(f"{path}.{offer.extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert parse_options_header(response.headers["Content-Type"])[0] == offer.media_type
    assert response.headers["Content-Location"] == f"{ROOT}{path[1:]}.{offer.extension}"
    # HTML varies on Accept-Language (the page language), never on Accept at a per-format URL.
    assert "accept" not in {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


CONDITIONAL = [
    pytest.param(lambda r: {"If-None-Match": r.headers["ETag"]}, 304, id="rfc9110-13.1.2-etag-304"),
    pytest.param(lambda r: {"If-None-Match": '"other"'}, 200, id="rfc9110-13.1.2-other-etag-200"),
    pytest.param(
        lambda r: {"If-None-Match": "W/" + r.headers["ETag"]}, 304, id="rfc9110-13.1.2-weak-cmp"
    ),
    pytest.param(
        lambda r: {"If-Modified-Since": r.headers["Last-Modified"]}, 304, id="rfc9110-13.1.3-ims"
    ),
    pytest.param(
        lambda r: {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"},
        200,
        id="rfc9110-13.1.3-older-200",
    ),
    pytest.param(
        lambda r: {"If-None-Match": '"other"', "If-Modified-Since": r.headers["Last-Modified"]},
        200,
        id="rfc9110-13.2.2-etag-takes-precedence",
    ),
]


@pytest.mark.parametrize(
    "path", ["/doc/state/belarus.ttl", "/dumps/dataset.ttl", "/context.jsonld"]
)
@pytest.mark.parametrize(("conditions", "status"), CONDITIONAL)
def test_conditional_requests(client, path, conditions, status):
    first = client.get(path)
    again = client.get(path, headers=conditions(first))
    assert again.status_code == status
    if status == 304:
        assert again.data == b""
        assert again.headers["ETag"] == first.headers["ETag"]


def test_etag_is_the_same_across_requests_and_differs_across_formats(client):
    a, b = client.get("/doc/state/belarus.ttl"), client.get("/doc/state/belarus.ttl")
    assert a.headers["ETag"] == b.headers["ETag"]
    assert a.headers["ETag"] != client.get("/doc/state/belarus.nt").headers["ETag"]
    assert "no-cache" in a.headers["Cache-Control"]  # RFC 9111 §5.2.2.4: revalidate


@pytest.mark.parametrize("extension", ["ttl", "nt", "rdf"])
def test_a_document_is_the_same_bytes_whatever_the_engine_called_its_blank_nodes(client, extension):
    """The engine labels blank nodes afresh on every load; the document (and its ETag) must
    not change with them, or a restart would invalidate every client's copy."""
    path = f"/doc/state/belarus.{extension}"
    other = make_app().test_client().get(path)
    first = client.get(path)
    assert b"_:b0" in first.data or b'nodeID="b0"' in first.data  # it has blank nodes
    assert other.data == first.data
    assert other.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("path", ["/doc/state/belarus", "/ontology.html", "/dumps/dataset.nt.gz"])
def test_head_has_the_headers_and_no_body(client, path):
    """RFC 9110 §9.3.2: HEAD is GET without the content."""
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    for header in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
        assert head.headers[header] == get.headers[header]


CORS = [
    pytest.param("GET", "/doc/state/belarus.ttl", {}, 200, id="fetch-3.2-cors-200"),
    pytest.param("GET", "/id/state/belarus", {}, 303, id="fetch-3.2-cors-on-redirect"),
    pytest.param("GET", "/id/state/atlantis", {}, 404, id="fetch-3.2-cors-on-404"),
    pytest.param(
        "GET", "/doc/state/belarus", {"Accept": "image/png"}, 406, id="fetch-3.2-cors-406"
    ),
    pytest.param("GET", "/context.jsonld", {}, 200, id="fetch-3.2-cors-on-context"),
    pytest.param("GET", "/dumps/dataset.ttl", {}, 200, id="fetch-3.2-cors-on-dump"),
]


@pytest.mark.parametrize(("method", "path", "headers", "status"), CORS)
def test_cors_on_every_response(client, method, path, headers, status):
    response = client.open(path, method=method, headers={"Origin": "https://x.test", **headers})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Link", "Content-Location", "Location"} <= exposed


def methods(value: str) -> set[str]:
    return {m.strip() for m in value.split(",")}


@pytest.mark.parametrize(
    "path",
    [
        "/id/state/belarus",
        "/doc/state/belarus",
        "/doc/state/belarus.ttl",
        "/.well-known/void",
        "/context.jsonld",
        "/ontology",
        "/search",
    ],
)
def test_preflight(client, path):
    """Fetch §3.2.2-3.2.3: a preflight gets an ok status, never a redirect, and the grants."""
    response = client.options(
        path,
        headers={
            "Origin": "https://x.test",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "accept, if-none-match",
        },
    )
    assert 200 <= response.status_code < 300
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # The methods the resource allows (its Allow), never POST on a GET-only resource.
    allowed = methods(response.headers["Access-Control-Allow-Methods"])
    assert allowed == methods(response.headers["Allow"]) == {"GET", "HEAD", "OPTIONS"}
    assert client.post(path).status_code == 405
    assert response.headers["Access-Control-Allow-Headers"] == "accept, if-none-match"
    assert "Location" not in response.headers


def test_preflight_of_an_unknown_path_grants_only_reading(client):
    response = client.options(
        "/nowhere", headers={"Origin": "https://x.test", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_jsonld_is_compact_against_the_published_context(client):
    """JSON-LD 1.1 §4.1: the document references the context by URL; terms compact."""
    body = client.get("/doc/state/belarus.jsonld").get_json()
    assert body["@context"] == ROOT + "context.jsonld"
    context = client.get("/context.jsonld").get_json()["@context"]
    assert context["kg"] == ROOT + "ontology#"
    assert context["Country"] == ROOT + "ontology#Country"
    belarus = next(n for n in body["@graph"] if n["@id"] == ROOT + "id/state/belarus")
    # kg:Country, and schema:Country that the ontology's alignment entails (rdf/alignments.py)
    assert set(belarus["@type"]) == {"Country", "schema:Country"}
    assert "participation" in belarus


@RDFLIB_JSONLD_WARNING
@pytest.mark.parametrize(
    "path", ["/doc/state/belarus", "/ontology", "/.well-known/void", "/validation"]
)
def test_jsonld_parses_back_to_the_same_graph(client, path):
    """rdflib reads the compact JSON-LD (with the published context) into an isomorphic graph."""
    turtle = Graph().parse(data=client.get(path + ".ttl").data, format="turtle")
    document = client.get(path + ".jsonld").get_json()
    document["@context"] = client.get("/context.jsonld").get_json()["@context"]
    assert_isomorphic(turtle, Graph().parse(data=json.dumps(document), format="json-ld"))


REWRITE = [
    pytest.param("http://localhost/", id="test-client-host"),
    pytest.param("http://127.0.0.1:8000/", id="loopback-with-port"),
    pytest.param("https://mirror.example.net/", id="other-https-host"),
]


@pytest.mark.parametrize("root", REWRITE)
def test_iris_are_rewritten_to_the_request_host(app, root):
    """Any host serves the same paths, and documents link to that host (README: URIs)."""
    client = app.test_client()
    response = client.get("/doc/state/belarus.nt", base_url=root)
    graph = Graph().parse(data=response.data, format="nt")
    topic = URIRef(root + "id/state/belarus")
    assert (topic, URIRef(root + "ontology#participation"), None) in graph
    canonical = [n for n in graph.all_nodes() if isinstance(n, URIRef) and str(n).startswith(BASE)]
    # Only the owl:sameAs link from the local name back to the canonical IRI remains.
    assert canonical == [URIRef(BASE + "id/state/belarus")]
    assert response.headers["Content-Location"] == root + "doc/state/belarus.nt"
    redirect = client.get("/id/state/belarus", base_url=root)
    assert redirect.headers["Location"] == root + "doc/state/belarus.ttl"


@pytest.mark.parametrize(
    "host", ["a b", "kg.example:port", "kg.example:80:80", "exé.org", "kg.example/x"]
)
@pytest.mark.parametrize("path", ["/id/state/belarus", "/sparql?query=ASK%7B%7D", "/"])
def test_a_host_that_names_no_server_is_400_not_iris_without_a_host(app, host, path):
    """RFC 9112 §3.2: 400 for an invalid Host; werkzeug reads one as the empty host, and the
    answer would carry IRIs such as ``http:///doc/…``."""
    response = app.test_client().get(path, headers={"Host": host, "Accept": "text/turtle"})
    assert response.status_code == 400
    assert "RFC 9112 §3.2" in response.get_data(as_text=True)
    assert "Location" not in response.headers


def test_rewrite_can_be_turned_off_behind_the_canonical_host():
    client = make_app(REWRITE_IRIS=False).test_client()
    graph = Graph().parse(data=client.get("/doc/state/belarus.nt").data, format="nt")
    assert (URIRef(BASE + "id/state/belarus"), None, None) in graph
    assert not [n for n in graph.all_nodes() if str(n).startswith(ROOT)]


@RDFLIB_JSONLD_WARNING
def test_rdflib_reads_jsonld_from_a_live_server_fetching_the_context():
    """A JSON-LD processor dereferences the context URL itself (JSON-LD 1.1 §3.1)."""
    with live_server() as root:
        graph = Graph().parse(root + "doc/state/belarus.jsonld", format="json-ld")
        turtle = Graph().parse(root + "doc/state/belarus.ttl")
        assert_isomorphic(turtle, graph)
        headers = curl("-sSI", "-H", "Accept: application/ld+json", root + "id/state/belarus")
        assert headers.splitlines()[0].split()[1] == "303"
        assert f"location: {root}doc/state/belarus.jsonld" in headers.lower()
        assert "access-control-allow-origin: *" in headers.lower()
        headers = curl("-sSI", root + "doc/state/belarus")
        lower = headers.lower()
        assert headers.splitlines()[0].split()[1] == "200"
        for name in ("etag:", "last-modified:", "vary: accept", "content-location:", "link:"):
            assert name in lower
        etag = next(h for h in headers.splitlines() if h.lower().startswith("etag:")).split(":", 1)[
            1
        ]
        again = curl("-sSI", "-H", f"If-None-Match: {etag.strip()}", root + "doc/state/belarus")
        assert again.splitlines()[0].split()[1] == "304"


def curl(*args: str) -> str:
    return subprocess.run(["curl", *args], check=True, capture_output=True, text=True).stdout
