"""``/openapi.json``: the HTTP interface described for people and tools (OpenAPI 3.0).

The description lives in ``server/openapi.json`` beside this module, written by hand from the
views and kept honest by tests: ``tests/app/test_schemathesis.py`` runs schemathesis against the
live app with it (every response must have a status, media type and headers it declares), and
checks that every route of the app is described and every described path is a route.

It is served with ``servers`` set to the root the request came to, as every other document of
this server names the host it is reached on (``REWRITE_IRIS``), so a tool that reads it from a
local server tests that server.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, request

from server.http.responses import respond

SOURCE = Path(__file__).with_name("openapi.json")

bp = Blueprint("openapi", __name__)


@cache
def description() -> dict[str, Any]:
    """The description as written (read once per process)."""
    return json.loads(SOURCE.read_text(encoding="utf-8"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/openapi.json")
def openapi() -> Response:
    root = request.root_url

    def build() -> bytes:
        document = copy.deepcopy(description())
        document["servers"] = [{"url": root}]
        return json.dumps(document, ensure_ascii=False, indent=1).encode()

    return respond(("openapi", root), build, "application/json")
