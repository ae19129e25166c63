"""``/sparql`` answers carry a strong ``ETag`` and ``Cache-Control``; conditional GETs get 304.

Issue 12 point 6. RFC 9110 §8.8.3 (ETag, strong), §13.1.2 (If-None-Match), §15.4.5 (304 carries
the ETag, Cache-Control and Vary the 200 would); RFC 9111 §5.2.2.2 (must-revalidate).
"""

from __future__ import annotations

import pytest
from deref_support import make_app

from server.sparql.endpoint import CACHE_CONTROL

SELECT = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3"


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


def get(client, query=None, accept="*/*", **params):
    if query is not None:
        params["query"] = query
    return client.get("/sparql", query_string=params, headers={"Accept": accept})


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT, None], ids=["select", "construct", "sd"])
def test_strong_etag_and_cache_control(client, query) -> None:
    first = get(client, query, "text/turtle" if query is None else "*/*")
    assert first.status_code == 200
    tag, weak = first.get_etag()
    assert tag
    assert not weak
    assert first.headers["Cache-Control"] == CACHE_CONTROL
    again = get(client, query, "text/turtle" if query is None else "*/*")
    assert again.get_etag() == (tag, False)
    assert again.data == first.data


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT, None], ids=["select", "construct", "sd"])
def test_if_none_match_gets_304(client, query) -> None:
    accept = "text/turtle" if query is None else "*/*"
    tag = get(client, query, accept).get_etag()[0]
    params = {"query": query} if query is not None else {}
    for method in ("GET", "HEAD"):
        response = client.open(
            "/sparql",
            method=method,
            query_string=params,
            headers={"Accept": accept, "If-None-Match": f'"other", "{tag}"'},
        )
        assert response.status_code == 304
        assert response.data == b""
        assert response.get_etag() == (tag, False)
        assert response.headers["Cache-Control"] == CACHE_CONTROL
        assert "Accept" in response.vary
    stale = client.get(
        "/sparql", query_string=params, headers={"Accept": accept, "If-None-Match": '"other"'}
    )
    assert stale.status_code == 200


CONDITIONS = {
    # RFC 9110 §13.1.2: If-None-Match uses the weak comparison (W/"x" matches "x"), and "*"
    # matches any current representation.
    "weak form of the tag": (lambda tag: f'W/"{tag}"', 304),
    "weak form among others": (lambda tag: f'W/"other", W/"{tag}"', 304),
    "any (*)": (lambda tag: "*", 304),
    "another weak tag": (lambda tag: 'W/"other"', 200),
}


@pytest.mark.parametrize(
    "query", [SELECT, CONSTRUCT, "ASK {}", None], ids=["select", "construct", "ask", "sd"]
)
@pytest.mark.parametrize(("condition", "status"), CONDITIONS.values(), ids=CONDITIONS)
def test_if_none_match_compares_weakly(client, query, condition, status) -> None:
    accept = "text/turtle" if query is None else "*/*"
    first = get(client, query, accept)
    tag = first.get_etag()[0]
    params = {"query": query} if query is not None else {}
    response = client.get(
        "/sparql", query_string=params, headers={"Accept": accept, "If-None-Match": condition(tag)}
    )
    assert response.status_code == status
    assert response.get_etag() == (tag, False)
    assert response.headers["Cache-Control"] == CACHE_CONTROL
    if status == 304:
        assert response.data == b""
    else:
        assert response.data == first.data


def test_the_etag_varies_with_everything_that_changes_the_body(client) -> None:
    tags = {
        "select json": get(client, SELECT).get_etag()[0],
        "select xml": get(client, SELECT, "application/sparql-results+xml").get_etag()[0],
        "select csv by format=": get(client, SELECT, format="csv").get_etag()[0],
        "another query": get(client, SELECT.replace("3", "4")).get_etag()[0],
        "a named graph": get(
            client, SELECT, **{"default-graph-uri": "https://example.org/g"}
        ).get_etag()[0],
        "construct": get(client, CONSTRUCT).get_etag()[0],
        "construct n-triples": get(client, CONSTRUCT, "application/n-triples").get_etag()[0],
        "sd turtle": get(client, None, "text/turtle").get_etag()[0],
        "sd rdf/xml": get(client, None, "application/rdf+xml").get_etag()[0],
    }
    assert len(set(tags.values())) == len(tags), tags


def test_another_host_gets_another_etag(client) -> None:
    here = get(client, SELECT).get_etag()[0]
    there = client.get(
        "/sparql",
        query_string={"query": SELECT},
        headers={"Accept": "*/*", "Host": "mirror.example"},
    )
    assert there.get_etag()[0] != here


def test_a_post_is_not_cached(client) -> None:
    response = client.post("/sparql", data={"query": SELECT})
    assert response.status_code == 200
    assert response.get_etag() == (None, None)
    assert "max-age" not in response.headers.get("Cache-Control", "")
