"""Installs that fit the command (issue 15): ``make run`` installs the runtime only, ``make
test`` adds the test extra and the programs the tests drive. Read from ``make -n -B`` (what
make would run from nothing, nothing run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent
TEST_ONLY = ("[test]", "chromium", "nginx", "curl", "playwright", "raptor2", "rasqal", "npm")


def planned(target: str) -> str:
    """The commands ``make TARGET`` would run on a fresh checkout."""
    return subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), target],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_installs_the_runtime_only() -> None:
    commands = planned("run")
    assert "pip install --quiet -e ." in commands
    assert [word for word in TEST_ONLY if word in commands] == []


def test_make_test_adds_what_the_tests_need() -> None:
    commands = planned("test")
    for word in ("-e '.[test]'", "chromium", "nginx-light", "curl", "raptor2", "npm", "pytest"):
        assert word in commands
