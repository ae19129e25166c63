"""Which language a page speaks: ``?lang=`` first, then ``Accept-Language``, else English.

Decision: the language is part of the page, not of the resource. An explicit ``?lang=ru`` is
kept in every local link the page makes (so a reader who switched stays switched without a
cookie, and every URL still names exactly what it shows); without it the page follows the
browser's ``Accept-Language`` (RFC 9110 §12.5.4) and says so with ``Vary: Accept-Language``.

Each language has a fallback chain used for labels (see :mod:`server.rdf.labels`): Belarusian
readers read Russian, Russian readers are given Belarusian before English, and English falls
back to Russian, then Belarusian. After the chain come untagged labels, then any label, then
the IRI's local name: a page never shows an empty label.

The interface strings live in :data:`MESSAGES`; a string missing in a language is shown in
English.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import has_request_context, request

#: The languages pages are offered in, default first.
LANGUAGES: tuple[str, ...] = ("en", "ru", "be")

#: The language names shown in the switch, each in its own language.
NAMES = {"en": "English", "ru": "Русский", "be": "Беларуская"}

#: Label fallback chains: the page's language first.
CHAINS: dict[str, tuple[str, ...]] = {
    "en": ("en", "ru", "be"),
    "ru": ("ru", "be", "en"),
    "be": ("be", "ru", "en"),
}


@dataclass(frozen=True)
class Choice:
    """The page language and whether the reader asked for it with ``?lang=``."""

    code: str
    explicit: bool

    @property
    def chain(self) -> tuple[str, ...]:
        return CHAINS[self.code]


def choose(lang_param: str | None, accept_language) -> Choice:
    """The language for a request: a valid ``?lang=`` wins, then ``Accept-Language``."""
    if lang_param in LANGUAGES:
        return Choice(lang_param, True)
    best = accept_language.best_match(LANGUAGES, default=LANGUAGES[0]) if accept_language else None
    return Choice(best or LANGUAGES[0], False)


def current() -> Choice:
    """The choice for the request being served (English outside a request)."""
    if not has_request_context():
        return Choice(LANGUAGES[0], False)
    return choose(request.args.get("lang"), request.accept_languages)


def with_lang(href: str, choice: Choice | None = None) -> str:
    """``href`` carrying ``lang=`` when the reader chose a language explicitly."""
    choice = choice or current()
    if not choice.explicit:
        return href
    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    query.append(("lang", choice.code))
    return urlunsplit(parts._replace(query=urlencode(query)))


def switch_url(code: str) -> str:
    """The current page in another language (``?lang=`` replaced, other parameters kept)."""
    return with_lang(
        request.full_path if request.query_string else request.path, Choice(code, True)
    )


MESSAGES: dict[str, dict[str, str]] = {
    "home": {"ru": "Главная", "be": "Галоўная"},
    "lists": {"ru": "Списки", "be": "Спісы"},
    "timeline": {"ru": "Хронология", "be": "Храналогія"},
    "ontology": {"ru": "Онтология", "be": "Анталогія"},
    "dataset": {"ru": "Набор данных", "be": "Набор даных"},
    "query": {"ru": "Запрос SPARQL", "be": "Запыт SPARQL"},
    "search": {"ru": "Поиск", "be": "Пошук"},
    "search_placeholder": {"ru": "Название на любом языке", "be": "Назва на любой мове"},
    "language": {"ru": "Язык", "be": "Мова"},
    "kinds": {"ru": "Что здесь есть", "be": "Што тут ёсць"},
    "examples": {"ru": "Примеры вопросов", "be": "Прыклады пытанняў"},
    "downloads": {"ru": "Данные целиком", "be": "Даныя цалкам"},
    "names": {"ru": "Названия", "be": "Назвы"},
    "facts": {"ru": "Факты", "be": "Факты"},
    "elsewhere": {"ru": "В других источниках", "be": "У іншых крыніцах"},
    "sources": {"ru": "Источники", "be": "Крыніцы"},
    "referenced_by": {"ru": "Ссылки сюда", "be": "Спасылкі сюды"},
    "formats": {"ru": "Это описание в форматах RDF", "be": "Гэта апісанне ў фарматах RDF"},
    "results": {"ru": "Результаты", "be": "Вынікі"},
    "no_results": {"ru": "Ничего не найдено.", "be": "Нічога не знойдзена."},
    "sort_label": {"ru": "по названию", "be": "па назве"},
    "sort_date": {"ru": "по дате", "be": "па даце"},
    "previous": {"ru": "назад", "be": "назад"},
    "next": {"ru": "дальше", "be": "далей"},
    "run": {"ru": "Выполнить", "be": "Выканаць"},
    "diagram": {"ru": "Схема классов", "be": "Схема класаў"},
}


def message(key: str, choice: Choice | None = None) -> str:
    """The interface string ``key`` in the page language (English when not translated)."""
    choice = choice or current()
    entry = MESSAGES.get(key, {})
    return entry.get(choice.code) or ENGLISH.get(key, key)


ENGLISH: dict[str, str] = {
    "home": "Home",
    "lists": "Lists",
    "timeline": "Timeline",
    "ontology": "Ontology",
    "dataset": "Dataset",
    "query": "SPARQL query",
    "search": "Search",
    "search_placeholder": "A name in any language",
    "language": "Language",
    "kinds": "What is here",
    "examples": "Example questions",
    "downloads": "The whole dataset",
    "names": "Names",
    "facts": "Facts",
    "elsewhere": "Elsewhere",
    "sources": "Sources",
    "referenced_by": "Referenced by",
    "formats": "This description in RDF",
    "results": "Results",
    "no_results": "Nothing found.",
    "sort_label": "by name",
    "sort_date": "by date",
    "previous": "previous",
    "next": "next",
    "run": "Run",
    "diagram": "Class diagram",
}
