"""The server answers as its OpenAPI description says (issue 6, "Bad input").

schemathesis reads ``/openapi.json`` from the app and sends every operation generated and
mutated requests (parameters, headers, bodies), in-process through the WSGI interface, on the
real dataset. Each response must be no server error (``not_a_server_error``), and have a status,
media type, headers and, where a schema is given, a body the description declares for it
(OpenAPI 3.0.3 §4.7.16 Responses Object, §4.7.17 Response Object). Examples are bounded per
operation, and queries are bounded by a short time limit.

The description and the app must also agree on which paths exist: a route nobody described, or
a description of a route that is gone, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import schemathesis
from fault_support import served
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server import create_app
from server.app.openapi import description
from server.config import BASE_IRI

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = {
    "TESTING": True,
    "VALIDATE_ON_START": False,
    "QUERY_TIMEOUT": 2.0,
    "RESULT_ROW_LIMIT": 100,
    "QUERY_WORKERS": 2,
}


@pytest.fixture(scope="module")
def app():
    app = create_app(CONFIG)
    yield app
    app.extensions["ictkg.queries"].close()


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[str]:
    """``ictkg serve`` (granian) on the real dataset, with a short query time limit."""
    log = tmp_path_factory.mktemp("schemathesis") / "log"
    env = {"ICTKG_VALIDATE_ON_START": "false", "ICTKG_RESULT_ROW_LIMIT": "100"}
    options = ("--workers", "1", "--threads", "4", "--query-timeout", "2")
    with served(*options, base=BASE_IRI, env=env, log=log) as server:
        yield server.root


#: A direct POST's body is the query text (SPARQL 1.1 Protocol §2.1.3), sent as text is.
schemathesis.serializer.alias("application/sparql-query", "text/plain")

#: The description as the server publishes it; requests go to the live server.
schema = schemathesis.openapi.from_dict(description())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,  # nothing written into the repository; derandomized runs repeat anyway
)
def test_every_operation_answers_as_described(case, live) -> None:
    case.call_and_validate(base_url=live.rstrip("/"), checks=CHECKS, timeout=10)


def flask_path(rule: str) -> str:
    """``/doc/<kind>/<name>`` as OpenAPI writes it: ``/doc/{kind}/{name}``."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_every_route_is_described_and_every_description_is_a_route(app) -> None:
    routes = {
        flask_path(rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
    }
    assert routes == set(description()["paths"])


def test_the_description_names_the_server_it_came_from(app) -> None:
    served = app.test_client().get("/openapi.json", base_url="http://kg.example:8123")
    assert served.status_code == 200
    assert served.json["servers"] == [{"url": "http://kg.example:8123/"}]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
