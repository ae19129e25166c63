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
import tempfile
from pathlib import Path

import pytest
import requests
from support import free_port, serving

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
        [
            "ICTKG_QUERY_TIMEOUT='soon'",
            "QUERY_TIMEOUT must be a number from 0.001 to 86,400 seconds",
        ],
    ),
    "negative query timeout (option)": (
        ["--query-timeout", "-1"],
        {},
        None,
        ["--query-timeout=-1.0 is not allowed", "QUERY_TIMEOUT must be a number from 0.001"],
    ),
    "zero query workers": (
        [],
        {"ICTKG_QUERY_WORKERS": "0"},
        None,
        ["ICTKG_QUERY_WORKERS='0'", "QUERY_WORKERS must be an integer from 1 to 64"],
    ),
    "fractional row limit": (
        [],
        {"ICTKG_RESULT_ROW_LIMIT": "2.5"},
        None,
        ["ICTKG_RESULT_ROW_LIMIT='2.5'", "RESULT_ROW_LIMIT must be an integer"],
    ),
    "flag that is not a boolean": (
        [],
        {"ICTKG_VALIDATE_ON_START": "maybe"},
        None,
        ["ICTKG_VALIDATE_ON_START='maybe'", "VALIDATE_ON_START must be true or false"],
    ),
    "list page size zero (issue 12: every list page answered 500)": (
        [],
        {"ICTKG_LIST_PAGE_SIZE": "0"},
        None,
        ["ICTKG_LIST_PAGE_SIZE='0'", "LIST_PAGE_SIZE must be an integer from 1 to 10,000"],
    ),
    "negative cache size": (
        [],
        {"ICTKG_RESPONSE_CACHE_BYTES": "-1"},
        None,
        ["ICTKG_RESPONSE_CACHE_BYTES='-1'", "must be an integer from 0 to"],
    ),
    "niceness out of range": (
        [],
        {"ICTKG_QUERY_WORKER_NICE": "20"},
        None,
        ["ICTKG_QUERY_WORKER_NICE='20'", "from 0 to 19"],
    ),
    "exposed headers not a list": (
        [],
        {"ICTKG_CORS_EXPOSE_HEADERS": "X-One"},
        None,
        ["ICTKG_CORS_EXPOSE_HEADERS='X-One'", "a JSON list of texts"],
    ),
    "licence that is not a URL": (
        [],
        {"ICTKG_DATASET_LICENSE": "CC-BY"},
        None,
        ["ICTKG_DATASET_LICENSE='CC-BY'", "DATASET_LICENSE must be an http(s) URL"],
    ),
    "a mistyped variable": (
        [],
        {"ICTKG_LIST_PAGE_SIZ": "20"},
        None,
        ["ICTKG_LIST_PAGE_SIZ is not a setting (did you mean ICTKG_LIST_PAGE_SIZE?)"],
    ),
    "base IRI that is not http": (
        ["--base-iri", "ftp://example.org/ft/"],
        {},
        None,
        ["--base-iri='ftp://example.org/ft/'", "BASE_IRI must be an http(s) IRI"],
    ),
    "remote endpoint that is not a URL": (
        ["--sparql-endpoint", "oxigraph"],
        {},
        None,
        ["--sparql-endpoint='oxigraph'", "SPARQL_ENDPOINT must be an http(s) URL"],
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


def test_a_good_start_passes_every_check(dataset) -> None:
    """The control row: the same command on the intact fixture starts and answers."""
    port = free_port()
    command = [str(BIN / "ictkg"), "serve", "--base-iri", BASE, "--port", str(port)]
    for name in ("ontology", "data", "shapes"):
        command += [f"--{name}", str(dataset / name)]
    env = {**os.environ, "ICTKG_VALIDATE_ON_START": "true"}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")

        root = f"http://127.0.0.1:{port}/"
        with serving(
            process,
            lambda: requests.get(root + "health", timeout=2).status_code == 200,
            "ictkg serve",
            60,
            message=lambda: f"ictkg serve did not start:\n{output()}",
            group=False,
        ):
            assert requests.get(root + "health", timeout=10).json()["status"] == "ok"
        assert "Traceback" not in output()


@pytest.mark.parametrize("server", [["--server", "granian"], ["--server", "gunicorn"], ["--dev"]])
def test_a_bad_setting_stops_every_server(dataset, server) -> None:
    """The settings are checked before a server is chosen: the same line under each of them."""
    command = [str(BIN / "ictkg"), "serve", "--port", str(free_port()), *server]
    for name in ("ontology", "data", "shapes"):
        command += [f"--{name}", str(dataset / name)]
    env = {**os.environ, "ICTKG_QUERY_TIMEOUT": "abc"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: ICTKG_QUERY_TIMEOUT='abc' is not allowed: "
        "QUERY_TIMEOUT must be a number from 0.001 to 86,400 seconds"
    ]
    assert "Traceback" not in done.stdout


def test_settings_reach_the_server_parsed() -> None:
    """``ICTKG_VALIDATE_ON_START=off`` means false everywhere, not a non-empty (true) string."""
    from server.serving.serve import check_settings, settings

    config = settings({"QUERY_TIMEOUT": 3})
    config.update({"VALIDATE_ON_START": "off", "RESULT_ROW_LIMIT": "20"})
    check_settings(config, {"QUERY_TIMEOUT": 3})
    assert config["VALIDATE_ON_START"] is False
    assert config["RESULT_ROW_LIMIT"] == 20
    assert config["QUERY_TIMEOUT"] == 3.0
