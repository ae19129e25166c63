"""``ictkg serve`` refuses to start plainly: one line saying what and where, exit status 2.

Issue 6, "Faults": a missing or unreadable data directory, a bad configuration value, data that
does not parse or validate, or a port in use. Status 2 is click's usage-error status, the one
``ictkg validate`` gives for unusable input. Each row starts the real command in a subprocess
and reads its stderr: exactly one line, the expected words in it, no traceback.

As root, permission bits do not stop reading; the unreadable-directory row runs the command
through util-linux's ``setpriv`` without the capabilities that override them
(``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``), so the kernel refuses as it would a user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import free_port

FAULTS = Path(__file__).parent / "fixtures" / "faults"
BIN = Path(sys.executable).parent
BASE = "https://example.org/ft/"
#: Without the capabilities that let root read anything (see the module docstring).
UNPRIVILEGED = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


@pytest.fixture
def dataset(tmp_path) -> Path:
    for name in ("ontology", "data", "shapes"):
        shutil.copytree(FAULTS / name, tmp_path / name)
    return tmp_path


def occupied_port():
    """A port some other program listens on (the socket stays open while the test runs)."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    return taken


def unreadable(path: Path) -> None:
    path.chmod(0)


# id: (options after the directories, environment, change to the dataset, words in the line)
ROWS = {
    "missing data directory (--data)": (
        ["--data", "{root}/nowhere"],
        {},
        None,
        ["DATA_DIR from --data", "nowhere does not exist"],
    ),
    "missing data directory (ICTKG_DATA_DIR)": (
        [],
        {"ICTKG_DATA_DIR": "{root}/nowhere"},
        "no --data",
        ["DATA_DIR from ICTKG_DATA_DIR", "does not exist"],
    ),
    "data directory is a file": (
        ["--data", "{root}/data/a.ttl"],
        {},
        None,
        ["DATA_DIR from --data", "a.ttl is not a directory"],
    ),
    "unreadable data directory (mode 000)": (
        [],
        {},
        lambda root: unreadable(root / "data"),
        ["DATA_DIR from --data", "cannot be read"],
    ),
    "unreadable data file (a dangling link)": (
        [],
        {},
        lambda root: (root / "data" / "c.ttl").symlink_to(root / "gone.ttl"),
        ["DATA_DIR from --data", "c.ttl cannot be read"],
    ),
    "missing shapes directory": (
        ["--shapes", "{root}/no-shapes"],
        {},
        None,
        ["SHAPES_DIR from --shapes", "does not exist"],
    ),
    "query timeout not a number (environment)": (
        [],
        {"ICTKG_QUERY_TIMEOUT": "soon"},
        None,
        ["QUERY_TIMEOUT from ICTKG_QUERY_TIMEOUT", "must be a number", "'soon'"],
    ),
    "negative query timeout (option)": (
        ["--query-timeout", "-1"],
        {},
        None,
        ["QUERY_TIMEOUT from --query-timeout", "must be a number"],
    ),
    "zero query workers": (
        [],
        {"ICTKG_QUERY_WORKERS": "0"},
        None,
        ["QUERY_WORKERS from ICTKG_QUERY_WORKERS", "must be an integer >= 1"],
    ),
    "fractional row limit": (
        [],
        {"ICTKG_RESULT_ROW_LIMIT": "2.5"},
        None,
        ["RESULT_ROW_LIMIT from ICTKG_RESULT_ROW_LIMIT", "integer"],
    ),
    "flag that is not a boolean": (
        [],
        {"ICTKG_VALIDATE_ON_START": "maybe"},
        None,
        ["VALIDATE_ON_START from ICTKG_VALIDATE_ON_START", "true or false"],
    ),
    "base IRI that is not http": (
        ["--base-iri", "ftp://example.org/ft/"],
        {},
        None,
        ["BASE_IRI from --base-iri", "http(s) IRI"],
    ),
    "remote endpoint that is not a URL": (
        ["--sparql-endpoint", "oxigraph"],
        {},
        None,
        ["SPARQL_ENDPOINT from --sparql-endpoint", "http(s) URL"],
    ),
    "port in use": (
        ["--port", "{busy}"],
        {},
        None,
        ["cannot listen on 127.0.0.1:{busy}", "address already in use"],
    ),
    "--watch with a remote store": (
        ["--watch", "--sparql-endpoint", "http://127.0.0.1:9/query"],
        {},
        None,
        ["--watch", "--sparql-endpoint"],
    ),
    "data that does not parse": (
        [],
        {},
        lambda root: shutil.copy(FAULTS / "broken" / "b.ttl", root / "data" / "b.ttl"),
        ["the data cannot be served", "b.ttl:7:", "Unexpected end of file"],
    ),
    "data that does not conform to the shapes": (
        [],
        {"ICTKG_VALIDATE_ON_START": "true"},
        lambda root: shutil.copy(FAULTS / "nonconforming" / "b.ttl", root / "data" / "b.ttl"),
        ["the data cannot be served", "b.ttl:5:", "An item needs a label."],
    ),
    # Issue 12: the same messages as ictkg validate (tests/validation_corpus), causes first.
    "data whose ontology namespace is misspelt": (
        [],
        {"ICTKG_VALIDATE_ON_START": "true"},
        lambda root: shutil.copy(FAULTS / "namespace-typo" / "b.ttl", root / "data" / "b.ttl"),
        [
            "the data cannot be served: ",
            "b.ttl:2:1: Violation: likely typo: prefix ft: <https://example.org/ft/ontolgy#> is "
            "not a known namespace (1 character differs); did you mean "
            "<https://example.org/ft/ontology#> (the project's ontology)?",
        ],
    ),
    "data with an impossible date": (
        [],
        {"ICTKG_VALIDATE_ON_START": "true"},
        lambda root: shutil.copy(FAULTS / "ill-typed" / "b.ttl", root / "data" / "b.ttl"),
        [
            "the data cannot be served: ",
            'b.ttl:7:45: Violation: "2009-02-30" is not a valid xsd:date (February 2009 has 28 '
            'days); a valid xsd:date is YYYY-MM-DD with an optional time zone, e.g. "2009-11-27"',
        ],
    ),
}


@pytest.mark.parametrize(
    ("options", "environment", "change", "words"), ROWS.values(), ids=ROWS.keys()
)
def test_start_up_error_is_one_line_and_exit_2(
    dataset, options, environment, change, words
) -> None:
    busy = occupied_port()
    fill = {"root": str(dataset), "busy": str(busy.getsockname()[1])}
    directories = [
        *("--ontology", str(dataset / "ontology"), "--shapes", str(dataset / "shapes")),
        *([] if change == "no --data" else ["--data", str(dataset / "data")]),
    ]
    command = [str(BIN / "ictkg"), "serve", "--base-iri", BASE, *directories]
    command += [o.format(**fill) for o in options]
    if "--port" not in options:
        command += ["--port", str(free_port())]
    if callable(change):
        change(dataset)
    if os.geteuid() == 0:
        command = UNPRIVILEGED + command
    env = {**os.environ, "ICTKG_VALIDATE_ON_START": "false"}
    env.update({k: v.format(**fill) for k, v in environment.items()})
    start = time.monotonic()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        busy.close()
        (dataset / "data").chmod(0o755)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word.format(**fill) in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert time.monotonic() - start < 30


def test_a_good_start_passes_every_check(dataset) -> None:
    """The control row: the same command on the intact fixture starts and answers."""
    port = free_port()
    command = [str(BIN / "ictkg"), "serve", "--base-iri", BASE, "--port", str(port)]
    for name in ("ontology", "data", "shapes"):
        command += [f"--{name}", str(dataset / name)]
    env = {**os.environ, "ICTKG_VALIDATE_ON_START": "true"}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        assert process.poll() is None, process.communicate()[0]
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "Traceback" not in output
