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
    # Error pages (server/errors.py): a title and a description per status.
    "error_details": {"ru": "Подробности", "be": "Падрабязнасці"},
    "error_available": {"ru": "Доступные форматы", "be": "Даступныя фарматы"},
    "error_home": {"ru": "На главную страницу", "be": "На галоўную старонку"},
    "error_400": {"ru": "Неверный запрос", "be": "Няправільны запыт"},
    "error_400_text": {
        "ru": "Запрос не удалось понять: подробности ниже.",
        "be": "Запыт не ўдалося зразумець: падрабязнасці ніжэй.",
    },
    "error_403": {"ru": "Запрещено", "be": "Забаронена"},
    "error_403_text": {
        "ru": "Этот сервер только для чтения: изменить данные через него нельзя.",
        "be": "Гэты сервер толькі для чытання: змяніць даныя праз яго нельга.",
    },
    "error_404": {"ru": "Не найдено", "be": "Не знойдзена"},
    "error_404_text": {
        "ru": (
            "По этому адресу ничего нет. Найдите нужное через поиск или начните с главной страницы."
        ),
        "be": (
            "Па гэтым адрасе нічога няма. Знайдзіце патрэбнае праз пошук "
            "або пачніце з галоўнай старонкі."
        ),
    },
    "error_405": {"ru": "Метод не разрешён", "be": "Метад не дазволены"},
    "error_405_text": {
        "ru": "Этот адрес не принимает такой запрос.",
        "be": "Гэты адрас не прымае такі запыт.",
    },
    "error_406": {"ru": "Формат недоступен", "be": "Фармат недаступны"},
    "error_406_text": {
        "ru": "Это недоступно в запрошенном формате; доступные форматы перечислены ниже.",
        "be": "Гэта недаступна ў запытаным фармаце; даступныя фарматы пералічаны ніжэй.",
    },
    "error_410": {"ru": "Удалено", "be": "Выдалена"},
    "error_410_text": {
        "ru": "То, что было здесь, удалено из набора данных.",
        "be": "Тое, што было тут, выдалена з набору даных.",
    },
    "error_413": {"ru": "Слишком большой запрос", "be": "Занадта вялікі запыт"},
    "error_413_text": {
        "ru": "Запрос больше, чем принимает этот сервер.",
        "be": "Запыт большы, чым прымае гэты сервер.",
    },
    "error_414": {"ru": "Слишком длинный адрес", "be": "Занадта доўгі адрас"},
    "error_414_text": {
        "ru": "Адрес длиннее, чем принимает этот сервер; длинные запросы отправляйте методом POST.",
        "be": "Адрас даўжэйшы, чым прымае гэты сервер; доўгія запыты адпраўляйце метадам POST.",
    },
    "error_415": {"ru": "Неподдерживаемый тип данных", "be": "Непадтрымліваемы тып даных"},
    "error_415_text": {
        "ru": "Тело запроса в формате, который этот адрес не принимает.",
        "be": "Цела запыту ў фармаце, які гэты адрас не прымае.",
    },
    "error_431": {"ru": "Слишком большие заголовки", "be": "Занадта вялікія загалоўкі"},
    "error_431_text": {
        "ru": "Заголовки запроса больше, чем принимает этот сервер.",
        "be": "Загалоўкі запыту большыя, чым прымае гэты сервер.",
    },
    "error_500": {"ru": "Ошибка сервера", "be": "Памылка сервера"},
    "error_500_text": {
        "ru": "На сервере что-то пошло не так. Попробуйте позже.",
        "be": "На серверы нешта пайшло не так. Паспрабуйце пазней.",
    },
    "error_503": {"ru": "Временно недоступно", "be": "Часова недаступна"},
    "error_503_text": {
        "ru": "Сервис сейчас не может ответить. Попробуйте чуть позже.",
        "be": "Сэрвіс зараз не можа адказаць. Паспрабуйце крыху пазней.",
    },
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
    "error_details": "Details",
    "error_available": "Available formats",
    "error_home": "Go to the home page",
    "error_400": "Bad request",
    "error_400_text": "The request could not be understood: see the details below.",
    "error_403": "Not allowed",
    "error_403_text": "This server is read-only: the data cannot be changed through it.",
    "error_404": "Not found",
    "error_404_text": (
        "There is nothing at this address. Search for what you were looking for, "
        "or start from the home page."
    ),
    "error_405": "Method not allowed",
    "error_405_text": "This address does not accept this kind of request.",
    "error_406": "Format not available",
    "error_406_text": (
        "This is not available in the format you asked for; "
        "the formats it is available in are listed below."
    ),
    "error_410": "Gone",
    "error_410_text": "What was here has been removed from the dataset.",
    "error_413": "Request too large",
    "error_413_text": "The request is larger than this server accepts.",
    "error_414": "Address too long",
    "error_414_text": (
        "The address is longer than this server accepts; send long queries in a POST body."
    ),
    "error_415": "Unsupported media type",
    "error_415_text": "The request body is in a format this address does not accept.",
    "error_431": "Request headers too large",
    "error_431_text": "The request's headers are larger than this server accepts.",
    "error_500": "Server error",
    "error_500_text": "Something went wrong on this server. Try again later.",
    "error_503": "Temporarily unavailable",
    "error_503_text": "The service cannot answer now. Try again in a moment.",
}
