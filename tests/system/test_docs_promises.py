"""Every limit and status README.md and SECURITY.md promise, checked against a live server.

Issue 12 point 6: the docs cannot drift. The numbers and statuses are read from the docs' text
(the limits table of SECURITY.md, the "over N … gets S" clauses of README.md, the error and
caching paragraphs), so a changed number is tested as written; a promise this module cannot
classify fails the test rather than going unchecked. Each is checked against a real
``ictkg serve`` on the fault fixture, under granian and under gunicorn, with raw sockets (a
client library would refuse or rewrite an over-long request). Rows whose effect is a timing or a
process (a worker killed, a store that stops) name the test that checks them live; their numbers
are compared with the code here.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pytest
from fault_support import copy_faults_dataset, served
from support import ROOT

from server.config import BY_NAME, DEFAULTS
from server.serving.serve import HEAD_LIMIT, granian_options, gunicorn_options

SERVERS = ("granian", "gunicorn")
QUERY_TIMEOUT = 2  # the live servers' (the documented default is compared with the code)
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . "
    "?p ?q ?r . ?s ?t ?u }"
)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def text_of(name: str) -> str:
    """A document with its lines joined (a sentence may wrap) and thin spaces plain."""
    text = (ROOT / name).read_text(encoding="utf-8").replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"[ \t]*\n[ \t]*(?![|\n-])", " ", text)


def number(text: str) -> int:
    """``65 536`` / ``8,190`` / ``64`` as an integer."""
    return int(re.sub(r"[ ,]", "", text))


UNITS = {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def amount(text: str) -> int | None:
    """The amount a cell starts with (``64 MiB`` is 67 108 864), ``None`` if it starts otherwise."""
    match = re.match(r"(\d[\d ,]*\d|\d)\s*(KiB|MiB|GiB)?\b", text)
    return number(match[1]) * UNITS.get(match[2], 1) if match else None


# --- the promises, as the docs state them -------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """``what`` over ``limit`` gets ``status`` under ``servers`` (``source`` quotes the docs)."""

    source: str
    what: str
    limit: int
    status: int | None
    servers: tuple[str, ...]


#: What a promise is about, from the words the docs use (first match wins).
KINDS = (
    (r"MAX_QUERY_LENGTH|query text", "query"),
    (r"MAX_CONTENT_LENGTH|request body|request bodies", "body"),
    (r"request target", "target"),
    (r"request line and headers", "head"),
    (r"request line", "line"),
    (r"header line", "field"),
    (r"header fields", "fields"),
    (r"QUERY_TIMEOUT", "timeout"),
    (r"RESULT_ROW_LIMIT", "rows"),
)
#: Rows checked live elsewhere (a process or a timing): the test that does.
ELSEWHERE = {
    "QUERY_WORKERS": (
        "tests/workers/test_sparql_safety.py::test_a_full_pool_answers_busy_within_the_limit"
    ),
    "QUERY_WORKER_NICE": (
        "tests/workers/test_sparql_safety.py::test_one_runaway_query_does_not_stall_other_clients"
    ),
    "QUERY_WORKER_MEMORY": (
        "tests/workers/test_sparql_safety.py::"
        "test_a_worker_that_made_the_store_its_own_is_replaced_after_its_answer"
    ),
    "REMOTE_TIMEOUT": (
        "tests/serving/test_faults.py::test_the_remote_store_going_down_and_coming_back"
    ),
    "RESPONSE_CACHE_BYTES": "tests/http/test_cache.py",
    # Compared with the options the server is started with (test_documented_defaults_are_the_code).
    "time to send the request headers": "code",
    "old workers after a reload": "code",
    "gunicorn worker `timeout`": "code",
}


#: A promised status, with the method it is for ("414 in a GET").
STATUS = r"\b([45]\d\d)\b(?: in a (GET|POST))?"


def without_asides(text: str) -> str:
    """The text without its parentheses: a condition or example there is not the promise."""
    return re.sub(r"\([^)]*\)", "", text)


def kind_of(what: str) -> str | None:
    return next((kind for pattern, kind in KINDS if re.search(pattern, what, re.I)), None)


def servers_of(text: str) -> tuple[str, ...]:
    named = tuple(s for s in SERVERS if s in text)
    return named or SERVERS


def security_rows() -> list[tuple[str, str, str]]:
    """The limits table of SECURITY.md: (limit, default, what happens past it)."""
    text = text_of("SECURITY.md")
    section = text.split("## Limits and their defaults", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("limit", "---") and not cells[0].startswith("-"):
            rows.append((cells[0], cells[1], cells[2]))
    assert len(rows) >= 10, "SECURITY.md: the limits table was not found"
    return rows


def security_promises() -> list[Promise]:
    promises = []
    for what, default, past in security_rows():
        if any(key in what for key in ELSEWHERE):
            continue
        kind = kind_of(what)
        assert kind, f"SECURITY.md row no test checks: {what!r}"
        limit = amount(default)
        statuses = re.findall(STATUS, without_asides(past))
        servers = servers_of(what)
        if not statuses:
            promises.append(Promise(f"SECURITY.md: {what} | {past}", kind, limit, None, servers))
        for status, method in statuses:
            detail = f"{kind}-{method.lower()}" if method else kind
            promises.append(
                Promise(f"SECURITY.md: {what} | {past}", detail, limit, int(status), servers)
            )
    return promises


#: "<what> over <N> <unit> gets <status> [in a GET] [under <server>]" and "more than N …".
OVER = re.compile(
    r"(?P<what>[A-Za-z`_ ]+?) over (?P<n>\d[\d ,]*) (?:characters|bytes|KiB)"
    r"(?P<rest>[^;.]*?\b[45]\d\d\b[^;.]*)"
)
MORE = re.compile(r"more than (?P<n>\d[\d ,]*) (?P<what>header fields) (?P<rest>[^;.]*)")


def readme_promises() -> list[Promise]:
    text = text_of("README.md")
    promises = []
    for match in [*OVER.finditer(text), *MORE.finditer(text)]:
        what, rest = match["what"], match["rest"]
        kind = kind_of(what)
        assert kind, f"README.md promise no test checks: {match.group()!r}"
        servers = servers_of(rest)
        for status, method in re.findall(STATUS, without_asides(rest)):
            detail = f"{kind}-{method.lower()}" if method else kind
            promises.append(
                Promise(
                    f"README.md: {match.group()}", detail, number(match["n"]), int(status), servers
                )
            )
    assert len(promises) >= 5, "README.md: the limits were not found"
    return promises


PROMISES = security_promises() + readme_promises()


def test_the_docs_were_read() -> None:
    """Each kind of limit is promised somewhere, so a reworded doc cannot hide one."""
    kinds = {p.what.split("-")[0] for p in PROMISES}
    assert kinds >= {"query", "body", "target", "line", "head", "field", "fields", "timeout"}


def test_documented_defaults_are_the_code() -> None:
    """The default each row states is the one the code has."""
    for what, default, _ in security_rows():
        setting = re.match(r"`([A-Z_]+)`", what)
        if setting and setting.group(1) in BY_NAME:
            assert BY_NAME[setting.group(1)].default == amount(default), what
    granian = granian_options("127.0.0.1", 8000, 1, 1, {**DEFAULTS, "QUERY_TIMEOUT": 10})
    gunicorn = gunicorn_options("127.0.0.1", 8000, 1, 1, {**DEFAULTS, "QUERY_TIMEOUT": 10})
    table = {what: amount(default) for what, default, _ in security_rows()}
    expected = {
        "request line and headers together": HEAD_LIMIT,
        "request line, gunicorn": gunicorn["limit_request_line"],
        "header line with its CRLF, gunicorn": gunicorn["limit_request_field_size"],
        "header fields, granian and gunicorn": gunicorn["limit_request_fields"],
        "time to send the request headers": granian["http1_settings"].header_read_timeout // 1000,
        "old workers after a reload": granian["workers_kill_timeout"],
    }
    for prefix, value in expected.items():
        rows = [n for what, n in table.items() if what.startswith(prefix)]
        assert rows == [value], prefix
    (timeout,) = [d for what, d, _ in security_rows() if what.startswith("gunicorn worker")]
    assert timeout == "max(30 s, 3 \N{MULTIPLICATION SIGN} `QUERY_TIMEOUT`)"
    for query_timeout, worker_timeout in ((5, 30), (10, 30), (20, 60)):
        options = gunicorn_options(
            "127.0.0.1", 8000, 1, 1, {**DEFAULTS, "QUERY_TIMEOUT": query_timeout}
        )
        assert options["timeout"] == worker_timeout


@pytest.mark.parametrize("key", ELSEWHERE)
def test_rows_checked_elsewhere_name_a_real_test(key) -> None:
    path, _, name = ELSEWHERE[key].partition("::")
    if path == "code":
        return
    source = (ROOT / path).read_text(encoding="utf-8")
    if name:
        assert f"def {name}(" in source


# --- the live servers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """A live ``ictkg serve`` under each server, both up for the whole module (started once)."""
    root = copy_faults_dataset(tmp_path_factory.mktemp("promises"))
    options = ("--workers", "1", "--threads", "4", "--query-timeout", str(QUERY_TIMEOUT))
    with contextlib.ExitStack() as stack:
        found = {}
        for server in SERVERS:
            log = tmp_path_factory.mktemp(f"promises-{server}") / "log"
            served_here = served(*options, "--server", server, dataset=root, log=log)
            found[server] = stack.enter_context(served_here).root
        yield found


@pytest.fixture(params=SERVERS)
def live(request, roots) -> tuple[str, str]:
    return request.param, roots[request.param]


def exchange(root: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers (lower-case names) and body."""
    address = urlsplit(root)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(data)
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:  # the server closed with request bytes still unread
            pass
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def request(target: bytes, headers: list[bytes] = (), method: bytes = b"GET", body=b"") -> bytes:
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: x", *headers]
    if body:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join([*lines, b"Connection: close", b"", b""]) + body


def target_of(size: int) -> bytes:
    """A request target of exactly ``size`` bytes (a query of unreserved characters)."""
    start = b"/sparql?query="
    return start + b"a" * (size - len(start))


def head_of(size: int) -> bytes:
    """A GET of /health whose request line and headers are ``size`` bytes in all."""
    fields = []
    data = request(b"/health", fields)
    while len(data) + 8010 < size:
        fields.append(b"X-Big-%02d: " % len(fields) + b"b" * 8000)
        data = request(b"/health", fields)
    fields.append(b"X-Pad: ")
    pad = size - len(request(b"/health", fields))
    fields[-1] += b"p" * pad
    data = request(b"/health", fields)
    assert len(data) == size
    return data


def probes(promise: Promise) -> list[tuple[bytes, int | None, bool]]:
    """Requests for a promise: (bytes, status, whether the status must be it or must not be).

    Over the limit, the promised status; at the limit, anything but it (so the number itself
    is checked, not only the status), where the request at the limit is a valid one.
    """
    n = promise.limit
    if promise.what == "query-get":
        return [(request(b"/sparql?query=" + b"a" * (n + 1)), promise.status, True)]
    if promise.what == "query-post":
        form = [b"Content-Type: application/x-www-form-urlencoded"]
        over = request(b"/sparql", form, b"POST", b"query=" + b"a" * (n + 1))
        at = request(
            b"/sparql", form, b"POST", b"query=" + quote("ASK {}" + " " * (n - 6)).encode()
        )
        return [(over, promise.status, True), (at, promise.status, False)]
    if promise.what == "body":
        kind = [b"Content-Type: application/sparql-query"]
        return [
            (request(b"/sparql", kind, b"POST", b"ASK {}" + b" " * (n - 5)), promise.status, True)
        ]
    if promise.what == "target":
        return [
            (request(target_of(n + 1)), promise.status, True),
            (request(target_of(n)), promise.status, False),
        ]
    if promise.what == "line":
        # The line is "GET <target> HTTP/1.1": 13 bytes around the target.
        return [
            (request(target_of(n + 1 - 13)), promise.status, True),
            (request(target_of(n - 13)), promise.status, False),
        ]
    if promise.what == "head":
        return [
            (head_of(n + 1), promise.status, True),
            (head_of(n - 1), promise.status, False),
            (request(target_of(n + 1)), promise.status, True),  # however long the target
        ]
    if promise.what == "field":
        # "X-Long: <value>\r\n" of n bytes at the limit; Host and Connection are short.
        field = lambda size: b"X-Long: " + b"l" * (size - len(b"X-Long: ") - 2)  # noqa: E731
        return [
            (request(b"/health", [field(n + 1)]), promise.status, True),
            (request(b"/health", [field(n)]), promise.status, False),
        ]
    if promise.what == "fields":
        # Host and Connection are two of them.
        many = lambda count: [b"X-Many-%d: x" % i for i in range(count - 2)]  # noqa: E731
        return [
            (request(b"/health", many(n + 1)), promise.status, True),
            (request(b"/health", many(n)), promise.status, False),
        ]
    raise AssertionError(f"no probe for {promise}")


LIVE = [p for p in PROMISES if p.what not in ("timeout", "rows")]


#: Each promise under each server it names (the other server's bounds are its own rows).
CASES = [(server, p) for p in LIVE for server in p.servers]


@pytest.mark.parametrize(
    ("server", "promise"),
    CASES,
    ids=[f"{server}-{p.what}-{p.status}-{p.source.split(':')[0]}" for server, p in CASES],
)
def test_limits_answer_the_documented_status(roots, server, promise) -> None:
    root = roots[server]
    for data, status, must in probes(promise):
        got, _, body = exchange(root, data)
        if must:
            assert got == status, f"{promise.source}: {got} {body[:200]!r}"
        else:
            assert got != status, f"{promise.source}: at the limit, {got}"


def test_the_time_limit_answers_the_documented_status(live) -> None:
    _, root = live
    statuses = {p.status for p in PROMISES if p.what == "timeout"}
    assert statuses == {503}, statuses
    got, _, body = exchange(root, request(b"/sparql?query=" + quote(RUNAWAY).encode()))
    assert got == 503, body[:200]
    assert str(QUERY_TIMEOUT) in body.decode()


def test_results_are_cut_at_the_documented_row_limit(live) -> None:
    _, root = live
    (limit,) = {p.limit for p in PROMISES if p.what == "rows"}
    query = quote("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }").encode()
    got, headers, body = exchange(
        root, request(b"/sparql?query=" + query, [b"Accept: application/sparql-results+json"])
    )
    assert got == 200
    assert headers["x-ictkg-result-truncated"] == "true"
    assert headers["x-ictkg-result-row-limit"] == str(limit)
    assert len(json.loads(dechunk(body, headers))["results"]["bindings"]) == limit


def dechunk(body: bytes, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding") != "chunked":
        return body
    out, rest = b"", body
    while rest:
        size, _, rest = rest.partition(b"\r\n")
        length = int(size, 16)
        if length == 0:
            break
        out, rest = out + rest[:length], rest[length + 2 :]
    return out


# --- errors and caching, as README.md describes them --------------------------------------------

ERROR_REQUESTS = {
    400: request(b"/sparql?query=SELECT%20%7B"),
    403: request(b"/sparql?update=CLEAR%20ALL"),
    404: request(b"/nothing/here"),
    405: request(b"/sparql", method=b"DELETE"),
    406: request(b"/sparql?query=ASK%7B%7D", [b"Accept: image/png"]),
    413: request(b"/sparql", [b"Content-Type: application/sparql-query"], b"POST", b" " * 300_000),
    415: request(b"/sparql", [b"Content-Type: application/json"], b"POST", b"{}"),
    503: request(b"/sparql?query=" + quote(RUNAWAY).encode()),
}


def error_statuses() -> list[int]:
    paragraph = re.search(r"- Errors: (.*?)\n", text_of("README.md"))
    assert paragraph, "README.md: the errors paragraph was not found"
    statuses = [int(s) for s in re.findall(r"\b([45]\d\d)\b", paragraph.group(1).split(")")[0])]
    assert {404, 406, 503} <= set(statuses)
    return statuses


def with_accept(data: bytes, accept: str, language: str) -> bytes:
    extra = f"Accept: {accept}\r\nAccept-Language: {language}\r\n".encode()
    if b"\r\nAccept: " in data:  # the request names its own Accept: keep it
        extra = f"Accept-Language: {language}\r\n".encode()
    return data.replace(b"Host: x\r\n", b"Host: x\r\n" + extra, 1)


@pytest.mark.parametrize("status", error_statuses())
def test_errors_are_pages_for_browsers_and_short_for_tools(live, status) -> None:
    _, root = live
    data = ERROR_REQUESTS[status]
    if b"\r\nAccept: " not in data:  # a browser
        got, headers, body = exchange(root, with_accept(data, BROWSER, "be"))
        assert got == status
        assert headers["content-type"].startswith("text/html")
        page = body.decode()
        assert '<html lang="be">' in page
        assert 'type="search" name="q"' in page
    got, headers, body = exchange(root, with_accept(data, "*/*", "ru"))
    assert got == status
    assert headers["content-type"].startswith("text/plain")
    assert body.decode().startswith((f"{status} ", "Malformed query: "))
    got, headers, body = exchange(root, with_accept(data, "application/json", "en"))
    assert got == status
    if b"\r\nAccept: " not in data:
        assert headers["content-type"].startswith("application/problem+json")
        assert json.loads(body)["status"] == status


def test_a_conditional_query_gets_304(live) -> None:
    _, root = live
    promise = re.search(r"Cache-Control: ([^`]+)`", text_of("README.md"))
    assert promise, "README.md: the caching paragraph was not found"
    query = b"/sparql?query=" + quote("SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 2").encode()
    got, headers, _ = exchange(root, request(query))
    assert got == 200
    assert headers["cache-control"] == promise.group(1)
    assert headers["etag"].startswith('"')  # strong: no W/
    got, again, body = exchange(
        root, request(query, [b"If-None-Match: " + headers["etag"].encode()])
    )
    assert got == 304
    assert body == b""
    assert again["etag"] == headers["etag"]
