"""Random and mutated requests never break the server (issue 6, "Bad input"), with hypothesis.

Methods, paths (``..``, ``%2e%2e``, NUL bytes, 10 000 segments), query strings built from the
parameters the server reads and from mutated SPARQL, ``Accept`` headers, bodies and their
declared encodings. For every request:

- no 500 (RFC 9110 §15.6.1: a server error is our fault, never the client's): a 4xx for what is
  wrong with the request, 503 only when the time limit or the pool says so;
- no response takes longer than the query time limit plus one second;
- ``HEAD`` has no body (RFC 9110 §9.3.2), no body holds a traceback;

and afterwards the data is unchanged (the same hash of every quad of the store, and of every
file). In-process through WSGI for volume; over a real socket to ``ictkg serve`` for the raw request
lines a WSGI client would normalize (NUL bytes, bare ``..``, huge paths).
"""

from __future__ import annotations

import hashlib
import http.client
import socket
from urllib.parse import quote, unquote_to_bytes, urlencode, urlsplit

import pyoxigraph as ox
import pytest
from conftest import SPARQL_CONFIG, ictkg_serve
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server import create_app
from server.store.embedded import dataset_hash

TIMEOUT = 1.0
CONFIG = {**SPARQL_CONFIG, "QUERY_TIMEOUT": TIMEOUT, "MAX_QUERY_LENGTH": 4000}
CONFIG["MAX_CONTENT_LENGTH"] = 16_000
SETTINGS = settings(
    max_examples=400,
    deadline=None,  # the bound checked here is the server's own, per response
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
    database=None,  # nothing written into the repository; derandomized runs repeat anyway
)

QUERIES = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
    "ASK { ?s a <https://example.org/sq/vocab#City> }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE <https://example.org/sq/id/city/minsk>",
    'SELECT ?l WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l FILTER(LANG(?l)="en") }',
    "INSERT DATA { <urn:x> <urn:y> <urn:z> }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP DEFAULT",
    "LOAD <http://127.0.0.1:9/>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
]
SEGMENTS = [
    "sparql", "id", "doc", "city", "minsk", "minsk.ttl", "person", "alice.jsonld", "dumps",
    "dataset.ttl", "static", "site.css", ".well-known", "void", "ontology", "validation",
    "context.jsonld", "list", "search", "query", "health", "openapi.json",
    "..", ".", "%2e%2e", "%2E%2E%2F", "..%2f", "%2f", "%00", "%ff", "%", "~", "etc", "passwd",
    "\u00e9", "\u041c\u0456\u043d\u0441\u043a", "<script>", "a b", ";", "*", "",
]  # fmt: skip
MEDIA = [
    "*/*", "text/html", "text/turtle", "application/ld+json", "application/rdf+xml",
    "application/n-triples", "application/sparql-results+json", "application/sparql-results+xml",
    "text/csv", "text/tab-separated-values", "application/json", "image/png", "text/*",
    "application/*", "", "garbage", "text/html;q=0", "*/*;q=0.0001",
]  # fmt: skip
PARAMETERS = [
    "query", "update", "format", "output", "page", "lang", "class", "sort", "q", "example",
    "default-graph-uri", "named-graph-uri", "",
]  # fmt: skip
CONTENT_TYPES = [
    "application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update",
    "application/json", "text/plain", "multipart/form-data; boundary=x", "", "nonsense",
]  # fmt: skip
CHARSETS = ["", "; charset=utf-8", "; charset=latin-1", "; charset=utf-16", "; charset=bogus"]


@st.composite
def mutated(draw, base: list[str]) -> str:
    """A known text with characters inserted, deleted or replaced at random places."""
    text = draw(st.sampled_from(base))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.characters(codec="utf-8")) if action != "delete" else ""
        text = text[:at] + char + text[at + (action != "insert") :]
    return text


def values():
    return st.one_of(
        mutated(QUERIES),
        st.text(max_size=40),
        st.sampled_from([*MEDIA, "json", "xml", "ttl", "csv", "-1", "0", "99999999999", "ru"]),
    )


#: Real routes of the server, so that most requests get past routing to the views.
ROUTES = [
    "/", "/sparql", "/query", "/search", "/list", "/health", "/openapi.json", "/ontology",
    "/ontology.ttl", "/.well-known/void", "/.well-known/void.jsonld", "/validation",
    "/context.jsonld", "/static/site.css", "/dumps/dataset.ttl", "/id/city/minsk",
    "/id/person/alice", "/doc/city/minsk", "/doc/person/alice.ttl", "/doc/city/geneva.html",
    "/doc/person/bob.jsonld", "/id/city/nowhere", "/doc/state/x.nt",
]  # fmt: skip


def paths():
    segment = st.one_of(st.sampled_from(SEGMENTS), st.text(max_size=12))
    random = st.lists(segment, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))
    return st.one_of(st.sampled_from(ROUTES), mutated(ROUTES), random)


def accepts():
    single = st.tuples(st.sampled_from(MEDIA), st.sampled_from(["", ";q=0.5", ";q=x", ";q=1"]))
    return st.lists(single.map("".join), max_size=4).map(", ".join)


def bodies():
    return st.one_of(
        st.binary(max_size=300),
        mutated(QUERIES).map(lambda q: q.encode("utf-8")),
        st.dictionaries(st.sampled_from(PARAMETERS), values(), max_size=3).map(
            lambda d: "&".join(f"{quote(k)}={quote(v)}" for k, v in d.items()).encode()
        ),
    )


@pytest.fixture(scope="module")
def app():
    app = create_app(CONFIG)
    yield app
    app.extensions["ictkg.queries"].close()


def fingerprint(app) -> str:
    """A hash of every quad the store holds and of every file it was loaded from."""
    store = app.extensions["ictkg"]
    quads = sorted(str(q) for q in store.engine.quads_for_pattern(None, None, None, None))
    digest = hashlib.sha256("\n".join(quads).encode())
    digest.update(dataset_hash(store.files).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def original(app) -> str:
    return fingerprint(app)


def check(status: int, body: bytes, method: str) -> None:
    assert status != 500, body[:300]
    assert status < 500 or status == 503, (status, body[:300])
    assert b"Traceback" not in body
    if method == "HEAD":
        assert body == b""


@SETTINGS
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    path=paths(),
    query=st.dictionaries(st.sampled_from(PARAMETERS), values(), max_size=4),
    accept=accepts(),
    content_type=st.tuples(st.sampled_from(CONTENT_TYPES), st.sampled_from(CHARSETS)).map("".join),
    body=bodies(),
)
@example(
    method="GET",
    path="/" + "/".join(["a"] * 10_000),
    query={},
    accept="",
    content_type="",
    body=b"",
)
@example(
    method="GET", path="/dumps/..%2f..%2fpyproject.toml", query={}, accept="", content_type="",
    body=b"",
)  # fmt: skip
@example(
    method="POST", path="/sparql", query={}, accept="", content_type="application/sparql-query"
    "; charset=utf-16", body=b"\xff\xfe\x00",
)  # fmt: skip
def test_random_requests_in_process(app, original, method, path, query, accept, content_type, body):
    client = app.test_client()
    # The path as a server hands it to WSGI (PEP 3333: bytes as latin-1), never re-parsed.
    raw_path = unquote_to_bytes(path).decode("latin-1")
    response = client.open(
        "/",
        method=method,
        environ_overrides={"PATH_INFO": raw_path, "QUERY_STRING": urlencode(query)},
        headers={"Accept": accept} if accept else {},
        content_type=content_type or None,
        data=body if method not in ("GET", "HEAD") else None,
    )
    check(response.status_code, response.get_data(), method)


def test_the_data_is_unchanged_after_fuzzing(app, original) -> None:
    """Runs after the fuzzing above (file order): no request changed a single quad."""
    assert fingerprint(app) == original
    assert len(app.extensions["ictkg"]) == 29


@pytest.fixture(scope="module")
def live():
    # Not validated before serving: the SPARQL fixture's tiny vocabulary is not an ontology the
    # validator knows (its terms are not declared), so it would refuse to start. /validation then
    # builds its report at the first request, and the fuzzing below asks for it too.
    options = ("--workers", "1", "--threads", "4", "--query-timeout", str(TIMEOUT))
    with ictkg_serve(*options, env={"ICTKG_VALIDATE_ON_START": "false"}) as root:
        yield root


def raw(root: str, method: str, target: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send a request line exactly as given (no client normalization) and read the answer."""
    address = urlsplit(root)
    lines = [f"{method} ".encode() + target + b" HTTP/1.1", f"Host: {address.netloc}".encode()]
    lines += [f"{name}: {value}".encode() for name, value in headers.items()]
    lines += [b"Connection: close", b"", b""]
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(b"\r\n".join(lines))
        response = http.client.HTTPResponse(connection, method=method)
        response.begin()
        return response.status, response.read()


LIVE_TARGETS = st.one_of(
    paths().map(lambda p: p.encode("utf-8", "surrogatepass")),
    st.binary(min_size=1, max_size=60).map(lambda b: b"/" + b.replace(b" ", b"%20")),
)


@settings(SETTINGS, max_examples=120)
@given(
    method=st.sampled_from(["GET", "HEAD", "OPTIONS"]),
    target=LIVE_TARGETS,
    accept=accepts(),
)
@example(method="GET", target=b"/static/../../pyproject.toml", accept="")
@example(method="GET", target=b"/dumps/%2e%2e/%2e%2e/server/config.py", accept="")
@example(method="GET", target=b"/doc/city/minsk\x00.ttl", accept="")
@example(method="GET", target=("/x" * 10_000).encode(), accept="")
@example(method="HEAD", target=b"/doc/city/minsk", accept="text/turtle")
def test_random_request_lines_over_a_socket(live, method, target, accept) -> None:
    if b"\r" in target or b"\n" in target:
        target = target.replace(b"\r", b"%0D").replace(b"\n", b"%0A")
    status, body = raw(live, method, target, {"Accept": accept} if accept else {})
    check(status, body, method)
    assert b"[build-system]" not in body  # pyproject.toml: no file outside is ever sent
    assert b"BASE_IRI" not in body  # server/config.py


def test_the_live_data_is_unchanged(live) -> None:
    """Runs after the socket fuzzing above: the server still holds exactly the fixture."""
    count = quote("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    status, body = raw(live, "GET", b"/sparql?query=" + count.encode(), {"Accept": "text/csv"})
    assert status == 200
    assert body.split() == [b"n", b"29"]
    assert not ox.Store()  # and a store nobody loaded is empty: the count is the data's
