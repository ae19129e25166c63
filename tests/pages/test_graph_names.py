"""Graph names are names for SPARQL, not documents (README, "URIs": a GET of one is 404), so
no page links one and no search offers one: a reader who follows a link or picks a result
never lands on a 404. Checked on the project's data, whose sources' pages name the graphs that
hold their facts, and whose graphs have titles a search matches."""

from __future__ import annotations

import re

import pytest

from server import create_app
from server.config import BASE_IRI, graph_namespace

ROOT = "http://localhost/"


@pytest.fixture(scope="module")
def app():
    app = create_app({"VALIDATE_ON_START": False, "PREPARE": False, "QUERY_WORKERS": 1})
    yield app
    app.extensions["ictkg.queries"].close()


def sources(app) -> list[str]:
    things = f"{BASE_IRI}id/source/"
    query = f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{things}")) }}'
    return sorted(row["s"].value for row in app.extensions["ictkg"].query(query))


def test_pages_show_graph_names_as_text_not_as_links(app) -> None:
    client = app.test_client()
    shown = 0
    for iri in sources(app):
        path = "/doc/" + iri[len(BASE_IRI + "id/") :]
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert not re.findall(r'href="[^"]*/graph/[^"]*"', html), path
        shown += len(re.findall(rf'<span class="iri">{graph_namespace(ROOT)}[^<]+</span>', html))
    assert shown > 0, "no source page names a graph: nothing was checked"


@pytest.mark.parametrize("words", ["minsk", "facts", "zviazda", "action lines"])
def test_search_and_suggestions_never_offer_a_graph_name(app, words) -> None:
    client = app.test_client()
    found = client.get("/search", query_string={"q": words}, headers={"Accept": "application/json"})
    suggested = client.get(
        "/search/suggest", query_string={"q": words}, headers={"Accept": "application/json"}
    )
    iris = [r["iri"] for r in found.json["results"]] + [
        s["iri"] for s in suggested.json["suggestions"]
    ]
    assert iris, f"{words!r} found nothing: nothing was checked"
    assert not [iri for iri in iris if "/graph/" in iri]
