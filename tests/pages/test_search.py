"""Search that finds things (issue 13, item 3): words in any order, any script, dates as words.

Sources: issue 13 ("Search finds "Minsk 2009", "Минск 2009", "WSIS Tunis" and a transliterated
Belarusian name"); SQLite FTS5 (unicode61 tokenizer, ``remove_diacritics 2``, BM25); BGN/PCGN
romanization of Russian (1947) and Belarusian (1979).
"""

from __future__ import annotations

import pytest

from server import create_app
from server.i18n.transliteration import latin
from server.pages.search_index import SearchIndex, SearchIndexes, date_words

ROOT = "http://localhost/id/"


@pytest.fixture(scope="module")
def app():
    return create_app({"VALIDATE_ON_START": False, "QUERY_WORKERS": 1})


@pytest.fixture
def client(app):
    return app.test_client()


def found(client, text: str, lang: str = "en") -> list[str]:
    response = client.get(
        "/search", query_string={"q": text, "lang": lang}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    return [r["iri"] for r in response.get_json()["results"]]


@pytest.mark.parametrize(
    ("text", "expected", "within"),
    [
        pytest.param("Minsk 2009", "event/connect-cis-summit-2009", 1, id="place-and-year"),
        pytest.param("Минск 2009", "event/connect-cis-summit-2009", 1, id="russian-place-and-year"),
        pytest.param("2009 minsk", "event/connect-cis-summit-2009", 1, id="any-order"),
        pytest.param("WSIS Tunis", "event/wsis-tunis-2005", 3, id="two-words"),
        pytest.param("Minsk", "place/minsk", 1, id="latin-finds-belarusian-Мінск"),
        pytest.param("Мінск", "place/minsk", 1, id="belarusian-letters"),
        pytest.param("MÍNSK", "place/minsk", 1, id="case-and-accents"),
        pytest.param("Tuniski etap", "event/wsis-tunis-2005", 1, id="belarusian-name-in-latin"),
        pytest.param("ноябрь 2009", "event/connect-cis-summit-2009", 2, id="month-in-russian"),
        pytest.param("лістапада 2009", "event/connect-cis-summit-2009", 2, id="month-genitive-be"),
        pytest.param("November 2009", "event/connect-cis-summit-2009", 2, id="month-in-english"),
    ],
)
def test_search_finds(client, text, expected, within):
    assert ROOT + expected in found(client, text)[:within]


def test_every_word_must_match(client):
    assert found(client, "Minsk Tunis 2009 Geneva Zanzibar") == []


@pytest.mark.parametrize("text", ['minsk" OR *', "NEAR(a b)", "^minsk", "a:b", '"', "*", "-"])
def test_fts_syntax_in_the_box_is_text(client, text):
    """Whatever is typed is quoted word by word: no FTS5 operator, no error."""
    found(client, text)


def test_the_json_names_results_in_the_reader_language(client):
    response = client.get(
        "/search?q=Minsk&lang=be", headers={"Accept": "application/json"}
    ).get_json()
    first = response["results"][0]
    assert first["label"] == "Мінск"
    assert first["kinds"] == ["Горад"]  # stated, named in Belarusian (not "City, City, Place")


def test_results_name_the_kinds_the_data_states_once_each(client):
    """The entailed outside classes (schema:Organization, foaf:Organization, org:Organization
    for one organization; foaf:Agent, schema:Country for a state) are not the data's kinds."""
    response = client.get("/search?q=Беларусь&lang=ru", headers={"Accept": "application/json"})
    kinds = {k for r in response.get_json()["results"] for k in r["kinds"]}
    assert "Государство" in kinds
    assert "Организация" in kinds
    assert not kinds & {"Organization", "Agent", "Country", "FormalOrganization", "Place"}


def test_suggestions_complete_the_last_word(client):
    response = client.get("/search/suggest?q=Connect%20CI")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["query"] == "Connect CI"
    iris = [s["iri"] for s in body["suggestions"]]
    assert ROOT + "event/connect-cis-summit-2009" in iris
    assert all(s["label"] and s["href"] for s in body["suggestions"])
    assert len(iris) <= 8


def test_suggestions_take_earlier_words_whole(client):
    """While typing "Mins Summ", "Mins" is a finished word: it matches no name whole."""
    assert client.get("/search/suggest?q=Mins%20Summ").get_json()["suggestions"] == []
    assert client.get("/search/suggest?q=").get_json()["suggestions"] == []


def test_dates_are_words_in_three_languages():
    words = date_words("2009-11-25")
    for word in ("2009", "November", "ноябрь", "ноября", "лістапад", "лістапада"):
        assert word in words


def test_transliteration_reads_russian_and_belarusian():
    assert latin("Минск") == latin("Мінск", "be") == "minsk"
    assert latin("Гомель", "be") == "homel"
    assert latin("Гомель", "ru") == "gomel"
    assert latin("Шчучын", "be") == "shchuchyn"


def test_a_search_expression_quotes_every_word():
    assert SearchIndex.match_expression('a" OR b') == '("a"*) AND ("or"*) AND ("b"*)'


class Versioned:
    """The real store under a version the test sets (as a reload would move it)."""

    def __init__(self, inner, version):
        self.inner, self.version = inner, version
        self.base_iri = inner.base_iri

    def query(self, text):
        return self.inner.query(text)


def test_one_index_per_dataset_version(app):
    indexes = SearchIndexes()
    source = Versioned(app.extensions["ictkg"], 1)
    first = indexes.get(source)
    assert indexes.get(source) is first
    source.version = 2
    assert indexes.get(source) is not first
