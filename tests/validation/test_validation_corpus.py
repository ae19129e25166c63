"""A corpus of broken data, one defect per case, through ``ictkg validate`` in every format.

Each directory of ``tests/validation_corpus/`` is a small data directory (``data/``, and its own
``shapes/`` when the defect is in the shapes) checked against the validation fixtures' ontology
and shapes, with ``expected.json``: the exit status and the exact problems (severity, file,
line, column, message), in the order the report gives them (input errors, then the lint's
causes, then SHACL results). The command runs in the case directory, so files are named as a
maintainer sees them (``data/events.ttl``).

The text format runs the installed ``ictkg`` in a subprocess, as CI does (a traceback would
show there); JSON, JUnit and GitHub run the same command in-process with click's CliRunner.
Each format must carry every expected problem at its place, and nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import TESTS

from server.cli import main
from server.validation.formats import github_escape_data

CORPUS = TESTS / "validation_corpus"
FIXTURES = TESTS / "fixtures" / "validation"
ICTKG = Path(sys.executable).parent / "ictkg"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "expected.json").is_file())
SUMMARY_START = {0: "PASS: ", 1: "FAIL: ", 2: "UNUSABLE INPUT ("}


def arguments(case: Path, fmt: str) -> list[str]:
    shapes = case / "shapes" if (case / "shapes").is_dir() else FIXTURES / "shapes"
    return [
        "validate",
        *("--ontology", str(FIXTURES / "ontology"), "--shapes", str(shapes)),
        *("--data", "data", "--format", fmt),
    ]


def expected(case: Path) -> tuple[int, list[dict]]:
    document = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return document["exit"], document["problems"]


def where(problem: dict) -> str:
    parts = [problem["file"], problem["line"], problem["column"]]
    return ":".join(str(p) for p in parts if p is not None)


def invoke(case: Path, fmt: str, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(case)
    result = CliRunner().invoke(main, arguments(case, fmt))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_the_corpus_has_one_case_per_defect():
    """Every case directory has its expectations; the names say the defect (NN_defect)."""
    directories = sorted(p for p in CORPUS.iterdir() if p.is_dir())
    assert directories == CASES
    assert len(CASES) >= 20
    assert [p.name[:3] for p in CASES] == [f"{n:02d}_" for n in range(len(CASES))]


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_text_in_a_subprocess(case):
    code, problems = expected(case)
    done = subprocess.run(
        [str(ICTKG), *arguments(case, "text")],
        cwd=case,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == code, done.stdout + done.stderr
    assert done.stderr == ""
    assert "Traceback" not in done.stdout
    lines = done.stdout.splitlines()
    for problem in problems:
        if problem["severity"] == "error":
            line = f"  {where(problem)}: error: {problem['message']}"
        elif problem["column"] is not None:  # a lint finding: location, severity, message
            line = f"  {where(problem)}  {problem['severity']:<9} {problem['message']}"
        else:  # a SHACL result, under its focus node's location
            line = f"    {problem['severity']:<9} {problem['message']}"
            assert any(x.startswith(f"  {where(problem)}  ") for x in lines), done.stdout
        assert line in lines, done.stdout
    assert lines[-1].startswith(SUMMARY_START[code])
    if code != 2:
        assert lines[-1].startswith(f"{SUMMARY_START[code]}{len(problems)} violation")


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_json(case, monkeypatch):
    code, problems = expected(case)
    exit_code, output = invoke(case, "json", monkeypatch)
    assert exit_code == code
    document = json.loads(output)
    assert document["exitCode"] == code
    keys = ("severity", "file", "line", "column", "message")
    found = [{"severity": "error", **{k: e[k] for k in keys[1:]}} for e in document["errors"]]
    found += [{k: r[k] for k in keys} for r in document["results"]]
    assert found == problems


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_junit(case, monkeypatch):
    code, problems = expected(case)
    exit_code, output = invoke(case, "junit", monkeypatch)
    assert exit_code == code
    suite = ET.fromstring(output.encode())
    texts = [
        line
        for element in suite.iter()
        if element.tag in ("failure", "error")
        for line in (element.text or "").splitlines()
    ]
    wanted = [
        f"{where(p)}: {p['message']}"
        if p["severity"] == "error"
        else f"{where(p)}: {p['severity']}: {p['message']}"
        for p in problems
    ]
    assert len(texts) == len(wanted), texts
    for line in wanted:  # SHACL lines go on with what the result is about, in brackets
        assert any(t == line or t.startswith(line + " [") for t in texts), texts
    assert int(suite.get("errors")) == (1 if code == 2 else 0)
    # One test case per file for SHACL results, one per file for lint findings (with a column).
    cases = {(p["column"] is None, p["file"]) for p in problems if code == 1}
    assert int(suite.get("failures")) == len(cases)


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_github(case, monkeypatch):
    code, problems = expected(case)
    exit_code, output = invoke(case, "github", monkeypatch)
    assert exit_code == code
    *annotations, summary = output.splitlines()
    assert summary.startswith(SUMMARY_START[code])
    assert len(annotations) == len(problems), output
    for annotation, problem in zip(annotations, problems, strict=True):
        place = f"file={problem['file']},line={problem['line']}"
        if problem["column"] is not None:
            place += f",col={problem['column']}"
        head, _, message = annotation.partition("::")[2].partition("::")
        assert head.startswith(f"error {place},title="), annotation
        escaped = github_escape_data(problem["message"])
        assert message == escaped or message.startswith(escaped + " ["), annotation
