"""Serving uses granian and gunicorn through their documented interfaces only (issue 15).

Private members of a library (``_names``) and subclasses of its classes change between patch
releases without notice. The process-model modules are read as syntax trees: no import of a
name or module starting with ``_`` from granian or gunicorn, no class deriving from one of
theirs, no ``_private`` attribute reached on their objects (or on anything but our own).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).parent.parent / "server"
LIBRARIES = ("granian", "gunicorn")
#: Our own objects, whose private members are ours; ``os._exit`` is the documented way out of
#: a forked child.
OWN = {"self", "cls", "os"}


def serving_modules() -> list[Path]:
    """The modules of the process model: the ``serving`` package (``serve``, its gunicorn
    configuration, reloads) and the query workers' ``workers`` package."""
    return sorted((SERVER / "serving").rglob("*.py")) + sorted((SERVER / "workers").rglob("*.py"))


def problems(source: str) -> list[str]:
    """Each use of a library's private or inherited interface in ``source``, one line each."""
    tree = ast.parse(source)
    found: list[str] = []
    theirs: set[str] = set()  # local names bound to a library module or one of its members

    def library(module: str | None) -> bool:
        return bool(module) and module.split(".")[0] in LIBRARIES

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if library(alias.name):
                    if any(part.startswith("_") for part in alias.name.split(".")):
                        found.append(f"line {node.lineno}: import {alias.name}")
                    theirs.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and library(node.module):
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"line {node.lineno}: from {node.module} import …")
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                theirs.add(alias.asname or alias.name)

    def root(expression: ast.expr) -> str | None:
        while isinstance(expression, ast.Attribute | ast.Call | ast.Subscript):
            expression = (
                expression.value if not isinstance(expression, ast.Call) else expression.func
            )
        return expression.id if isinstance(expression, ast.Name) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if root(base) in theirs:
                    found.append(f"line {node.lineno}: class {node.name}({ast.unparse(base)})")
        elif isinstance(node, ast.Attribute):
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            if private and root(node) not in OWN:
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", serving_modules(), ids=lambda p: p.name)
def test_serving_uses_documented_interfaces_only(path: Path) -> None:
    assert problems(path.read_text()) == []


def test_there_is_something_to_check() -> None:
    assert SERVER / "serving" / "serve.py" in serving_modules()
    assert any("granian" in path.read_text() for path in serving_modules())
    assert any("gunicorn" in path.read_text() for path in serving_modules())


PRIVATE_USES = {
    # What serve.py did before (issue 15): each must be caught.
    "a private module": ("from granian._granian import ListenerSpec", 1),
    "a private name": ("from gunicorn.util import _setproctitle", 1),
    "a subclass": ("from granian.server.mp import MPServer\nclass P(MPServer): pass", 1),
    "a subclass through the module": (
        "import gunicorn.arbiter\nclass A(gunicorn.arbiter.Arbiter): pass",
        1,
    ),
    "a private member of their object": ("def hook(server):\n    server._stop_workers()", 1),
    "writing a private member": ("def hook(server):\n    server._sfd = 3", 1),
    "our own private member": ("class Mine:\n    def go(self):\n        self._thread = None", 0),
}


@pytest.mark.parametrize(("source", "count"), PRIVATE_USES.values(), ids=PRIVATE_USES.keys())
def test_the_check_catches_private_uses(source: str, count: int) -> None:
    assert len(problems(source)) == count, problems(source)
