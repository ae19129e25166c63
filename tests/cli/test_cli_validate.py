"""``ictkg validate`` as CI runs it: exit codes, options, outputs.

A few rows run the installed command in a subprocess (what CI really does, tracebacks included
if any); the rest use click's CliRunner, which runs the same command in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import ROOT, TESTS

from server.cli.main import main
from server.config import DEFAULTS
from server.validation.shacl import display_path

FIXTURES = TESTS / "fixtures" / "validation"
ICTKG = Path(sys.executable).parent / "ictkg"


def args(data: str, *extra: str, ontology: str = "ontology", shapes: str = "shapes") -> list[str]:
    return [
        "validate",
        "--ontology",
        str(FIXTURES / ontology),
        "--data",
        str(FIXTURES / "data" / data),
        "--shapes",
        str(FIXTURES / shapes),
        *extra,
    ]


def located(relative: str, line: int, column: int | None = None) -> str:
    suffix = f":{column}" if column is not None else ""
    return f"{display_path(FIXTURES / relative)}:{line}{suffix}"


SUBPROCESS_CASES = [
    pytest.param("conforming", 0, ["PASS: 0 violations"], id="conforming-exits-0"),
    pytest.param(
        "violation",
        1,
        [located("data/violation/events.ttl", 8), '"Connect CIS Summit"', "FAIL: 2 violations"],
        id="violation-exits-1-with-file-line-and-label",
    ),
    pytest.param(
        "broken",
        2,
        [
            located("data/broken/events.ttl", 10, 5),
            "The prefix dc: has not been declared",
            "UNUSABLE INPUT",
        ],
        id="broken-turtle-exits-2-with-position-and-parser-message",
    ),
    pytest.param("does-not-exist", 2, ["data directory not found"], id="missing-directory-exits-2"),
]


@pytest.mark.parametrize(("data", "code", "expected"), SUBPROCESS_CASES)
def test_command_in_a_subprocess(data, code, expected):
    done = subprocess.run(
        [str(ICTKG), *args(data)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == code, done.stdout + done.stderr
    for text in expected:
        assert text in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


FAIL_ON_CASES = [
    pytest.param("warning", [], 0, id="warning-passes-by-default"),
    pytest.param("warning", ["--fail-on", "warning"], 1, id="warning-fails-with-fail-on-warning"),
    pytest.param("info", ["--fail-on", "warning"], 0, id="info-passes-with-fail-on-warning"),
    pytest.param("info", ["--fail-on", "info"], 1, id="info-fails-with-fail-on-info"),
    pytest.param("violation", ["--fail-on", "info"], 1, id="violation-fails-with-fail-on-info"),
    pytest.param("undeclared", [], 1, id="lint-finding-is-a-violation"),
]


@pytest.mark.parametrize(("data", "extra", "code"), FAIL_ON_CASES)
def test_fail_on(data, extra, code):
    result = CliRunner().invoke(main, args(data, *extra))
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_warnings_are_printed_even_when_they_do_not_fail():
    result = CliRunner().invoke(main, args("warning"))
    assert "Warning   An event should have a description." in result.output
    assert result.output.splitlines()[-1].startswith("PASS: 0 violations, 1 warning, 0 infos")


USAGE_CASES = [
    pytest.param(["--format", "xml"], "Invalid value for '--format'", id="unknown-format"),
    pytest.param(["--fail-on", "error"], "Invalid value for '--fail-on'", id="unknown-fail-on"),
    pytest.param(["--colour"], "No such option", id="unknown-option"),
]


@pytest.mark.parametrize(("extra", "message"), USAGE_CASES)
def test_bad_options_exit_2(extra, message):
    result = CliRunner().invoke(main, args("conforming", *extra))
    assert result.exit_code == 2
    assert message in result.output


def test_empty_directory_exits_2_with_a_clear_message(tmp_path):
    result = CliRunner().invoke(main, [*args("conforming"), "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{display_path(tmp_path)}: error: no RDF files (*.ttl, *.nt) in the data directory" in (
        result.output
    )


def test_unwritable_output_exits_2(tmp_path):
    target = tmp_path / "missing-dir" / "report.json"
    result = CliRunner().invoke(main, args("conforming", "--output", str(target)))
    assert result.exit_code == 2
    assert "cannot write" in result.output


FORMAT_CASES = [
    pytest.param("json", id="json"),
    pytest.param("junit", id="junit"),
    pytest.param("github", id="github"),
    pytest.param("text", id="text"),
]


@pytest.mark.parametrize("fmt", FORMAT_CASES)
def test_output_file_holds_the_report_and_stdout_the_summary(tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(main, args("violation", "--format", fmt, "--output", str(target)))
    assert result.exit_code == 1
    assert result.output.startswith("FAIL: 2 violations")
    assert len(result.output.splitlines()) == 1
    written = target.read_text(encoding="utf-8")
    if fmt == "json":
        assert json.loads(written)["counts"]["violation"] == 2
    elif fmt == "junit":
        assert ET.fromstring(written.encode()).get("failures") == "1"
    elif fmt == "github":
        assert written.startswith(f"::error file={display_path(FIXTURES / 'data/violation')}")
    else:
        assert located("data/violation/events.ttl", 13) in written


def test_json_on_stdout_parses():
    result = CliRunner().invoke(main, args("sparql", "--format", "json"))
    document = json.loads(result.output)
    assert document["exitCode"] == result.exit_code == 1
    (finding,) = document["results"]
    assert finding["constraint"] == "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"
    assert finding["message"] == "An event cannot end before it starts."


def test_environment_overrides_the_default_directories(monkeypatch):
    monkeypatch.setenv("ICTKG_ONTOLOGY_DIR", str(FIXTURES / "ontology"))
    monkeypatch.setenv("ICTKG_DATA_DIR", str(FIXTURES / "data" / "conforming"))
    monkeypatch.setenv("ICTKG_SHAPES_DIR", str(FIXTURES / "shapes"))
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output


def test_real_project_directories():
    """The command's machinery on the project's own ontology/, data/ and shapes/.

    Whether the data conforms is the data's own test; here the command must give a well-formed
    report whose verdict agrees with its exit code, and name a cause for any unusable input.
    """
    done = subprocess.run(
        [str(ICTKG), "validate", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    assert document["exitCode"] == done.returncode
    directories = [Path(DEFAULTS[k]) for k in ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR")]
    have_files = all(any(d.rglob("*.ttl")) for d in directories if d.is_dir())
    if done.returncode == 2:
        assert document["errors"], document
        assert all(e["file"] and e["message"] for e in document["errors"])
    else:
        assert have_files
        assert document["files"]
        assert document["triples"] > 0
        assert document["conforms"] is (done.returncode == 0)


def test_base_iri_names_the_namespace_the_lint_checks(tmp_path):
    """The same command checks a knowledge graph under another base IRI (issue 3: the publisher
    is not tied to our dataset): its declared terms are known whatever the base IRI, and an
    undeclared one is an unknown namespace's term, or, once --base-iri names the namespace,
    an undeclared project term."""
    base = "https://example.org/kg/"
    prefix = f"@prefix ex: <{base}ontology#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
    for name, body in {
        "ontology": "ex:Thing a owl:Class .\n",
        "data": f"<{base}id/thing/a> a ex:Thign .\n",
        "shapes": "",
    }.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / f"{name}.ttl").write_text(prefix + body, encoding="utf-8")
    dirs = [f"--{name}={tmp_path / name}" for name in ("ontology", "data", "shapes")]

    elsewhere = CliRunner().invoke(main, ["validate", *dirs])
    assert elsewhere.exit_code == 1, elsewhere.output
    assert (
        f"{base}ontology#Thign is used as a class or property, but its namespace {base}ontology# "
        "is neither the ontology's nor a known vocabulary's"
    ) in elsewhere.output
    assert f"{base}ontology#Thing" not in elsewhere.output

    ours = CliRunner().invoke(main, ["validate", *dirs, "--base-iri", base])
    assert ours.exit_code == 1, ours.output
    assert f"{base}ontology#Thign is used but not declared in the ontology" in ours.output


def test_the_same_content_is_validated_once_per_process(tmp_path, monkeypatch):
    """The formats of one content (a test of every format, a server's start then its
    ``/validation`` page) share one run of the validator; a changed file is validated again."""
    from server.validation import shacl

    runs = []
    real = shacl.validate
    monkeypatch.setattr(shacl, "validate", lambda *a, **k: runs.append(a) or real(*a, **k))
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "data" / "conforming", data)
    options = ["--data", str(data), "--ontology", str(FIXTURES / "ontology")]
    options += ["--shapes", str(FIXTURES / "shapes")]
    for fmt in ("text", "json", "junit", "github"):
        assert CliRunner().invoke(main, ["validate", *options, "--format", fmt]).exit_code == 0
    assert len(runs) == 1
    victim = sorted(data.glob("*.ttl"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", *options]).exit_code == 0
    assert len(runs) == 2
