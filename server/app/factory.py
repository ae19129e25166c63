"""The application factory (see the package docstring of :mod:`server`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from flask import Flask

    from server.app import health, openapi
    from server.config import DEFAULTS
    from server.dataset import views as dataset
    from server.describe import ontology as ontology_doc
    from server.describe import resources
    from server.http import cache, middleware
    from server.http import responses as http
    from server.i18n import language
    from server.pages import views as web
    from server.sparql import endpoint as sparql
    from server.store import open_store

    # The package is the root: templates and static files live with the pages that use them.
    app = Flask("server", template_folder="pages/templates", static_folder="pages/static")
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("ICTKG")
    if test_config:
        app.config.from_mapping(test_config)

    # In memory, on disk (STORE_PATH) or a remote SPARQL endpoint (SPARQL_ENDPOINT).
    app.extensions["ictkg"] = open_store(app.config)
    # Data that does not conform to the shapes is never published (raises DataNotConforming).
    if app.config["VALIDATE_ON_START"]:
        dataset.check_on_start(app)
    # The page language and the interface catalogues (Flask-Babel).
    language.init_app(app)
    # Dereferencing: headers and CORS for every response, then /id → /doc, VoID, dumps.
    http.init_app(app)
    resources.init_app(app)
    dataset.init_app(app)
    ontology_doc.init_app(app)
    # /sparql (forks its query workers now, before any server thread starts) and /health.
    health.init_app(app)
    sparql.init_app(app)
    # Pages for people: home, lists, search, the query page; CSP on HTML.
    web.init_app(app)
    # /openapi.json: the HTTP interface described (tests run schemathesis against it).
    openapi.init_app(app)
    # Last, outermost: repeated identical GETs answered from memory within a dataset version.
    cache.init_app(app)
    # Around everything, the cache included: CORS, nosniff and the HTML policy on every answer.
    middleware.init_app(app)
    return app
