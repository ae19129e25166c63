"""The response cache replays exactly what the app would send, and only when HTTP allows it.

Rules from RFC 9111 (HTTP Caching): the cache key is the target URI (§2), a stored response is
selected by the request headers its ``Vary`` names (§4.1), ``no-store``/``private`` responses are
not stored (§5.2.2.5, §5.2.2.7); conditional requests are answered by the app itself (RFC 9110
§13), and the dataset version is part of the key (issue 5: "within a dataset version").
"""

from __future__ import annotations

import pytest
from deref_support import make_app
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from server.http.cache import ResponseCache


class Origin:
    """A real WSGI app with a few behaviours, counting how often it runs."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        request = Request(environ)
        headers = {"Vary": "Accept"}
        status = 200
        if request.path == "/sparql/private":
            headers["Cache-Control"] = "private"
        elif request.path == "/sparql/no-store":
            headers["Cache-Control"] = "no-store, max-age=0"
        elif request.path == "/sparql/cookie":
            headers["Set-Cookie"] = "a=b"
        elif request.path == "/sparql/star":
            headers["Vary"] = "*"
        elif request.path == "/sparql/missing":
            status = 404
        elif request.path == "/id/thing":
            status = 303
            headers["Location"] = "/doc/thing.ttl"
        elif request.path == "/sparql/big":
            return Response(b"x" * 2048, headers=headers)(environ, start_response)
        body = f"{self.calls} {request.headers.get('Accept')}".encode()
        return Response(body, status, headers=headers)(environ, start_response)


def fresh(version: str = "v1", **options) -> tuple[Origin, ResponseCache, Client]:
    origin = Origin()
    state = {"version": version}
    cache = ResponseCache(origin, lambda: state["version"], **options)
    cache.state = state  # the test changes the dataset version through this
    return origin, cache, Client(cache, use_cookies=False)


#: (id, first request, second request, app runs expected, RFC section)
REPLAY_RULES = [
    ("same-request-replayed", ("GET", "/sparql?q=1", {}), ("GET", "/sparql?q=1", {}), 1),
    ("other-query-string", ("GET", "/sparql?q=1", {}), ("GET", "/sparql?q=2", {}), 2),
    (
        "vary-accept-other-variant",
        ("GET", "/sparql?q=1", {"Accept": "text/csv"}),
        ("GET", "/sparql?q=1", {"Accept": "text/tab-separated-values"}),
        2,
    ),
    (
        "vary-accept-same-variant",
        ("GET", "/sparql?q=1", {"Accept": "text/csv"}),
        ("GET", "/sparql?q=1", {"Accept": "text/csv"}),
        1,
    ),
    (
        "other-host",
        ("GET", "/sparql?q=1", {"Host": "a.example"}),
        ("GET", "/sparql?q=1", {"Host": "b.example"}),
        2,
    ),
    (
        "conditional-goes-to-app",
        ("GET", "/sparql?q=1", {}),
        ("GET", "/sparql?q=1", {"If-None-Match": '"x"'}),
        2,
    ),
    ("range-goes-to-app", ("GET", "/sparql?q=1", {}), ("GET", "/sparql?q=1", {"Range": "0-"}), 2),
    ("cookie-goes-to-app", ("GET", "/sparql?q=1", {}), ("GET", "/sparql?q=1", {"Cookie": "a"}), 2),
    ("post-not-cached", ("POST", "/sparql?q=1", {}), ("POST", "/sparql?q=1", {}), 2),
    ("head-not-cached", ("HEAD", "/sparql?q=1", {}), ("HEAD", "/sparql?q=1", {}), 2),
    ("private-not-stored", ("GET", "/sparql/private", {}), ("GET", "/sparql/private", {}), 2),
    ("no-store-not-stored", ("GET", "/sparql/no-store", {}), ("GET", "/sparql/no-store", {}), 2),
    ("set-cookie-not-stored", ("GET", "/sparql/cookie", {}), ("GET", "/sparql/cookie", {}), 2),
    ("vary-star-not-stored", ("GET", "/sparql/star", {}), ("GET", "/sparql/star", {}), 2),
    ("404-not-stored", ("GET", "/sparql/missing", {}), ("GET", "/sparql/missing", {}), 2),
    ("303-stored", ("GET", "/id/thing", {}), ("GET", "/id/thing", {}), 1),
    ("other-paths-not-cached", ("GET", "/home", {}), ("GET", "/home", {}), 2),
    ("body-over-max-not-stored", ("GET", "/sparql/big", {}), ("GET", "/sparql/big", {}), 2),
]


@pytest.mark.parametrize(
    ("first", "second", "runs"),
    [row[1:] for row in REPLAY_RULES],
    ids=[row[0] for row in REPLAY_RULES],
)
def test_replay_rules(first, second, runs) -> None:
    origin, _, client = fresh(max_body=1024)
    answers = []
    for method, path, headers in (first, second):
        answers.append(client.open(path, method=method, headers=headers))
    assert origin.calls == runs
    if runs == 1:
        a, b = answers
        assert (a.status, a.get_data(), list(a.headers)) == (
            b.status,
            b.get_data(),
            list(b.headers),
        )


def test_new_dataset_version_is_never_answered_from_the_old() -> None:
    origin, cache, client = fresh()
    first = client.get("/sparql?q=1").get_data()
    cache.state["version"] = "v2"
    second = client.get("/sparql?q=1").get_data()
    assert origin.calls == 2
    assert first != second


def test_bounded_by_entries_least_recently_used_first() -> None:
    origin, cache, client = fresh(max_entries=2)
    for q in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        client.get(f"/sparql?q={q}")
    assert len(cache) == 2
    calls = origin.calls
    client.get("/sparql?q=a")
    assert origin.calls == calls
    client.get("/sparql?q=b")
    assert origin.calls == calls + 1


def test_bounded_by_bytes() -> None:
    _, cache, client = fresh(max_bytes=2_000)
    for q in range(50):
        client.get(f"/sparql?q={q}")
    assert cache._bytes <= 2_000
    assert 0 < len(cache) < 50


# --- on the real app: documents, redirects and SPARQL results ------------------------------


@pytest.fixture(scope="module")
def app():
    return make_app(VALIDATE_ON_START=False)


REAL_REQUESTS = [
    # (id, path, request headers, the status the README promises)
    ("redirect-303", "/id/state/belarus", {"Accept": "text/turtle"}, 303),
    ("document-turtle", "/doc/state/belarus.ttl", {}, 200),
    ("document-negotiated", "/doc/state/belarus", {"Accept": "application/n-triples"}, 200),
    (
        "sparql-json",
        "/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203",
        {"Accept": "application/sparql-results+json"},
        200,
    ),
]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [r[1:] for r in REAL_REQUESTS],
    ids=[r[0] for r in REAL_REQUESTS],
)
def test_real_app_replays_byte_for_byte(app, path, headers, status) -> None:
    cache: ResponseCache = app.extensions["ictkg.response_cache"]
    client = app.test_client()
    first = client.get(path, headers=headers)
    hits = cache.hits
    second = client.get(path, headers=headers)
    assert cache.hits == hits + 1
    assert first.status_code == status
    # All but Date (RFC 9110 §6.6.1: when the message is sent), which the HTTP server adds to
    # a replayed response (tests/app/test_prepared.py checks it through a live server).
    assert "Date" not in second.headers
    assert (first.status, first.get_data(), undated(first.headers)) == (
        second.status,
        second.get_data(),
        undated(second.headers),
    )


def undated(headers) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in headers.items() if k.lower() != "date")


def test_real_app_conditional_request_still_gets_304(app) -> None:
    client = app.test_client()
    etag = client.get("/doc/state/belarus.ttl").headers["ETag"]
    again = client.get("/doc/state/belarus.ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_cache_off_with_size_zero() -> None:
    app = make_app(VALIDATE_ON_START=False, RESPONSE_CACHE_SIZE=0)
    assert "ictkg.response_cache" not in app.extensions
