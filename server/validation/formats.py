"""A validation :class:`~server.validation.shacl.Report` as text, JSON, JUnit XML or GitHub
commands.

One renderer per audience: ``text`` for people at a terminal (findings grouped by focus node, in
file order, IRIs shortened with the sources' own prefixes), ``json`` for programs (the document
described in README.md, key names stable), ``junit`` for CI dashboards and ``github`` for
GitHub Actions annotations (workflow commands, escaped as GitHub's toolkit does).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from itertools import groupby
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.validation.shacl import Finding, InputError, Report

#: Version of the JSON document; bumped only when a key changes meaning or disappears.
JSON_FORMAT_VERSION = 1

_SEVERITY_ORDER = ("Violation", "Warning", "Info")
_LOCAL_NAME = re.compile(r"[A-Za-z_][\w\-]*")
_GITHUB_LEVEL = {"Violation": "error", "Warning": "warning", "Info": "notice"}


def compact(iri: str | None, prefixes: dict[str, str]) -> str:
    """``prefix:local`` with the longest declared namespace that leaves a plain local name."""
    if iri is None:
        return "-"
    if iri.startswith("_:"):
        return iri
    matches = [
        (len(namespace), prefix)
        for prefix, namespace in prefixes.items()
        if iri.startswith(namespace) and _LOCAL_NAME.fullmatch(iri[len(namespace) :])
    ]
    if not matches:
        return f"<{iri}>"
    prefix = max(matches)[1]
    return f"{prefix}:{iri[len(prefixes[prefix]) :]}"


def _compact_term(term: str | None, prefixes: dict[str, str]) -> str:
    """Shorten an N-Triples term or SPARQL path: every ``<iri>`` in it outside quotes."""
    if term is None:
        return "-"
    if not term.startswith(("<", '"', "^", "(")):
        return compact(term, prefixes)
    quoted = re.match(r'"(?:[^"\\]|\\.)*"', term)
    head, rest = (quoted.group(), term[quoted.end() :]) if quoted else ("", term)
    return head + re.sub(r"<([^>]*)>", lambda m: compact(m.group(1), prefixes), rest)


def location(file: str | None, line: int | None, column: int | None = None) -> str:
    """``file:line[:column]`` as compilers print it, or what is known of it."""
    if file is None:
        return "(no source location)"
    parts = [file] + [str(n) for n in (line, column) if n is not None]
    return ":".join(parts)


def summary(report: Report, fail_on: str) -> str:
    """One line: verdict, counts by severity, files, triples and seconds."""
    counts = report.counts()
    tally = ", ".join(f"{counts[s]} {s.lower()}{'s' if counts[s] != 1 else ''}" for s in counts)
    size = f"{len(report.files)} files, {report.triples} triples, {report.seconds:.2f} s"
    code = report.exit_code(fail_on)
    if code == 2:
        verdict = (
            f"UNUSABLE INPUT ({len(report.errors)} error{'s' if len(report.errors) != 1 else ''})"
        )
    else:
        verdict = "FAIL" if code else "PASS"
    return f"{verdict}: {tally} (fail on {fail_on}); {size}"


def render_text(report: Report, fail_on: str) -> str:
    p = report.prefixes
    out: list[str] = []
    if report.errors:
        out.append("Unusable input:")
        out += [
            f"  {location(e.file, e.line, e.column)}: error: {e.message}" for e in report.errors
        ]
        out.append("")
    lint = [f for f in report.results if f.kind == "lint"]
    if lint:
        # Lint messages name their term or literal; the causes come before the SHACL results.
        out.append("Vocabulary lint:")
        for f in lint:
            out.append(f"  {location(f.file, f.line, f.column)}  {f.severity:<9} {f.message}")
        out.append("")
    shacl = [f for f in report.results if f.kind == "shacl"]
    if shacl:
        out.append("SHACL results, by focus node:")
        for (file, line, focus), group in groupby(shacl, lambda f: (f.file, f.line, f.focus_node)):
            findings = list(group)
            label = f'"{findings[0].focus_label}" ' if findings[0].focus_label else ""
            node = "a blank node" if focus and focus.startswith("_:") else compact(focus, p)
            out.append(f"  {location(file, line)}  {label}{node}")
            for f in findings:
                out.append(f"    {f.severity:<9} {f.message}")
                facts = [
                    f"path {_compact_term(f.path, p)}" if f.path else "",
                    f"value {_compact_term(f.value, p)}" if f.value else "",
                    f"shape {compact(f.source_shape, p)}" if f.source_shape else "",
                    f"({compact(f.constraint, p)})" if f.constraint else "",
                ]
                out.append("              " + "  ".join(x for x in facts if x))
        out.append("")
    engine = [f for f in report.results if f.kind == "engine"]
    if engine:
        out.append("Validator warnings:")
        out += [f"  {f.severity:<9} {f.message}" for f in engine]
        out.append("")
    out.append(summary(report, fail_on))
    return "\n".join(out) + "\n"


def _finding_json(f: Finding) -> dict[str, object]:
    return {
        "kind": f.kind,
        "severity": f.severity,
        "focusNode": f.focus_node,
        "focusLabel": f.focus_label,
        "path": f.path,
        "value": f.value,
        "message": f.message,
        "sourceShape": f.source_shape,
        "constraint": f.constraint,
        "file": f.file,
        "line": f.line,
        "column": f.column,
    }


def _error_json(e: InputError) -> dict[str, object]:
    return {"file": e.file, "line": e.line, "column": e.column, "message": e.message}


def render_json(report: Report, fail_on: str) -> str:
    counts = report.counts()
    document = {
        "formatVersion": JSON_FORMAT_VERSION,
        "conforms": report.exit_code(fail_on) == 0,
        "exitCode": report.exit_code(fail_on),
        "failOn": fail_on,
        "counts": {
            "violation": counts["Violation"],
            "warning": counts["Warning"],
            "info": counts["Info"],
            "error": len(report.errors),
        },
        "files": report.files,
        "triples": report.triples,
        "seconds": round(report.seconds, 3),
        "results": [_finding_json(f) for f in report.results],
        "errors": [_error_json(e) for e in report.errors],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _detail(f: Finding, prefixes: dict[str, str]) -> str:
    """The message, and for SHACL results what it is about, on one line."""
    if f.kind != "shacl":
        return f.message
    label = f' "{f.focus_label}"' if f.focus_label else ""
    facts = [
        f"focus {compact(f.focus_node, prefixes)}{label}",
        f"path {_compact_term(f.path, prefixes)}" if f.path else "",
        f"value {_compact_term(f.value, prefixes)}" if f.value else "",
        f"shape {compact(f.source_shape, prefixes)}" if f.source_shape else "",
    ]
    return f"{f.message} [{', '.join(x for x in facts if x)}]"


def finding_line(f: Finding, prefixes: dict[str, str]) -> str:
    """One finding on one line, ``file:line[:column]: Severity: message [facts]``: JUnit's
    failure text and the server's refusal to start use the same line."""
    return f"{location(f.file, f.line, f.column)}: {f.severity}: {_detail(f, prefixes)}"


def error_line(e: InputError) -> str:
    """One input error on one line, ``file:line:column: message``."""
    return f"{location(e.file, e.line, e.column)}: {e.message}"


def _testcase(
    suite: ET.Element, classname: str, name: str, findings: list[Finding], report: Report, fail_on
) -> None:
    case = ET.SubElement(suite, "testcase", classname=classname, name=name, time="0")
    failing = [f for f in findings if f in report.failing(fail_on)]
    shown = [f for f in findings if f not in failing]
    if failing:
        severities = ", ".join(sorted({f.severity for f in failing}, key=_SEVERITY_ORDER.index))
        failure = ET.SubElement(
            case, "failure", message=f"{len(failing)} finding(s): {severities}", type=severities
        )
        failure.text = "\n".join(finding_line(f, report.prefixes) for f in failing)
    if shown:
        ET.SubElement(case, "system-out").text = "\n".join(
            finding_line(f, report.prefixes) for f in shown
        )


def render_junit(report: Report, fail_on: str) -> str:
    """One testsuite; a testcase per checked file for SHACL and per source for the lint."""
    suite = ET.Element("testsuite", name="ictkg validate", time=f"{report.seconds:.3f}")
    for e in report.errors:
        case = ET.SubElement(suite, "testcase", classname="ictkg.input", name=e.file, time="0")
        error = ET.SubElement(case, "error", message=e.message, type="UnusableInput")
        error.text = error_line(e)
    if not report.errors:
        by_kind = {k: [f for f in report.results if f.kind == k] for k in ("shacl", "lint")}
        for file in report.checked:
            found = [f for f in by_kind["shacl"] if f.file == file]
            _testcase(suite, "ictkg.shacl", file, found, report, fail_on)
        unlocated = [f for f in by_kind["shacl"] if f.file not in report.checked]
        if unlocated:
            _testcase(suite, "ictkg.shacl", "(no source location)", unlocated, report, fail_on)
        for file in report.files:
            found = [f for f in by_kind["lint"] if f.file == file]
            _testcase(suite, "ictkg.vocabulary-lint", file, found, report, fail_on)
        engine = [f for f in report.results if f.kind == "engine"]
        if engine:
            _testcase(suite, "ictkg.engine", "pyshacl", engine, report, fail_on)
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", "0")
    ET.SubElement(suite, "system-out").text = summary(report, fail_on)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def github_escape_data(text: str) -> str:
    """Escape a workflow command's message (``escapeData`` in ``@actions/core`` command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_escape_property(text: str) -> str:
    """Escape a workflow command property (``escapeProperty``: also ``:`` and ``,``)."""
    return github_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_command(level: str, message: str, **properties: object) -> str:
    """``::level key=value,...::message``, omitting properties that are ``None``."""
    props = ",".join(
        f"{key}={github_escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{level}{' ' + props if props else ''}::{github_escape_data(message)}"


def render_github(report: Report, fail_on: str) -> str:
    p = report.prefixes
    out = [
        github_command(
            "error", e.message, file=e.file, line=e.line, col=e.column, title="Unusable input"
        )
        for e in report.errors
    ]
    for f in report.results:
        level = _GITHUB_LEVEL.get(f.severity, "error")
        if f.kind == "shacl":
            title = f"SHACL {f.severity}: {compact(f.source_shape or f.constraint, p)}"
        elif f.kind == "lint":
            title = f"Vocabulary lint: {(f.constraint or 'lint:').removeprefix('lint:')}"
        else:
            title = "Validator warning"
        out.append(
            github_command(
                level, _detail(f, p), file=f.file, line=f.line, col=f.column, title=title
            )
        )
    out.append(summary(report, fail_on))
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[Report, str], str]] = {
    "text": render_text,
    "json": render_json,
    "junit": render_junit,
    "github": render_github,
}
