"""``ictkg validate`` never shows a traceback, whatever the data file holds (issue 12).

Hypothesis writes a data file -- random bytes, or near-valid Turtle: prefixes with misspelt
namespaces, literals with random lexical forms and XSD datatypes, and random cuts and insertions
-- beside the small fixture ontology and shapes, and runs the real command in-process (click's
CliRunner). The exit status is one of the three documented ones, nothing is printed as a
traceback, no library logs a warning (rdflib logs ill-typed literals with a traceback, which a
terminal shows on stderr; under pytest the records go to pytest's log capture instead, so they
are collected here with a handler), and the validator's own last-resort message
(``server.validation.INTERNAL_ERROR``) never appears: that would be a bug the guard hid.
Examples are derived deterministically (``derandomize``), so the test is reproducible.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TESTS

from server.cli import main
from server.validation.shacl import INTERNAL_ERROR

FIXTURES = TESTS / "fixtures" / "validation"
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NAMESPACES = {
    "bict": "https://w3id.org/belarus-ict/ontology#",
    "ev": "https://w3id.org/belarus-ict/id/event/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "ex": "http://example.org/v#",
}
LOCALS = ["Event", "Summit", "startDate", "endDate", "session", "label", "name", "x", "Evnt", ""]
DATATYPES = [
    "date",
    "dateTime",
    "gYear",
    "gYearMonth",
    "gMonthDay",
    "integer",
    "decimal",
    "double",
    "boolean",
    "byte",
    "duration",
    "string",
    "language",
    "hexBinary",
    "base64Binary",
    "anyURI",
    "unknownType",
]


class Records(logging.Handler):
    """Keeps every log record of warning level and above logged by this thread, the one the
    command runs in. Other threads of the process log on their own: a remote store's refresher
    left by an earlier test in the same process warns when its engine has been stopped."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)


def run(data: bytes, suffix: str = ".ttl", fmt: str = "text") -> None:
    records = Records()
    logging.getLogger().addHandler(records)
    try:
        result = invoke(data, suffix, fmt)
    finally:
        logging.getLogger().removeHandler(records)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert INTERNAL_ERROR not in result.output
    assert [r.getMessage() for r in records.records] == []


def invoke(data: bytes, suffix: str, fmt: str):
    with tempfile.TemporaryDirectory() as root:
        directory = Path(root) / "data"
        directory.mkdir()
        (directory / f"fuzz{suffix}").write_bytes(data)
        result = CliRunner().invoke(
            main,
            [
                "validate",
                "--ontology",
                str(FIXTURES / "ontology"),
                "--shapes",
                str(FIXTURES / "shapes"),
                "--data",
                str(directory),
                "--format",
                fmt,
            ],
        )
    return result


def mutated(text: str) -> st.SearchStrategy[str]:
    """``text``, or with one character dropped, changed in case, or a scheme swapped."""
    edits = [st.just(text), st.just(text.upper()), st.just(text.replace("https:", "http:"))]
    if text:
        edits.append(st.integers(0, len(text) - 1).map(lambda i: text[:i] + text[i + 1 :]))
        edits.append(st.just(text.rstrip("#/")))
    return st.one_of(edits)


#: Every prefix is declared, each one at times with a misspelt namespace.
prefix_lines = st.tuples(
    *(
        st.one_of(st.just(ns), st.just(ns), mutated(ns)).map(lambda n, p=p: f"@prefix {p}: <{n}> .")
        for p, ns in sorted(NAMESPACES.items())
    )
).map(list)
names = st.builds(
    lambda p, local: f"{p}:{local}", st.sampled_from(sorted(NAMESPACES)), st.sampled_from(LOCALS)
)
literals = st.one_of(
    st.builds(
        lambda text, dt: '"{}"^^xsd:{}'.format(text.replace("\\", "").replace('"', ""), dt),
        st.one_of(
            st.text(max_size=12),
            st.from_regex(r"-?[0-9]{1,5}(-[0-9]{1,2}){0,2}(T[0-9:]{0,8})?Z?", fullmatch=True),
        ),
        st.sampled_from(DATATYPES),
    ),
    st.sampled_from(['"x"@en', '"""long\nstring"""', "42", "-1.5e3", "true", "[]", "( 1 2 )"]),
)
statements = st.builds(
    lambda s, p, o: f"{s} {p} {o} .",
    st.one_of(names, st.just("[]"), st.just("_:b")),
    st.one_of(names, st.just("a")),
    st.one_of(names, literals),
)
near_valid = st.builds(
    lambda prefixes, body: "\n".join(prefixes + body) + "\n",
    prefix_lines,
    st.lists(statements, min_size=1, max_size=6),
)


def damaged(document: str) -> st.SearchStrategy[str]:
    """The document as is, cut short, or with random characters inserted."""
    if not document:
        return st.just(document)
    at = st.integers(0, len(document))
    return st.one_of(
        st.just(document),
        at.map(lambda i: document[:i]),
        st.builds(lambda i, junk: document[:i] + junk + document[i:], at, st.text(max_size=4)),
    )


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_give_a_traceback(data):
    run(data)


@FUZZ
@given(near_valid.flatmap(damaged), st.sampled_from(["text", "json", "junit", "github"]))
def test_near_valid_turtle_never_gives_a_traceback(document, fmt):
    run(document.encode("utf-8", "surrogatepass"), fmt=fmt)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.binary(max_size=200))
def test_random_n_triples_never_give_a_traceback(data):
    run(data, suffix=".nt")
