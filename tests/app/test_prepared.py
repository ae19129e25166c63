"""Every resource's Turtle document prepared once, shared by the web workers.

``server/app/prepared.py``.
What is promised (README, "Serving"): ``ictkg serve`` prepares, in the background, the answers a
crawler of Turtle asks for (the 303 of ``/id/…`` with ``Accept: text/turtle`` and the
``/doc/….ttl`` document) for every resource, in one file per dataset version that every worker
reads; they are the app's own answers, byte for byte; ``/health`` says how far it got; the
directory goes when the server stops.
"""

from __future__ import annotations

import shutil
import sqlite3

import pytest
import requests
from conftest import ictkg_serve
from deref_support import make_app
from support import CountingStore, wait_for

from server.app.prepared import SHARDS, progress
from server.config import DEFAULTS
from server.describe.resources import things
from server.http.cache import ResponseCache, SharedResponses
from server.serving.serve import prepare_documents

ROOT = "http://localhost/"


def prepared_app(directory):
    """An app (a web worker) that prepares for ``ROOT`` into ``directory``; waits for its part."""
    app = make_app(PREPARED_DIR=str(directory), PREPARE_ROOT=ROOT)
    app.extensions["ictkg.prepare"].join(60)
    assert not app.extensions["ictkg.prepare"].is_alive()
    return app


def crawl(client, resources, base):
    """What a crawler of Turtle asks: every ``/id/…`` with ``Accept: text/turtle``, then the
    document the 303 names. The answers, in order."""
    answers = []
    for iri in resources:
        thing = client.get("/" + iri[len(base) :], headers={"Accept": "text/turtle"})
        document = client.get(thing.headers["Location"])
        answers += [thing, document]
    return answers


def test_one_worker_prepares_and_another_answers_without_asking_the_store(tmp_path):
    first = prepared_app(tmp_path)
    base = first.config["BASE_IRI"]
    resources = things(first.extensions["ictkg"], base)
    state = progress(first)
    assert state["done"] is True
    assert state["prepared"] == state["resources"] == len(resources) > 0

    # A second worker on the same version finds the work done and answers every request of the
    # crawl from the shared file: the store is never asked.
    second = prepared_app(tmp_path)
    counting = CountingStore(second.extensions["ictkg"])
    second.extensions["ictkg"] = counting
    answers = crawl(second.test_client(), resources, base)
    assert [a.status_code for a in answers] == [303, 200] * len(resources)
    assert counting.queries == []


def undated(headers) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in headers.items() if k.lower() != "date")


def test_prepared_answers_are_the_apps_own_byte_for_byte(tmp_path):
    prepared = prepared_app(tmp_path)
    plain = make_app()
    base = plain.config["BASE_IRI"]
    resources = things(plain.extensions["ictkg"], base)
    ours = crawl(prepared.test_client(), resources, base)
    theirs = crawl(plain.test_client(), resources, base)
    for a, b in zip(ours, theirs, strict=True):
        assert a.status_code == b.status_code
        assert a.get_data() == b.get_data()
        # All but Date, which the HTTP server adds when it sends the message
        assert undated(a.headers) == undated(b.headers)


def test_every_part_is_prepared_once_whoever_prepares_it(tmp_path):
    """Two workers started one after the other share the parts; each response is kept once."""
    first = make_app(PREPARED_DIR=str(tmp_path), PREPARE_ROOT=ROOT)
    second = make_app(PREPARED_DIR=str(tmp_path), PREPARE_ROOT=ROOT)
    for app in (first, second):
        app.extensions["ictkg.prepare"].join(60)
    resources = things(first.extensions["ictkg"], first.config["BASE_IRI"])
    shared = SharedResponses(tmp_path)
    with sqlite3.connect(shared.path(first.extensions["ictkg"].version)) as connection:
        parts = connection.execute("SELECT COUNT(*) FROM prepared").fetchone()[0]
        rows = connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
        dated = connection.execute(
            "SELECT COUNT(*) FROM responses WHERE lower(headers) LIKE '%\"date\"%'"
        ).fetchone()[0]
    assert parts == SHARDS
    assert rows == 2 * len(resources)  # the 303 and the document of each
    assert dated == 0  # the HTTP server dates each message when it is sent


def test_no_date_is_ever_replayed():
    """RFC 9110 §6.6.1: ``Date`` is when the message is sent, so a stored one is dropped."""
    cache = ResponseCache(lambda environ, start: [b""], lambda: "v")
    stored = cache.storable(
        {"HTTP_ACCEPT": "text/turtle"},
        "200 OK",
        [("Content-Type", "text/turtle"), ("Date", "Wed, 02 Dec 2026 07:57:33 GMT")],
        b"x",
    )
    assert stored is not None
    assert stored.headers == [("Content-Type", "text/turtle")]


def test_a_live_server_prepares_reports_it_and_cleans_up(tmp_path):
    # The suite's servers do not prepare (tests/conftest.py); this one does, as by default.
    env = {"TMPDIR": str(tmp_path), "ICTKG_PREPARE": "true"}
    with ictkg_serve("--workers", "2", env=env) as root:

        def prepared() -> dict:
            return requests.get(root + "health", timeout=5).json()["prepared"]

        wait_for(lambda: prepared()["done"], 120, "the documents prepared")
        state = prepared()
        assert state["root"] == root
        assert state["prepared"] == state["resources"] > 0
        assert any(tmp_path.glob("ictkg-prepared-*/responses-*.sqlite"))
        # Replayed from the shared file, dated when sent: one Date, the server's own.
        thing = requests.get(
            root + "id/city/minsk", headers={"Accept": "text/turtle"}, allow_redirects=False
        )
        document = requests.get(thing.headers["Location"])
        assert (thing.status_code, document.status_code) == (303, 200)
        for response in (thing, document):
            assert len(response.raw.headers.getlist("Date")) == 1
    assert not any(tmp_path.glob("ictkg-prepared-*"))


def test_the_app_alone_prepares_nothing():
    app = make_app()
    assert "ictkg.prepare" not in app.extensions
    assert progress(app) is None
    assert "prepared" not in app.test_client().get("/health").get_json()


@pytest.mark.parametrize(
    ("settings", "host", "root"),
    [
        pytest.param({}, "127.0.0.1", "http://127.0.0.1:8123/", id="its-own-address"),
        pytest.param({}, "::1", "http://[::1]:8123/", id="ipv6"),
        pytest.param(
            {"PREPARE_ROOT": "https://kg.example/"}, "127.0.0.1", None, id="the-root-given"
        ),
        pytest.param({}, "0.0.0.0", False, id="every-address-no-root"),
        pytest.param({"STORE_PATH": "/srv/store"}, "127.0.0.1", False, id="on-disk-store"),
        pytest.param(
            {"SPARQL_ENDPOINT": "http://engine/sparql"}, "127.0.0.1", False, id="remote-store"
        ),
        pytest.param({"PREPARE": False}, "127.0.0.1", False, id="turned-off"),
        pytest.param({"RESPONSE_CACHE_SIZE": 0}, "127.0.0.1", False, id="no-cache"),
    ],
)
def test_when_ictkg_serve_prepares(settings, host, root):
    """In-memory data only, at an address clients can be known to use (README, "Serving")."""
    overrides: dict = {}
    directory = prepare_documents({**DEFAULTS, **settings}, overrides, host, 8123)
    try:
        if root is False:
            assert directory is None
            assert overrides == {}
        else:
            assert directory is not None
            assert overrides["PREPARED_DIR"] == directory
            assert overrides.get("PREPARE_ROOT") == root
    finally:
        if directory:
            shutil.rmtree(directory)
