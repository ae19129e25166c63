"""Cross-cutting HTTP concerns, once, around the whole application (WSGI middleware).

Every response of the server, whichever view, error handler or cache produced it, passes
through here on its way out, so no view can forget these headers:

- **CORS** (Fetch standard §3.2.3, §3.2.5): the data is public and read-only, so
  ``Access-Control-Allow-Origin: *``, and the headers a linked-data client needs are exposed
  (validators, ``Link``, ``Content-Location``, a redirect's ``Location``, our result-cut
  headers). A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) gets the request
  headers it asked for and the methods the resource allows: its own ``Allow`` (``POST`` only
  where a view takes it, as ``/sparql``), else :data:`READ_METHODS`.
- **No sniffing** (Fetch standard §3.5): a browser that sniffed a Turtle or CSV body holding
  data-controlled text could run it as HTML; ``nosniff`` forbids it for every response.
- **HTML policy**: HTML responses carry a Content-Security-Policy that allows only this server's
  scripts, styles and images (no inline script; nothing from another host) and a
  same-origin referrer policy.

The response cache (:mod:`server.http.cache`) sits inside these layers, so replayed responses
get the same headers as fresh ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: Response headers a cross-origin script may read beyond the CORS-safelisted ones.
CORS_EXPOSE_HEADERS = ("ETag", "Link", "Content-Location", "Location", "Vary")

#: The methods of a preflight's answer that states no ``Allow`` (every resource takes these).
READ_METHODS = "GET, HEAD, OPTIONS"

#: The Content-Security-Policy of every HTML response.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]


def _has(headers: Headers, name: str) -> bool:
    return _get(headers, name) is not None


def _set(headers: Headers, name: str, value: str) -> None:
    lowered = name.lower()
    headers[:] = [(k, v) for k, v in headers if k.lower() != lowered]
    headers.append((name, value))


def _get(headers: Headers, name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def _add_vary(headers: Headers, field: str) -> None:
    for i, (key, value) in enumerate(headers):
        if key.lower() == "vary":
            fields = [f.strip() for f in value.split(",") if f.strip()]
            if field.lower() not in {f.lower() for f in fields}:
                headers[i] = (key, ", ".join([*fields, field]))
            return
    headers.append(("Vary", field))


class HeadersMiddleware:
    """Adds CORS, ``nosniff`` and, on HTML, the page policy to every response."""

    def __init__(self, app: WsgiApp, expose: Iterable[str] = ()) -> None:
        self.app = app
        self.expose = ", ".join(dict.fromkeys([*CORS_EXPOSE_HEADERS, *expose]))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        preflight = (
            environ.get("REQUEST_METHOD") == "OPTIONS"
            and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        )

        def start(status: str, headers: Headers, exc_info: Any = None):
            headers = list(headers)
            _set(headers, "Access-Control-Allow-Origin", "*")
            _set(headers, "Access-Control-Expose-Headers", self.expose)
            if preflight:
                # The resource's methods (Flask's OPTIONS answer, or the view's, says them).
                methods = _get(headers, "Allow") or READ_METHODS
                _set(headers, "Access-Control-Allow-Methods", methods)
                asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
                if asked:
                    _set(headers, "Access-Control-Allow-Headers", asked)
                _set(headers, "Access-Control-Max-Age", "86400")
                _add_vary(headers, "Access-Control-Request-Headers")
            _set(headers, "X-Content-Type-Options", "nosniff")
            media_type = _get(headers, "Content-Type") or ""
            if media_type.split(";")[0].strip().lower() == "text/html":
                if not _has(headers, "Content-Security-Policy"):
                    headers.append(("Content-Security-Policy", CSP))
                if not _has(headers, "Referrer-Policy"):
                    headers.append(("Referrer-Policy", "same-origin"))
            if exc_info is not None:
                return start_response(status, headers, exc_info)
            return start_response(status, headers)

        return self.app(environ, start)


def init_app(app: Any) -> None:
    """Wrap the application (after the response cache, so cached answers pass through too)."""
    app.wsgi_app = HeadersMiddleware(app.wsgi_app, app.config.get("CORS_EXPOSE_HEADERS", []))
