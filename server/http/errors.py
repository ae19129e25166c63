"""Every error the app answers, written in one place and rendered for the client that asked.

Views raise (:class:`HttpError`, or Werkzeug's own exceptions: Flask's ``abort``, routing's
404 and 405, the 413 of ``MAX_CONTENT_LENGTH``) and one handler answers, as Werkzeug's
exceptions do, in the form the client reads (``Accept``, RFC 9110 §12.5.1):

- a browser (``text/html`` preferred) gets a page in the reader's language
  (:mod:`server.i18n.language`: ``?lang=``, then ``Accept-Language``) with the title and description
  of the status, the details of this error, a search box and a link home;
- a client that asks for JSON (``application/json`` or ``application/problem+json``) gets
  Problem Details (RFC 9457): ``type``, ``title``, ``status``, ``detail``, and the error's own
  members (a SPARQL syntax error's ``line`` and ``column``; the formats available after a 406);
- everyone else (``*/*``, curl, SPARQL clients, no ``Accept``) gets short text: the status
  line, then the details, one ``text/plain`` body that a terminal or a log shows as it is.

An error keeps its headers (``Allow`` after 405, ``Retry-After`` after 503, ``Link`` to the
alternatives after 406, ``Accept-Post`` after 415), and says ``Vary: Accept`` since its body
depends on it. The status titles and descriptions are interface strings of
:mod:`server.i18n.language` (``error_404``, ``error_404_text``): no page writes its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Flask, Response, has_request_context, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from server.i18n import language

#: The forms an error body takes, in the order a tie is broken (text first: ``*/*`` is a tool).
TEXT = "text/plain"
HTML = "text/html"
PROBLEM = "application/problem+json"
FORMS = (TEXT, HTML, PROBLEM, "application/json")


class HttpError(HTTPException):
    """An error status with what went wrong, for :func:`render` to answer.

    ``detail`` says what went wrong with this request (English, may span lines: a SPARQL error's
    caret line); ``alternatives`` are ``(media type, where)`` pairs a 406 offers instead (where:
    a URL, or a parameter such as ``format=ttl``); ``members`` are extra Problem Details members
    (RFC 9457 §3.2) for clients that read JSON; ``headers`` are sent as they are.
    """

    def __init__(
        self,
        code: int,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        alternatives: Sequence[tuple[str, str]] = (),
        members: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = code
        self.extra_headers = dict(headers or {})
        self.alternatives = tuple(alternatives)
        self.members = dict(members or {})

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        return render(self)


def init_app(app: Flask) -> None:
    """Every HTTP error of the app goes through :func:`render` (500 included)."""
    app.register_error_handler(HTTPException, render)


def detail_of(error: HTTPException) -> str | None:
    """What this error says beyond its status: ``None`` for Werkzeug's generic description."""
    description = error.description
    if not description or description == type(error).description:
        return None
    return str(description).strip()


def preferred_form() -> str:
    """The body form for this request: the client's best match, text when nothing matches."""
    if not has_request_context():
        return TEXT
    form = request.accept_mimetypes.best_match(FORMS, default=TEXT)
    return PROBLEM if form == "application/json" else form


def title(code: int, choice: language.Choice | None = None) -> str:
    """The status's title in the reader's language (English: the reason phrase)."""
    key = f"error_{code}"
    if key in language.ENGLISH:
        return language.message(key, choice)
    return HTTP_STATUS_CODES.get(code, "Error")


def description(code: int, choice: language.Choice | None = None) -> str:
    key = f"error_{code}_text"
    return language.message(key, choice) if key in language.ENGLISH else ""


def render(error: HTTPException) -> Response:
    """The response for ``error`` in the form the client reads (see the module docstring)."""
    if error.response is not None:  # abort(response): the view wrote it whole
        return error.response
    code = error.code or 500
    detail = detail_of(error)
    alternatives: Sequence[tuple[str, str]] = getattr(error, "alternatives", ())
    members: Mapping[str, Any] = getattr(error, "members", {})
    form = preferred_form()
    if form == HTML:
        choice = language.current()
        body = render_template(
            "error.html",
            title=title(code, choice),
            code=code,
            description=description(code, choice),
            detail=detail,
            alternatives=alternatives,
        )
        response = Response(body, code, content_type="text/html; charset=utf-8")
        if not choice.explicit:
            response.vary.add("Accept-Language")
    elif form == PROBLEM:
        problem = {
            "type": "about:blank",
            "title": HTTP_STATUS_CODES.get(code, "Error"),
            "status": code,
            "detail": detail or description(code, language.Choice("en", True)) or None,
            **({"available": alternatives_json(alternatives)} if alternatives else {}),
            **members,
        }
        problem = {k: v for k, v in problem.items() if v is not None}
        body = json.dumps(problem, ensure_ascii=False, indent=1) + "\n"
        response = Response(body, code, content_type=f"{PROBLEM}; charset=utf-8")
    else:
        response = Response(plain(code, detail, alternatives), code)
        response.content_type = "text/plain; charset=utf-8"
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    response.vary.add("Accept")
    return response


def plain(code: int, detail: str | None, alternatives: Iterable[tuple[str, str]]) -> str:
    """``404 Not Found``, then the details and what is available, one item a line."""
    lines = [f"{code} {HTTP_STATUS_CODES.get(code, 'Error')}" + (f": {detail}" if detail else "")]
    available = list(alternatives)
    if available:
        lines.append("Available:")
        lines += [f"  {media_type}  {where}" for media_type, where in available]
    return "\n".join(lines) + "\n"


def alternatives_json(alternatives: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"type": media_type, "href": where} for media_type, where in alternatives]
