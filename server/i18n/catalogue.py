"""The interface's message catalogues: extracted from the code and templates, kept, compiled.

Decision: the ``.po`` files (what translators edit) and their compiled ``.mo`` (what Flask-Babel
reads) are both committed, so ``make run`` needs no tool and writes nothing at start;
``tests/test_i18n.py`` fails when a ``.mo`` is not the compilation of its ``.po``, and when a
message of the code or the templates has no translation in Russian or Belarusian (every plural
form included). English is the source language: the message ids are the English text.

After changing an interface string, run ``python -m server.i18n.catalogue``: it extracts the
messages (Babel's extraction API over ``server/``: Python ``_``/``gettext``/``ngettext``/``N_``
calls and the Jinja templates), merges them into each ``.po`` (new ones untranslated, vanished
ones dropped) and compiles every ``.mo``. Then translate what it lists as missing and run it
again.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from server.i18n.language import LANGUAGES, TRANSLATIONS

#: What is searched for messages: the whole server package (pages, describe, i18n, ...).
SOURCE = Path(__file__).resolve().parent.parent
#: ``N_`` marks a message where it is defined but translated later (a configured default).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"trimmed": "true"}}
#: Who answers for the catalogues (their headers name no person).
HOLDER = "The Belarus ICT Cooperation Knowledge Graph engineers"
#: The languages with a catalogue: every one but the source language.
TRANSLATED = tuple(code for code in LANGUAGES if code != "en")


def extract() -> Catalog:
    """Every interface message of the server package, as a template catalogue (no locale)."""
    template = Catalog(project="ictkg", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE), METHODS, OPTIONS, KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def po_path(code: str) -> Path:
    return TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"


def load(code: str) -> Catalog:
    """The catalogue of a language as committed."""
    with po_path(code).open("rb") as handle:
        return read_po(handle, locale=code)


def compiled(catalog: Catalog) -> bytes:
    """The ``.mo`` bytes of a catalogue (fuzzy entries left out, as gettext does)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    """The message ids of ``template`` without a complete translation in ``catalog``."""
    gaps = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        if isinstance(strings, tuple | list):
            complete = all(strings) and len(strings) == catalog.num_plurals
        else:
            complete = bool(strings)
        if found is None or found.fuzzy or not complete:
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update() -> dict[str, list[str]]:
    """Extract, merge into every ``.po``, compile every ``.mo``; the gaps per language."""
    template = extract()
    gaps = {}
    for code in TRANSLATED:
        path = po_path(code)
        if path.exists():
            catalog = load(code)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=code, project="ictkg", fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
        catalog.project, catalog.version = "ictkg", "0.1.0"
        catalog.copyright_holder = HOLDER
        catalog.msgid_bugs_address = catalog.last_translator = catalog.language_team = HOLDER
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
        path.with_suffix(".mo").write_bytes(compiled(catalog))
        gaps[code] = missing(catalog, template)
    return gaps


def main() -> int:
    gaps = update()
    for code, ids in gaps.items():
        for message_id in ids:
            print(f"{po_path(code)}: untranslated: {message_id!r}")
    return 1 if any(gaps.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
