"""The hostile fixture dataset of the page tests (``tests/fixtures/web/``).

Its labels carry ``<script>`` and attribute-breaking text, some of its IRIs are ``javascript:``,
``data:`` and ``vbscript:``, one thing has no label at all and one is labelled in Belarusian
only. Every script in it would set ``window.pwned``.
"""

from __future__ import annotations

from pathlib import Path

from support import fixture_config

from server import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "web"
BASE = "https://example.org/web/"
CONFIG = fixture_config(
    "web",
    BASE,
    QUERIES_DIR=str(FIXTURES / "queries"),
    VALIDATE_ON_START=False,
    QUERY_WORKERS=1,
)
THING = "https://example.org/web/ontology#Thing"
EVENT = "https://example.org/web/ontology#Event"

#: Every page for people, with the fixture's resources (path, query string).
PAGES = {
    "home": "/",
    "home-ru": "/?lang=ru",
    "list-by-label": f"/list?class={THING.replace('#', '%23')}",
    "list-by-date": f"/list?class={EVENT.replace('#', '%23')}&sort=date",
    "search": "/search?q=script",
    "resource-evil": "/doc/thing/thing-evil",
    "resource-plain-ru": "/doc/thing/thing-plain?lang=ru",
    "resource-nameless": "/doc/thing/nameless",
    "ontology": "/ontology",
    "query-page": "/sparql",
    "query-results": "/query?example=hostile",
}


def make_app(**overrides):
    return create_app({**CONFIG, **overrides})
