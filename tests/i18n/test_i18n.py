"""The interface in three languages (issue 13, item 1): catalogues complete, plurals, formats.

Sources: issue 13 ("every string of every template from one message catalogue per language ...
plurals handled, dates and numbers in the locale's format; a test fails when a template string
has no translation in any language"); GNU gettext manual §12.6 (plural forms: Russian and
Belarusian have three); Unicode CLDR (date and number formats, via Babel).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.mofile import read_mo
from rdflib import RDFS
from web_support import make_app

from server.i18n import catalogue, vocabulary
from server.i18n.language import LANGUAGES


@pytest.fixture(scope="module")
def template():
    return catalogue.extract()


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


def test_the_extraction_finds_the_templates_and_the_code(template):
    """The extraction itself works: messages of templates, views and plural forms are found."""
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert "Skip to content" in ids  # base.html
    assert "Facts" in ids  # resource_page.py
    assert "%(num)s row" in ids  # an ngettext in query.html
    assert "Belarus ICT Cooperation Knowledge Graph" in ids  # the N_-marked default in config
    assert any(m.pluralizable for m in template)


@pytest.mark.parametrize("code", catalogue.TRANSLATED)
def test_every_message_is_translated(template, code):
    """Each message of the code and templates has a non-fuzzy translation, every plural form."""
    assert set(LANGUAGES) == {"en", *catalogue.TRANSLATED}  # English is the source language
    catalog = catalogue.load(code)
    assert catalog.num_plurals == 3
    assert catalogue.missing(catalog, template) == []


@pytest.mark.parametrize("code", catalogue.TRANSLATED)
def test_no_catalogue_keeps_a_message_the_code_no_longer_has(template, code):
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    kept = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue.load(code) if m.id}
    assert kept - wanted == set()


@pytest.mark.parametrize("code", catalogue.TRANSLATED)
def test_the_committed_mo_is_the_compiled_po(code):
    """What Flask-Babel reads (.mo) says what translators edited (.po)."""
    po = catalogue.load(code)
    with catalogue.po_path(code).with_suffix(".mo").open("rb") as handle:
        mo = read_mo(handle)

    def strings(catalog):
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (
                m.string if isinstance(m.string, str) else tuple(m.string)
            )
            for m in catalog
            if m.id
        }

    assert strings(mo) == strings(po)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        (
            "ru",
            ["Что здесь есть", "Перейти к содержанию", "Лицензия:"],
            ["What is here", "Licence"],
        ),
        ("be", ["Што тут ёсць", "Перайсці да зместу", "Ліцэнзія:"], ["What is here", "Licence"]),
        ("en", ["What is here", "Skip to content", "Licence:"], ["Что здесь есть"]),
    ],
)
def test_the_home_page_speaks_the_chosen_language(client, lang, expected, absent):
    text = visible_text(client.get(f"/?lang={lang}").get_data(as_text=True))
    for phrase in expected:
        assert phrase in text
    for phrase in absent:
        assert phrase not in text


def test_accept_language_chooses_the_catalogue(client):
    response = client.get("/", headers={"Accept-Language": "be, ru;q=0.5"})
    assert "Што тут ёсць" in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("lang", "count", "phrase"),
    [
        ("ru", 1, "1 ссылка на этот ресурс"),
        ("ru", 3, "3 ссылки на этот ресурс"),
        ("ru", 5, "5 ссылок на этот ресурс"),
        ("ru", 21, "21 ссылка на этот ресурс"),
        ("be", 2, "2 спасылкі на гэты рэсурс"),
        ("be", 11, "11 спасылак на гэты рэсурс"),
        ("en", 1, "1 link to this resource"),
        ("en", 2, "2 links to this resource"),
    ],
)
def test_plurals_follow_the_language(lang, count, phrase):
    """Three forms in Russian and Belarusian (1, 2-4, 5-20 and teens), two in English."""
    from flask import render_template_string

    app = make_app()
    with app.test_request_context(f"/?lang={lang}"):
        text = render_template_string(
            '{{ ngettext("%(num)s link to this resource", "%(num)s links to this resource", n) }}',
            n=count,
        )
    assert text == phrase


def test_the_licence_is_named_not_a_bare_url(client):
    html = client.get("/?lang=ru").get_data(as_text=True)
    assert re.search(
        r'<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
        r"Creative Commons «Атрибуция» 4.0",
        html,
    )


def test_the_page_title_is_not_repeated(client):
    html = client.get("/").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert " · " not in title


#: Text a template may write outside the catalogue: names of formats and SPARQL keywords.
NOT_WORDS = {"VoID", "DCAT", "sparql", "PREFIX", "lt", "gt"}


def test_no_template_text_escapes_the_catalogue():
    """Every word a template shows or puts in a read attribute comes through gettext."""
    leaks = {}
    for path in sorted((catalogue.SOURCE / "pages" / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{%-? *trans\b.*?endtrans *-?%\}", " ", text, flags=re.S)
        for pattern in (r"\{#.*?#\}", r"\{%.*?%\}", r"\{\{.*?\}\}", r"<script\b.*?</script>"):
            text = re.sub(pattern, " ", text, flags=re.S)
        read = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', text)
        shown = re.sub(r"<[^>]+>", " ", text)
        words = set(re.findall(r"[A-Za-z][A-Za-z'-]+", shown + " " + " ".join(read)))
        if words - NOT_WORDS:
            leaks[path.name] = sorted(words - NOT_WORDS)
    assert leaks == {}


def test_every_outside_term_has_one_name_per_language():
    """server/i18n/vocabulary.ttl names each outside term once in each interface language: two
    names would leave the choice to a sort (skos:Concept had "Concept" and "concept")."""
    graph = vocabulary.graph()
    names = Counter((str(term), name.language) for term, name in graph.subject_objects(RDFS.label))
    assert [key for key, count in names.items() if count > 1] == []
    terms = {str(term) for term, _ in names}
    assert {(term, lang) for term in terms for lang in LANGUAGES} == set(names)
