"""``ictkg serve`` as consumers meet it: granian in a subprocess, real clients.

SPARQLWrapper in JSON and XML (as Python programs query endpoints), ``curl`` for the headers
(CORS, the Fetch standard §3.2; RFC 9110 for the rest), the SPARQL 1.1 Protocol over a real
socket, the time limit under the server's threads, and each store option.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import requests
from conftest import ictkg_serve
from fault_support import FAULTS, cpu_ticks, descendants, listening_pids, running_query, served
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper
from support import wait_for

VOC = "https://example.org/sq/vocab#"
CITIES = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    f"SELECT ?c ?label WHERE {{ ?c a <{VOC}City> ; rdfs:label ?label "
    "FILTER(LANG(?label) = 'en') } ORDER BY ?c"
)
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }"
)
LABELS = ["Geneva", "Minsk", "Tunis"]


def wrapper(root: str, fmt, method=None) -> SPARQLWrapper:
    client = SPARQLWrapper(root + "sparql")
    client.setQuery(CITIES)
    client.setReturnFormat(fmt)
    if method:
        client.setMethod(POST)
        client.setRequestMethod(method)
    return client


SPARQLWRAPPER = {
    # SPARQL 1.1 Protocol §2.1.1-§2.1.3 as SPARQLWrapper sends them.
    "2.1.1 GET, JSON results": (JSON, None),
    "2.1.1 GET, XML results": (XML, None),
    "2.1.2 URL-encoded POST, JSON results": (JSON, "urlencoded"),
    "2.1.3 direct POST, XML results": (XML, POSTDIRECTLY),
}


@pytest.mark.parametrize(("fmt", "method"), SPARQLWRAPPER.values(), ids=SPARQLWRAPPER.keys())
def test_sparqlwrapper(ictkg_server, fmt, method) -> None:
    result = wrapper(ictkg_server, fmt, method).query().convert()
    if fmt == JSON:
        labels = [row["label"]["value"] for row in result["results"]["bindings"]]
    else:
        labels = [node.firstChild.data for node in result.getElementsByTagName("literal")]
    assert labels == LABELS


def test_sparqlwrapper_construct_as_turtle(ictkg_server) -> None:
    client = SPARQLWrapper(ictkg_server + "sparql")
    client.setQuery(f"CONSTRUCT {{ ?c a <{VOC}City> }} WHERE {{ ?c a <{VOC}City> }}")
    client.setReturnFormat(TURTLE)
    body = client.query().convert()
    cities = {t.subject.value for t in ox.parse(body, ox.RdfFormat.TURTLE)}
    # Named by the server's own IRIs (README, "URIs").
    assert cities == {f"{ictkg_server}id/city/{c}" for c in ("geneva", "minsk", "tunis")}


def curl(*args: str) -> tuple[int, dict[str, str], str]:
    """``curl -i``: the status, the headers (lower-cased names) and the body."""
    out = subprocess.run(
        ["curl", "-s", "-i", "--max-time", "10", *args], capture_output=True, text=True, check=True
    ).stdout
    head, _, body = out.replace("\r\n", "\n").partition("\n\n")
    status_line, *lines = head.split("\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


CURL = {
    # (curl arguments after the URL, status, headers that must be there with these values)
    "2.1.1 GET with Accept text/csv": (
        ["-H", "Accept: text/csv"],
        200,
        {
            "content-type": "text/csv; charset=utf-8",
            "vary": "Accept",
            "access-control-allow-origin": "*",
            "x-ictkg-result-truncated": "false",
        },
    ),
    "RFC 9110 9.3.2 HEAD": (["-I"], 200, {"content-type": "application/sparql-results+json"}),
    "Fetch 3.2.2 preflight": (
        [
            "-X",
            "OPTIONS",
            "-H",
            "Origin: https://app.example",
            "-H",
            "Access-Control-Request-Method: POST",
            "-H",
            "Access-Control-Request-Headers: content-type",
        ],
        204,
        {"access-control-allow-origin": "*", "access-control-allow-headers": "content-type"},
    ),
    "RFC 9110 15.5.6 PUT: 405 with Allow": (
        ["-X", "PUT"],
        405,
        {"access-control-allow-origin": "*"},
    ),
    "Protocol 2.1.1 malformed: 400 text/plain": (
        ["--get", "--data-urlencode", "query=SELECT ?x WHERE {"],
        400,
        {"content-type": "text/plain; charset=utf-8", "access-control-allow-origin": "*"},
    ),
}


@pytest.mark.parametrize(("args", "status", "expected"), CURL.values(), ids=CURL.keys())
def test_headers_with_curl(ictkg_server, args, status, expected) -> None:
    url = ictkg_server + "sparql"
    if "--get" not in args:
        url += "?query=" + quote(CITIES)
    got_status, headers, _ = curl(*args, url)
    assert got_status == status
    for name, value in expected.items():
        assert headers[name].startswith(value), (name, headers)
    if status == 405:
        assert "GET" in headers["allow"]
    if status == 204:
        assert "POST" in headers["access-control-allow-methods"]


def test_a_runaway_query_under_the_production_server(ictkg_server) -> None:
    """One runaway query (503 at the 2 s limit) never stalls the others: a simple query sent
    once the runaway is running is answered before the runaway is cut."""
    port = int(ictkg_server.rsplit(":", 1)[1].strip("/"))
    pids = [q for worker in listening_pids(port) for q in descendants(worker)]
    before = {pid: cpu_ticks(pid) for pid in pids}
    outcome: list[requests.Response] = []
    slow = threading.Thread(
        target=lambda: outcome.append(
            requests.get(ictkg_server + "sparql", params={"query": RUNAWAY}, timeout=20)
        )
    )
    slow.start()
    wait_for(lambda: running_query(pids, before), what="a query worker running the runaway")
    quick = requests.get(ictkg_server + "sparql", params={"query": CITIES}, timeout=5)
    assert quick.status_code == 200
    assert slow.is_alive()  # answered while the runaway ran
    slow.join()
    assert outcome[0].status_code == 503
    assert "time limit" in outcome[0].text


def test_health(ictkg_server) -> None:
    health = requests.get(ictkg_server + "health", timeout=5).json()
    assert health["status"] == "ok"
    assert health["store"] == "memory"
    assert health["triples"] == 29


def test_the_same_paths_on_any_host(ictkg_server) -> None:
    response = requests.get(
        ictkg_server + "sparql", headers={"Host": "kg.example:9999", "Accept": "text/turtle"}
    )
    assert "<http://kg.example:9999/sparql> a sd:Service" in response.text


def test_serve_with_an_on_disk_store(tmp_path) -> None:
    path = tmp_path / "store"
    with ictkg_serve("--workers", "2", "--threads", "2", "--store", str(path)) as root:
        assert requests.get(root + "health", timeout=5).json()["store"] == "disk"
        assert [
            r["label"]["value"]
            for r in wrapper(root, JSON).query().convert()["results"]["bindings"]
        ] == LABELS
    assert (path / "ictkg-dataset-version").is_file()


def test_serve_in_front_of_a_remote_store(oxigraph) -> None:
    with ictkg_serve("--workers", "1", "--sparql-endpoint", oxigraph.endpoint) as root:
        health = requests.get(root + "health", timeout=5).json()
        assert health["store"] == "remote"
        assert health["triples"] == 29
        result = wrapper(root, XML).query().convert()
        assert [n.firstChild.data for n in result.getElementsByTagName("literal")] == LABELS


def test_serve_dev_uses_the_flask_server() -> None:
    with ictkg_serve("--dev") as root:
        response = requests.get(root + "health", timeout=5)
        assert response.status_code == 200
        assert "Werkzeug" in response.headers["Server"]
        assert requests.get(root + "sparql", params={"query": "ASK {}"}).json()["boolean"]


@pytest.mark.parametrize(
    ("options", "logged"),
    [
        ((), True),
        (("--no-access-log",), False),
        (("--server", "gunicorn", "--no-access-log"), False),
    ],
    ids=["granian logs each request", "--no-access-log", "--no-access-log under gunicorn"],
)
def test_the_access_log(tmp_path, options, logged) -> None:
    with served("--workers", "1", *options, dataset=FAULTS, log=tmp_path / "log") as server:
        assert requests.get(server.root + "doc/item/one.ttl", timeout=10).status_code == 200
        if logged:
            wait_for(lambda: "GET /doc/item/one.ttl" in server.log_text(), what="the log line")
        else:
            # A barrier, not a pause: the master logs the no-op reload once it has copied and
            # checked the data, long after the answer and the line a worker writes with it.
            os.kill(server.pid, signal.SIGHUP)
            wait_for(lambda: "the data did not change" in server.log_text(), what="the no-op")
            assert "GET /doc/item/one.ttl" not in server.log_text()


def test_a_retired_worker_closes_each_connection_after_its_answer() -> None:
    """After a reload the old workers answer ``Connection: close`` (RFC 9112 §9.6), so kept-alive
    clients reconnect to the new workers instead of being served the old data."""
    from server.serving.serve import closing_when

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    retired = [False]
    wrapped = closing_when(lambda: retired[0], app)
    seen: list[list[tuple[str, str]]] = []
    assert wrapped({}, lambda status, headers, exc_info=None: seen.append(headers)) == [b"ok"]
    retired[0] = True
    assert wrapped({}, lambda status, headers, exc_info=None: seen.append(headers)) == [b"ok"]
    assert ("Connection", "close") not in seen[0]
    assert ("Connection", "close") in seen[1]


def raw_request(root: str, lines: list[str]) -> tuple[str, str]:
    """Send request lines as they are (no client fills in a Host): the status line and the
    whole answer."""
    host, port = root.split("//")[1].strip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    text = answer.decode("utf-8", "replace")
    return text.split("\r\n", 1)[0], text


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (["GET /id/state/belarus HTTP/1.1", "Host: a b", "Connection: close"], "'a b'"),
        (["GET /id/state/belarus HTTP/1.0", "Accept: text/turtle"], "no Host header"),
    ],
    ids=["rfc9112-3.2-invalid-host", "http-1.0-without-host"],
)
def test_a_request_whose_host_names_no_server_is_400(ictkg_server, lines, reason) -> None:
    """Every IRI of an answer is named after the Host: without one, it would be ``http:///…``."""
    status, answer = raw_request(ictkg_server, lines)
    assert status.split()[1] == "400", answer
    assert reason in answer
    assert "http:///" not in answer
