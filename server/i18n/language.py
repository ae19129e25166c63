"""Which language a page speaks: ``?lang=`` first, then ``Accept-Language``, else English.

Decision: the language is part of the page, not of the resource. An explicit ``?lang=ru`` is
kept in every local link the page makes (so a reader who switched stays switched without a
cookie, and every URL still names exactly what it shows); without it the page follows the
browser's ``Accept-Language`` (RFC 9110 §12.5.4) and says so with ``Vary: Accept-Language``.

Each language has a fallback chain used for labels (see :mod:`server.rdf.labels`): Belarusian
readers read Russian, Russian readers are given Belarusian before English, and English falls
back to Russian, then Belarusian. After the chain come untagged labels, then any label, then
the IRI's local name: a page never shows an empty label.

The interface strings are gettext messages (Flask-Babel): the English text is the message id,
and ``server/i18n/translations/{ru,be}/LC_MESSAGES/messages.po`` translate it (see
:mod:`server.i18n.catalogue`). Flask-Babel asks :func:`current` for the locale, so the choice
above is the only one. Dates and numbers are written in the locale's own format
(:data:`FORMAT_LOCALES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, has_request_context, request
from flask_babel import Babel

#: The languages pages are offered in, default first.
LANGUAGES: tuple[str, ...] = ("en", "ru", "be")

#: The language names shown in the switch, each in its own language.
NAMES = {"en": "English", "ru": "Русский", "be": "Беларуская"}

#: The CLDR locale each language formats dates and numbers with. English pages are read in
#: Europe: day-month-year dates ("10 December 2003"), not the US order of plain ``en``.
FORMAT_LOCALES = {"en": "en_GB", "ru": "ru", "be": "be"}

#: The gettext catalogues (``.po`` sources and their compiled ``.mo``).
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

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

    @property
    def locale(self) -> str:
        """The CLDR locale for dates and numbers in this language."""
        return FORMAT_LOCALES[self.code]


def choose(lang_param: str | None, accept_language) -> Choice:
    """The language for a request: a valid ``?lang=`` wins, then ``Accept-Language``.

    ``?lang=`` is a language tag, read without regard to case (RFC 5646 §2.1.1) and by its
    primary subtag (``RU``, ``be-BY``)."""
    primary = (lang_param or "").strip().lower().split("-")[0]
    if primary in LANGUAGES:
        return Choice(primary, True)
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


def init_app(app: Flask) -> None:
    """Flask-Babel with this module's choice as its locale selector and our catalogues.

    ``{% trans %}`` blocks are trimmed (line breaks and indentation collapsed), as the
    extraction in :mod:`server.i18n.catalogue` trims them, so the ids agree.
    """
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    Babel(
        app,
        default_locale=LANGUAGES[0],
        default_translation_directories=str(TRANSLATIONS),
        locale_selector=lambda: current().code,
    )
