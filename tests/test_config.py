"""Every setting parsed and range-checked at start (issue 12, point 5), listed once.

The table is :data:`server.config.SETTINGS`; README.md shows it (generated, and compared here),
``ictkg serve`` refuses a bad value (``tests/test_startup_errors.py``, under every server) and so
does the app factory, before anything reads the value.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import create_app
from server.config import DEFAULTS, SETTINGS, Setting, SettingError, check, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
SERVER = Path(__file__).resolve().parent.parent / "server"


def test_readme_lists_the_settings_table() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:[^\n]*-->\n(.*?)<!-- /settings -->", text, re.S)
    assert block, "README.md has no generated settings table"
    assert block.group(1) == markdown_table()


def test_every_setting_read_by_the_server_is_in_the_table() -> None:
    """A setting read anywhere (``config["X"]``, ``config.get("X")``) has a row: one table."""
    read = set()
    for path in SERVER.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"config(?:\[|\.get\()\s*[\"']([A-Z][A-Z0-9_]+)[\"']", source))
        read |= set(re.findall(r"config\[[\"']([A-Z][A-Z0-9_]+)", source))
    assert read, "no setting reads found: the pattern is wrong"
    assert read <= set(DEFAULTS), sorted(read - set(DEFAULTS))


def test_defaults_pass_their_own_check() -> None:
    assert check(DEFAULTS) == DEFAULTS


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("LIST_PAGE_SIZE", 0, "LIST_PAGE_SIZE=0 is not allowed: LIST_PAGE_SIZE must be an integer"),
        ("QUERY_TIMEOUT", "abc", "QUERY_TIMEOUT must be a number from 0.001 to 86,400 seconds"),
        ("QUERY_TIMEOUT", float("nan"), "QUERY_TIMEOUT=nan is not allowed"),
        ("BACKLINKS_PAGE_SIZE", -5, "must be an integer from 1 to 10,000"),
        ("REWRITE_IRIS", "sometimes", "REWRITE_IRIS must be true or false"),
        ("RESULT_ROW_LIMIT", True, "RESULT_ROW_LIMIT=True is not allowed"),
        ("BASE_IRI", "https://example.org/kg", "ending in '/' or '#'"),
    ],
)
def test_the_app_factory_refuses_a_bad_setting(name, value, words) -> None:
    with pytest.raises(SettingError) as refused:
        create_app({name: value, "VALIDATE_ON_START": False})
    assert words in str(refused.value)


def test_the_environment_is_named_with_its_text(monkeypatch) -> None:
    monkeypatch.setenv("ICTKG_LIST_PAGE_SIZE", "0")
    with pytest.raises(SettingError) as refused:
        create_app({"VALIDATE_ON_START": False})
    assert str(refused.value) == (
        "ICTKG_LIST_PAGE_SIZE='0' is not allowed: "
        "LIST_PAGE_SIZE must be an integer from 1 to 10,000"
    )


def test_values_are_parsed_to_their_types(monkeypatch) -> None:
    monkeypatch.setenv("ICTKG_DATASET_TITLE", "2024")  # a title, although it parses as JSON
    monkeypatch.setenv("ICTKG_VALIDATE_ON_START", "false")
    parsed = check(
        {**DEFAULTS, "QUERY_TIMEOUT": "2.5", "LIST_PAGE_SIZE": 20.0, "DATASET_TITLE": 2024}
    )
    assert parsed["QUERY_TIMEOUT"] == 2.5
    assert parsed["LIST_PAGE_SIZE"] == 20
    assert isinstance(parsed["LIST_PAGE_SIZE"], int)
    assert parsed["DATASET_TITLE"] == "2024"


def test_a_choice_names_what_is_allowed() -> None:
    mode = Setting("MODE", "a", "choice", "a mode", choices=("a", "b"))
    assert mode.parse("b") == "b"
    with pytest.raises(SettingError, match=r"MODE='c' is not allowed: MODE must be one of a, b"):
        check({"MODE": "c"}, settings=(mode,))
    assert mode.allowed() == "one of a, b"


def test_every_number_has_a_range() -> None:
    for setting in SETTINGS:
        if setting.kind in ("int", "float"):
            assert setting.least is not None, setting.name
            assert setting.most is not None, setting.name
            assert setting.least <= setting.default <= setting.most, setting.name


def test_a_mistyped_variable_is_named_with_the_one_meant(monkeypatch) -> None:
    monkeypatch.setenv("ICTKG_QUERY_TIMOUT", "5")
    with pytest.raises(SettingError) as refused:
        create_app({"VALIDATE_ON_START": False})
    assert str(refused.value) == (
        "ICTKG_QUERY_TIMOUT is not a setting (did you mean ICTKG_QUERY_TIMEOUT?): "
        "README.md lists them (Settings)"
    )
