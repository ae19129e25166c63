"""The application factory (see the package docstring of :mod:`server`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    from flask import Flask

    from server.app import health, openapi, prepared
    from server.config import DEFAULTS, check
    from server.dataset import views as dataset
    from server.describe import ontology as ontology_doc
    from server.describe import resources
    from server.http import cache, errors, middleware
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
    # Every setting parsed and range-checked before anything reads it (raises SettingError).
    app.config.update(check(app.config, test_config))

    # In memory, on disk (STORE_PATH) or a remote SPARQL endpoint (SPARQL_ENDPOINT).
    app.extensions["ictkg"] = open_store(app.config)
    # Data that does not conform to the shapes is never published (raises DataNotConforming).
    if app.config["VALIDATE_ON_START"]:
        dataset.check_on_start(app)
    # The page language and the interface catalogues (Flask-Babel).
    language.init_app(app)
    # Every error body, for every view: a page, Problem Details or text (server/http/errors.py).
    errors.init_app(app)
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
    # Behind trusted reverse proxies, their X-Forwarded-* headers name the host (README, "URIs").
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=proxies,
            x_proto=proxies,
            x_host=proxies,
            x_port=proxies,
            x_prefix=proxies,
        )
    # Last, outermost: repeated identical GETs answered from memory within a dataset version.
    cache.init_app(app)
    # Every resource's Turtle document, prepared once for all workers (`ictkg serve`).
    prepared.init_app(app)
    # Around everything, the cache included: CORS, nosniff and the HTML policy on every answer.
    middleware.init_app(app)
    return app
