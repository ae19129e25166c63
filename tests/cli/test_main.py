"""``ictkg`` itself: every command is listed, and each is imported only when it runs."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from server.cli.main import COMMANDS, main

#: Run in a fresh interpreter: which heavy modules a command that stops on a bad option loaded.
PROBE = """
import sys
from server.cli.main import main
try:
    main([{args}])
except SystemExit as stop:
    print(stop.code, "pyshacl" in sys.modules, "flask" in sys.modules)
"""


def test_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)


def probe(*args: str) -> list[str]:
    script = PROBE.format(args=", ".join(repr(a) for a in args))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    return done.stdout.split()


def test_serve_does_not_import_the_validator_to_refuse_an_option():
    status, validator, _web_app = probe("serve", "--query-workers", "0")
    assert (status, validator) == ("2", "False")


def test_load_imports_neither_the_validator_nor_the_web_app():
    assert probe("load", "--into", "not a url") == ["2", "False", "False"]
