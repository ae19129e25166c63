"""Security checks, one row each (issue 6, "Bad input"; README, "Design decisions: safety").

Against a live ``ictkg serve`` (granian) on the fault fixture plus hostile strings
(``tests/fixtures/faults/hostile/c.ttl``), with raw sockets where a client library would
normalize the request. A TCP listener on 127.0.0.1 (:class:`conftest.Listener`) must see
no connection from any IRI a request names.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
import requests
from fault_support import FAULTS, FAULTS_BASE, copy_faults_dataset, served

from server import create_app
from server.serving.serve import HEAD_LIMIT

FT = FAULTS_BASE + "ontology#"
HOSTILE = f"{FAULTS_BASE}id/item/hostile"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
MAX_QUERY = 2000
MAX_BODY = 8000
#: Every string of the hostile fixture, as stored.
PAYLOADS = [
    "</script><script>alert('label')</script>",
    '"><img src=x onerror=alert(1)> & <!-- -->',
    "<svg onload=alert(2)> ]]> \u2028 {{ 7*7 }}",
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = copy_faults_dataset(tmp_path_factory.mktemp("security"))
    shutil.copy(FAULTS / "hostile" / "c.ttl", root / "data" / "c.ttl")
    return root


@pytest.fixture(scope="module")
def live(dataset, tmp_path_factory):
    env = {"ICTKG_MAX_QUERY_LENGTH": str(MAX_QUERY), "ICTKG_MAX_CONTENT_LENGTH": str(MAX_BODY)}
    log = tmp_path_factory.mktemp("security-log") / "log"
    options = ("--workers", "1", "--threads", "4", "--query-timeout", "2")
    with served(*options, dataset=dataset, env=env, log=log) as server:
        yield server.root


def raw(root: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers (lower-case names) and body read back."""
    address = urlsplit(root)
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def get(root: str, target: str | bytes, *headers: str, method: str = "GET"):
    target = target.encode() if isinstance(target, str) else target
    host = urlsplit(root).netloc
    lines = [f"{method} ".encode() + target + b" HTTP/1.1", f"Host: {host}".encode()]
    lines += [h.encode() for h in headers] + [b"Connection: close", b"", b""]
    return raw(root, b"\r\n".join(lines))


def triples(root: str) -> int:
    response = requests.get(
        root + "sparql", params={"query": COUNT}, headers={"Accept": "text/csv"}, timeout=10
    )
    return int(response.text.split()[-1])


# --- no update of any kind takes effect --------------------------------------------------------

INSERT = f"INSERT DATA {{ <{HOSTILE}> <{FT}edition> 666 }}"
UPDATES = {
    # SPARQL 1.1 Protocol §2.2: this endpoint has no update operation.
    "Protocol 2.2.1 update= in a GET": ("GET", "sparql", {"params": {"update": INSERT}}, 403),
    "Protocol 2.2.1 update= in a form POST": ("POST", "sparql", {"data": {"update": INSERT}}, 403),
    "Protocol 2.2.2 sparql-update body": (
        "POST",
        "sparql",
        {"data": INSERT, "headers": {"Content-Type": "application/sparql-update"}},
        403,
    ),
    # An update is not a query (SPARQL 1.1 Query §2): it does not parse as one.
    "Update 3.1.1 INSERT DATA as a query": ("GET", "sparql", {"params": {"query": INSERT}}, 400),
    "Update 3.1.3 DELETE WHERE as a direct POST": (
        "POST",
        "sparql",
        {
            "data": "DELETE WHERE { ?s ?p ?o }",
            "headers": {"Content-Type": "application/sparql-query"},
        },
        400,
    ),
    "Update 3.2.2 CLEAR ALL as a query": ("GET", "sparql", {"params": {"query": "CLEAR ALL"}}, 400),
    "Update 3.2.4 DROP ALL as a form query": (
        "POST",
        "sparql",
        {"data": {"query": "DROP ALL"}},
        400,
    ),
    # Graph Store HTTP Protocol §5.3-5.6: no PUT, DELETE, POST or PATCH of documents.
    "GSP 5.3 PUT a document": (
        "PUT",
        "doc/item/one.ttl",
        {"data": "<urn:a> <urn:b> <urn:c> .", "headers": {"Content-Type": "text/turtle"}},
        405,
    ),
    "GSP 5.4 DELETE a document": ("DELETE", "doc/item/one", {}, 405),
    "GSP 5.5 POST to a document": (
        "POST",
        "doc/item/one",
        {"data": "<urn:a> <urn:b> <urn:c> .", "headers": {"Content-Type": "text/turtle"}},
        405,
    ),
    "RFC 5789 PATCH the endpoint": ("PATCH", "sparql", {"data": INSERT}, 405),
}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"), UPDATES.values(), ids=UPDATES.keys()
)
def test_no_update_takes_effect(live, method, path, kwargs, status) -> None:
    before = triples(live)
    response = requests.request(method, live + path, timeout=10, **kwargs)
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    assert triples(live) == before == 23
    ask = requests.get(live + "sparql", params={"query": f"ASK {{ ?s <{FT}edition> 666 }}"})
    assert ask.json()["boolean"] is False


# --- SERVICE / LOAD / FROM IRIs cause no outbound connection ----------------------------------


def outbound_rows(url: str) -> dict[str, tuple[str, dict[str, str], int]]:
    """(path, parameters, the status README and SECURITY.md promise): SERVICE 400, an update
    403 (400 inside ``query=``), dataset IRIs name graphs of the store (200, nothing found),
    an unknown class has no list (404)."""
    return {
        # SPARQL 1.1 Federated Query §3: refused before it runs.
        "Federated 3 SERVICE": (
            "sparql",
            {"query": f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"},
            400,
        ),
        "Federated 3 SERVICE SILENT": (
            "sparql",
            {"query": f"SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"},
            400,
        ),
        "Query 19.2 SERVICE spelled with a \\u escape": (
            "sparql",
            {"query": f"SELECT * {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}"},
            400,
        ),
        # SPARQL 1.1 Update §3.1.4: LOAD is an update.
        "Update 3.1.4 LOAD as update=": ("sparql", {"update": f"LOAD <{url}>"}, 403),
        "Update 3.1.4 LOAD as query=": ("sparql", {"query": f"LOAD <{url}>"}, 400),
        # SPARQL 1.1 Query §13.2, Protocol §2.1.4: graphs of the store, never fetched.
        "Query 13.2 FROM": ("sparql", {"query": f"SELECT * FROM <{url}> {{ ?s ?p ?o }}"}, 200),
        "Query 13.2 FROM NAMED": (
            "sparql",
            {"query": f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            200,
        ),
        "Protocol 2.1.4 default-graph-uri": (
            "sparql",
            {"query": "ASK { ?s ?p ?o }", "default-graph-uri": url},
            200,
        ),
        "Protocol 2.1.4 named-graph-uri": (
            "sparql",
            {"query": "ASK { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": url},
            200,
        ),
        "DESCRIBE of the IRI": ("sparql", {"query": f"DESCRIBE <{url}>"}, 200),
        "query page with SERVICE": (
            "query",
            {"query": f"SELECT * {{ SERVICE <{url}> {{}} }}"},
            400,
        ),
        "list of a class named by the IRI": ("list", {"class": url}, 404),
        "search for the IRI": ("search", {"q": url}, 200),
    }


@pytest.mark.parametrize("row", list(outbound_rows("http://127.0.0.1:1/")))
def test_no_outbound_connection(live, listener, row) -> None:
    path, params, status = outbound_rows(listener.url)[row]
    response = requests.get(live + path, params=params, timeout=10)
    assert response.status_code == status, response.text
    assert listener.received() == []


# --- no path escapes the dataset directory ------------------------------------------------------

ESCAPES = {
    "dot segments under /static": b"/static/../../pyproject.toml",
    "encoded dot segments under /static": b"/static/%2e%2e/%2e%2e/pyproject.toml",
    "encoded slashes under /static": b"/static/..%2f..%2fpyproject.toml",
    "double-encoded under /static": b"/static/%252e%252e%252fpyproject.toml",
    "backslashes under /static": b"/static/..\\..\\pyproject.toml",
    "NUL byte under /static": b"/static/site.css%00.txt",
    "dot segments under /dumps": b"/dumps/../../../etc/passwd",
    "encoded dot segments under /dumps": b"/dumps/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "a data file by its path": b"/data/a.ttl",
    "a data file through /doc": b"/doc/item/..%2f..%2fdata%2fa.ttl",
    "dot segments in /id": b"/id/item/../../../etc/passwd",
    "the repository root": b"/pyproject.toml",
    "dot segments at the root": b"/../../../../etc/passwd",
}


@pytest.mark.parametrize("target", ESCAPES.values(), ids=ESCAPES.keys())
def test_no_path_escapes(live, target) -> None:
    status, _, body = get(live, target)
    assert status == 404, (status, body[:200])  # SECURITY.md: no request path names a file
    assert b"root:x:0:0" not in body
    assert b"[build-system]" not in body
    assert b"ft:edition" not in body


def test_merged_slashes_redirect_inside_the_server(live) -> None:
    """``/static//etc/passwd`` is not an absolute path: Werkzeug merges the slashes (308 to
    ``/static/etc/passwd``, RFC 9110 §15.4.9), which is not there."""
    status, headers, _ = get(live, b"/static//etc/passwd")
    assert status == 308
    assert urlsplit(headers["location"]).path == "/static/etc/passwd"
    status, _, body = get(live, b"/static/etc/passwd")
    assert status == 404
    assert b"root:x:0:0" not in body


def test_static_files_are_served_from_their_directory_only(live) -> None:
    """The control row: the same route does serve a file inside its directory."""
    status, headers, _ = get(live, b"/static/site.css")
    assert status == 200
    assert headers["content-type"].startswith("text/css")


# --- every string from the data is escaped ------------------------------------------------------


def scripts(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.DOTALL)


PAGES = {
    "resource page": "doc/item/hostile.html",
    "list page": f"list?class={quote(FT + 'Item')}",
    "search page": "search?q=script",
    "query page with results": "query?query=" + quote("SELECT ?l { ?s ?p ?l } ORDER BY ?l"),
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_data_is_escaped_in_html(live, path) -> None:
    response = requests.get(live + path, headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    page = response.text
    for payload in PAYLOADS:
        assert payload not in page  # never raw: HTML Living Standard §13.1.2.6
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<svg onload" not in page
    links = re.findall(r"""<a\b[^>]*\bhref=["']?\s*([a-z]+):""", page, flags=re.IGNORECASE)
    assert {scheme.lower() for scheme in links} <= {"http", "https"}
    assert PAYLOADS[0] in html.unescape(page)  # shown, as text


def test_data_is_escaped_in_json_embedded_in_html(live) -> None:
    """The JSON-LD script holds every string, and no string can end the script element
    (HTML Living Standard §4.12.1.3: the text may not contain ``</script``)."""
    page = requests.get(live + "doc/item/hostile.html", timeout=10).text
    blocks = [s for s in scripts(page) if s.strip().startswith("{")]
    assert blocks, "no embedded JSON-LD"
    for block in blocks:
        assert "</script" not in block.lower()
        assert "<!--" not in block
        text = json.dumps(json.loads(block), ensure_ascii=False)
        for payload in PAYLOADS:
            assert json.dumps(payload, ensure_ascii=False)[1:-1] in text


# --- oversize requests --------------------------------------------------------------------------

OVERSIZE = {
    # RFC 9110 §15.5.15: a URI longer than the server will interpret.
    "414 a query over MAX_QUERY_LENGTH": (
        b"GET /sparql?query=" + quote("ASK {}" + " " * MAX_QUERY).encode() + b" HTTP/1.1",
        [],
        b"",
        414,
    ),
    # RFC 9110 §15.5.15: a request target over granian's bound (hyper's, 65 534 bytes).
    "414 a request target over 65 534 bytes": (
        b"GET /sparql?query=" + b"a" * (65_535 - len("/sparql?query=")) + b" HTTP/1.1",
        [],
        b"",
        414,
    ),
    # RFC 6585 §5: a request line and headers over HEAD_LIMIT (128 KiB) bytes, before the app,
    # however long the request target.
    "431 a request line over HEAD_LIMIT": (
        b"GET /sparql?query=" + b"a" * HEAD_LIMIT + b" HTTP/1.1",
        [],
        b"",
        431,
    ),
    # RFC 9110 §15.5.14: content larger than the server will process.
    "413 a body over MAX_CONTENT_LENGTH": (
        b"POST /sparql HTTP/1.1",
        [b"Content-Type: application/sparql-query"],
        b"ASK {}" + b" " * MAX_BODY,
        413,
    ),
    "413 a form query over MAX_QUERY_LENGTH": (
        b"POST /sparql HTTP/1.1",
        [b"Content-Type: application/x-www-form-urlencoded"],
        b"query=ASK+%7B%7D" + b"+" * (MAX_QUERY + 10),
        413,
    ),
    "431 headers over HEAD_LIMIT": (
        b"GET /health HTTP/1.1",
        [b"X-Big-%d: " % i + b"b" * 8000 for i in range(HEAD_LIMIT // 8000 + 1)],
        b"",
        431,
    ),
    "431 more than 100 header fields": (
        b"GET /health HTTP/1.1",
        [f"X-Many-{i}: x".encode() for i in range(120)],
        b"",
        431,
    ),
}


@pytest.mark.parametrize(
    ("line", "headers", "body", "status"), OVERSIZE.values(), ids=OVERSIZE.keys()
)
def test_oversize_requests(live, line, headers, body, status) -> None:
    host = urlsplit(live).netloc.encode()
    request = [line, b"Host: " + host, *headers, b"Connection: close"]
    if body:
        request.append(b"Content-Length: " + str(len(body)).encode())
    got, _, answer = raw(live, b"\r\n".join([*request, b"", b""]) + body)
    assert got == status, answer[:200]
    assert b"Traceback" not in answer


# --- RDF/XML never resolves external entities ---------------------------------------------------


def xxe(url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY local SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "{url}">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="{HOSTILE}">
    <rdfs:label>&local;&remote;</rdfs:label>
  </rdf:Description>
</rdf:RDF>
""".encode()


def parse_with_pyoxigraph(body: bytes) -> str:
    try:
        return " ".join(str(q) for q in ox.parse(body, ox.RdfFormat.RDF_XML))
    except SyntaxError as error:
        return str(error)


def parse_with_rdflib(body: bytes) -> str:
    try:
        return rdflib.Graph().parse(data=body, format="xml").serialize(format="nt")
    except Exception as error:  # a refusal of any kind is fine; only resolution is not
        return repr(error)


@pytest.mark.parametrize(
    "parse",
    [parse_with_pyoxigraph, parse_with_rdflib],
    ids=["pyoxigraph (remote answers)", "rdflib (the graph API)"],
)
def test_rdf_xml_parsers_resolve_no_external_entity(listener, parse) -> None:
    text = parse(xxe(listener.url))
    assert "root:x:0:0" not in text
    assert listener.received() == []


class XxeStore(BaseHTTPRequestHandler):
    """A remote "SPARQL store" whose every answer is RDF/XML with external entities."""

    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/rdf+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args) -> None:
        pass


def test_a_remote_store_cannot_make_the_server_resolve_entities(listener) -> None:
    XxeStore.body = xxe(listener.url)
    store = ThreadingHTTPServer(("127.0.0.1", 0), XxeStore)
    thread = threading.Thread(target=store.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{store.server_address[1]}/query"
    app = create_app(
        {
            "TESTING": True,
            "BASE_IRI": FAULTS_BASE,
            "SPARQL_ENDPOINT": endpoint,
            "VALIDATE_ON_START": False,
            "QUERY_TIMEOUT": 5.0,
            "ONTOLOGY_DIR": str(FAULTS / "ontology"),
            "DATA_DIR": str(FAULTS / "data"),
            "SHAPES_DIR": str(FAULTS / "shapes"),
        }
    )
    try:
        response = app.test_client().get(
            "/sparql",
            query_string={
                "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                "default-graph-uri": FAULTS_BASE + "graph/data/a",
            },
            headers={"Accept": "application/n-triples"},
        )
        assert response.status_code == 503, response.data
        assert b"root:x:0:0" not in response.data
        assert b"Traceback" not in response.data
    finally:
        app.extensions["ictkg.queries"].close()
        store.shutdown()
        store.server_close()
    assert listener.received() == []


# --- response headers, and error bodies ---------------------------------------------------------

HTML_RESPONSES = {
    "home page": "",
    "resource page": "doc/item/one.html",
    "query page": "query",
    "the endpoint for a browser": "sparql",
    "ontology documentation": "ontology",
}


@pytest.mark.parametrize("path", HTML_RESPONSES.values(), ids=HTML_RESPONSES.keys())
def test_html_carries_a_content_security_policy(live, path) -> None:
    response = requests.get(live + path, headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


ERRORS = {
    # (method, target, headers, body, status): every error the app itself answers.
    "400 malformed query": ("GET", "/sparql?query=SELECT%20%7B", [], b"", 400),
    "400 bad page number": ("GET", "/doc/item/one?page=0", [], b"", 400),
    "403 update": ("GET", "/sparql?update=CLEAR%20ALL", [], b"", 403),
    "404 unknown resource": ("GET", "/id/item/nothing", [], b"", 404),
    "404 unknown path": ("GET", "/nothing/here", [], b"", 404),
    "405 method": ("DELETE", "/sparql", [], b"", 405),
    "406 nothing acceptable": ("GET", "/doc/item/one", ["Accept: image/png"], b"", 406),
    "413 body": ("POST", "/sparql", ["Content-Type: application/sparql-query"], b"x" * 9000, 413),
    "414 query": ("GET", "/sparql?query=" + "x" * 2100, [], b"", 414),
    "415 media type": ("POST", "/sparql", ["Content-Type: application/json"], b"{}", 415),
    "503 time limit": (
        "GET",
        "/sparql?query="
        + quote(
            "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . "
            "?p ?q ?r . ?s ?t ?u }"
        ),
        [],
        b"",
        503,
    ),
}


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "status"), ERRORS.values(), ids=ERRORS.keys()
)
def test_errors_are_plain_and_hold_no_stack_trace(live, method, target, headers, body, status):
    extra = [*headers, f"Content-Length: {len(body)}"] if body else headers
    host = urlsplit(live).netloc
    request = [f"{method} {target} HTTP/1.1", f"Host: {host}", *extra, "Connection: close"]
    got, response_headers, answer = raw(live, "\r\n".join([*request, "", ""]).encode() + body)
    assert got == status, answer[:300]
    assert response_headers["x-content-type-options"] == "nosniff"
    for leak in (b"Traceback", b'File "', b"site-packages", b"/work/", b"Werkzeug Debugger"):
        assert leak not in answer


HEADS = {
    # RFC 9110 §9.3.2: the same headers as GET, and no content.
    "a query": "/sparql?query=" + quote("SELECT * { ?s ?p ?o }"),
    "a document": "/doc/item/one.ttl",
    "a page": "/doc/item/one.html",
    "a dump": "/dumps/dataset.ttl",
    "a redirect": "/id/item/one",
    "an error": "/nothing/here",
}


@pytest.mark.parametrize("target", HEADS.values(), ids=HEADS.keys())
def test_head_sends_no_body(live, target) -> None:
    status, headers, body = get(live, target, method="HEAD")
    got_status, got_headers, _ = get(live, target)
    assert status == got_status
    assert body == b""
    assert headers.get("content-type") == got_headers.get("content-type")
    assert "transfer-encoding" not in headers or headers.get("content-length") == "0" or not body
