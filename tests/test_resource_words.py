"""Resource pages read like sentences (issue 13, item 2), on the real data.

Sources: issue 13 ("properties by their labels in the page's language; inverse relations with
inverse labels ... grouped, counted and paged; sources as numbered notes with their titles and
links; a licence line with the licence's name; the page title once").
"""

from __future__ import annotations

import re

import pytest

from server import create_app


@pytest.fixture(scope="module")
def client():
    return create_app({"VALIDATE_ON_START": False, "QUERY_WORKERS": 1}).test_client()


def page(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert found, anchor
    return found.group(1)


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("en", "documents adopted here"),
        ("ru", "документы, принятые здесь"),
        ("be", "дакументы, прынятыя тут"),
    ],
)
def test_incoming_links_are_named_from_this_side(client, lang, heading):
    """ "adopted at" seen from the summit: the inverse label, not the forward one."""
    html = page(client, f"/doc/event/connect-cis-summit-2009?lang={lang}")
    incoming = section(html, "incoming")
    headings = re.findall(r"<h3>(.*?)</h3>", incoming, re.S)
    assert any(heading in h for h in headings), headings
    assert not any(">adopted at<" in h for h in headings)


def test_groups_are_counted(client):
    incoming = section(page(client, "/doc/state/belarus"), "incoming")
    for h3, items in re.findall(r"<h3>(.*?)</h3>\s*<ul class=\"links\">(.*?)</ul>", incoming, re.S):
        count = re.search(r'<span class="count">(\d+)</span>', h3)
        assert count, h3
        assert int(count.group(1)) == items.count("<li>")


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["name", "also known as"]), ("ru", ["название", "другие названия"])],
)
def test_outside_properties_are_named_in_words(client, lang, words):
    """No raw ``rdfs:label`` or ``skos:altLabel`` where a reader expects a word."""
    html = page(client, f"/doc/state/belarus?lang={lang}")
    names = section(html, "names")
    shown = re.findall(r'<th scope="row"><a [^>]*>(.*?)</a></th>', names)
    assert sorted(shown) == sorted(words)
    body = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)  # the JSON-LD is data
    assert "rdfs:label" not in re.sub(r'title="[^"]*"', "", body)


def test_sources_are_numbered_notes_with_titles(client):
    html = page(client, "/doc/state/belarus")
    notes = re.findall(r'<li id="source-(\d+)"><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert [n for n, _, _ in notes] == [str(i) for i in range(1, len(notes) + 1)]
    assert all(title.strip() and not title.startswith("http") for _, _, title in notes)
    facts = section(html, "names")
    for number in re.findall(r'href="#source-(\d+)"', facts):
        assert int(number) <= len(notes)


def test_the_title_is_shown_once(client):
    html = page(client, "/doc/state/belarus")
    assert html.count("<h1>") == 1
    assert re.search(r"<title>Belarus · [^<]+</title>", html)
