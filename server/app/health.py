"""``/health`` for operators, and 503 wherever the store is down.

``/health`` answers 200 with JSON (``status``, ``store`` kind, ``triples``, the dataset
``version``) when the store answers, 503 with the reason when it does not: load balancers and
container probes read the status, people the body. It asks the store each time (no cache), so
it turns green as soon as a remote store is back (a remote store is asked a trivial query
within ``REMOTE_TIMEOUT``; its size and version are the last ones read off the request path).

Any view that meets :class:`~server.store.embedded.StoreUnavailable` answers 503 with
``Retry-After`` rather than a traceback: the error handler registered here covers every blueprint.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify

from server.app import prepared
from server.http.errors import HttpError, render
from server.store.base import StoreUnavailable

blueprint = Blueprint("health", __name__)

#: Seconds a client should wait before retrying when the store is down.
RETRY_AFTER = "5"


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.register_error_handler(StoreUnavailable, store_unavailable)


@blueprint.get("/health")
def health() -> Response:
    store = current_app.extensions["ictkg"]
    try:
        store.check()
        body = {
            "status": "ok",
            "store": store.kind,
            "triples": len(store),
            "version": store.version,
        }
        preparing = prepared.progress(current_app)
        if preparing is not None:
            body["prepared"] = preparing
    except StoreUnavailable as error:
        response = jsonify(status="unavailable", store=store.kind, error=str(error))
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    response = jsonify(body)
    response.cache_control.no_store = True
    return response


def store_unavailable(error: StoreUnavailable) -> Response:
    return render(unavailable(error))


def unavailable(error: Exception) -> HttpError:
    """The 503 of a store that is down: try again in :data:`RETRY_AFTER` seconds."""
    return HttpError(
        503, f"The store is unavailable: {error}", headers={"Retry-After": RETRY_AFTER}
    )
