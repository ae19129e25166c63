"""Every error the app answers, written in one place and rendered for the client that asked.

Views raise (:class:`HttpError`, or Werkzeug's own exceptions: Flask's ``abort``, routing's
404 and 405, the 413 of ``MAX_CONTENT_LENGTH``) and one handler answers, as Werkzeug's
exceptions do, in the form the client reads (``format=`` / ``output=`` first when it names a
JSON or XML format, as the SPARQL endpoint takes them, then ``Accept``, RFC 9110 §12.5.1):

- a browser (``text/html`` preferred) gets a page in the reader's language
  (:mod:`server.i18n.language`: ``?lang=``, then ``Accept-Language``) with the title and
  description of the status, the details of this error, a search box and a link home;
- a client that asks for JSON (``application/json``, ``application/problem+json``, or a JSON
  format of ours: SPARQL JSON results, JSON-LD) gets Problem Details (RFC 9457): ``type``,
  ``title``, ``status``, ``detail``, and the error's own members (a SPARQL syntax error's
  ``line``, ``column``, ``caret``…; the formats available after a 406); one that asks for XML
  (SPARQL XML results, RDF/XML, ``application/xml``) the same as ``application/problem+xml``
  (RFC 9457 appendix B);
- everyone else (``*/*``, curl, no ``Accept``) gets short text: the status line and the
  details (or the error's own text, such as a SPARQL syntax error's caret under its line).

An error keeps its headers (``Allow`` after 405, ``Retry-After`` after 503, ``Link`` to the
alternatives after 406, ``Accept-Post`` after 415), and says ``Vary: Accept`` since its body
depends on it. The status titles and descriptions are interface messages (:data:`TITLES`,
:data:`DESCRIPTIONS`, translated by the gettext catalogues of :mod:`server.i18n.catalogue`):
no page writes its own. What a
failed query is told, in words, comes from :mod:`server.workers.errors`; this module writes it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from flask import Flask, Response, has_request_context, render_template, request
from flask_babel import force_locale, gettext
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from server.config import N_
from server.i18n import language
from server.text import caret, printable

#: The forms an error body takes, in the order a tie is broken (text first: ``*/*`` is a tool).
TEXT = "text/plain"
HTML = "text/html"
PROBLEM = "application/problem+json"
PROBLEM_XML = "application/problem+xml"
#: What a client that reads JSON or XML asks for (media types, then ``format=`` names).
JSON_TYPES = (
    "application/json",
    PROBLEM,
    "application/sparql-results+json",
    "application/ld+json",
)
XML_TYPES = (
    "application/xml",
    PROBLEM_XML,
    "application/sparql-results+xml",
    "application/rdf+xml",
)
JSON_NAMES = ("json", "srj", "jsonld", "json-ld")
XML_NAMES = ("xml", "srx", "rdf", "rdfxml", "rdf+xml")
FORMS = (TEXT, HTML, *JSON_TYPES, *XML_TYPES)


class HttpError(HTTPException):
    """An error status with what went wrong, for :func:`render` to answer.

    ``detail`` says what went wrong with this request (English); ``alternatives`` are
    ``(media type, where)`` pairs a 406 offers instead (where: a URL, or a parameter such as
    ``format=ttl``); ``members`` are extra Problem Details members (RFC 9457 §3.2), with
    ``problem_type`` and ``title`` when the status's own do not say it (a SPARQL syntax error);
    ``text`` is the whole text body when the error has its own layout (the caret under a
    query's line), also shown on the page; ``headers`` are sent as they are.
    """

    def __init__(
        self,
        code: int,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        alternatives: Sequence[tuple[str, str]] = (),
        members: Mapping[str, Any] | None = None,
        problem_type: str = "about:blank",
        title: str | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__(description=detail)
        self.code = code
        self.extra_headers = dict(headers or {})
        self.alternatives = tuple(alternatives)
        self.members = dict(members or {})
        self.problem_type = problem_type
        self.title = title
        self.text = text

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        return [*super().get_headers(environ, scope), *self.extra_headers.items()]

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        return render(self)


#: The last page a ``page=`` may name. A page's OFFSET is (page - 1) * its size, and sizes go up
#: to 1,000,000 (``QUERY_PAGE_ROWS``): under this bound it always fits the engines' 64-bit
#: integers (pyoxigraph refuses a larger OFFSET as a syntax error: a 500).
LAST_PAGE = 1_000_000_000
#: ``page=``: ASCII digits only (``str.isdigit`` also takes '²', which ``int`` refuses), and no
#: more of them than a page up to :data:`LAST_PAGE` has (``int`` refuses over 4,300 digits).
PAGE = re.compile(r"0*([1-9][0-9]{0,9})")


def page_number(raw: str | None) -> int:
    """The page ``page=`` names (1 when absent), else the 400 that says what a page may be.

    One rule for every paged view (lists, descriptions, the query page); a page past the last
    one is the view's own 404, since only the view knows how many there are.
    """
    match = PAGE.fullmatch("1" if raw is None else raw)
    if match is None or int(match[1]) > LAST_PAGE:
        raise HttpError(
            400, gettext("page must be a whole number from 1 to %(last)s", last=LAST_PAGE)
        )
    return int(match[1])


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
    """The body form for this request: ``format=`` / ``output=`` when it names a JSON or XML
    format, else the client's best match; text when nothing matches (and on a tie)."""
    if not has_request_context():
        return TEXT
    names = request.args.getlist("format") + request.args.getlist("output")
    if request.mimetype == "application/x-www-form-urlencoded":
        # A body that is itself the error (over MAX_CONTENT_LENGTH) is not read again.
        with contextlib.suppress(HTTPException):
            names += request.form.getlist("format") + request.form.getlist("output")
    if names:
        name = names[0].lower()
        if name in JSON_NAMES or name in JSON_TYPES:
            return PROBLEM
        if name in XML_NAMES or name in XML_TYPES:
            return PROBLEM_XML
        # A format of neither (csv, ttl, one we do not know): the Accept header says which.
    form = request.accept_mimetypes.best_match(FORMS, default=TEXT)
    if form in JSON_TYPES:
        return PROBLEM
    return PROBLEM_XML if form in XML_TYPES else form


#: Each status's title and description for people: interface messages (the catalogues of
#: :mod:`server.i18n.catalogue` translate them; the English is the message id).
TITLES: dict[int, str] = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Format not available"),
    410: N_("Gone"),
    413: N_("Request too large"),
    414: N_("Address too long"),
    415: N_("Unsupported media type"),
    431: N_("Request headers too large"),
    500: N_("Server error"),
    503: N_("Temporarily unavailable"),
}
DESCRIPTIONS: dict[int, str] = {
    400: N_("The request could not be understood: see the details below."),
    403: N_("This server is read-only: the data cannot be changed through it."),
    404: N_(
        "There is nothing at this address. Search for what you were looking for, "
        "or start from the home page."
    ),
    405: N_("This address does not accept this kind of request."),
    406: N_(
        "This is not available in the format you asked for; "
        "the formats it is available in are listed below."
    ),
    410: N_("What was here has been removed from the dataset."),
    413: N_("The request is larger than this server accepts."),
    414: N_("The address is longer than this server accepts; send long queries in a POST body."),
    415: N_("The request body is in a format this address does not accept."),
    431: N_("The request's headers are larger than this server accepts."),
    500: N_("Something went wrong on this server. Try again later."),
    503: N_("The service cannot answer now. Try again in a moment."),
}


def in_language(text: str, choice: language.Choice | None) -> str:
    """``text`` from the catalogue of ``choice`` (the request's language when None)."""
    if choice is None or not has_request_context():
        return gettext(text) if has_request_context() else text
    with force_locale(choice.code):
        return gettext(text)


def title(code: int, choice: language.Choice | None = None) -> str:
    """The status's title in the reader's language (else the reason phrase, in English)."""
    if code in TITLES:
        return in_language(TITLES[code], choice)
    return HTTP_STATUS_CODES.get(code, "Error")


def description(code: int, choice: language.Choice | None = None) -> str:
    return in_language(DESCRIPTIONS[code], choice) if code in DESCRIPTIONS else ""


def render(error: HTTPException) -> Response:
    """The response for ``error`` in the form the client reads (see the module docstring)."""
    if error.response is not None:  # abort(response): the view wrote it whole
        return error.response
    code = error.code or 500
    detail = detail_of(error)
    alternatives: Sequence[tuple[str, str]] = getattr(error, "alternatives", ())
    members: Mapping[str, Any] = getattr(error, "members", {})
    own_text: str | None = getattr(error, "text", None)
    form = preferred_form()
    if form == HTML:
        choice = language.current()
        body = render_template(
            "error.html",
            title=title(code, choice),
            code=code,
            description=description(code, choice),
            detail=own_text.rstrip("\n") if own_text else detail,
            alternatives=alternatives,
        )
        response = Response(body, code, content_type="text/html; charset=utf-8")
        if not choice.explicit:
            response.vary.add("Accept-Language")
    elif form in (PROBLEM, PROBLEM_XML):
        problem = {
            "type": getattr(error, "problem_type", "about:blank"),
            "title": getattr(error, "title", None) or HTTP_STATUS_CODES.get(code, "Error"),
            "status": code,
            "detail": detail or description(code, language.Choice("en", True)) or None,
            **({"available": alternatives_json(alternatives)} if alternatives else {}),
            **members,
        }
        problem = {k: v for k, v in problem.items() if v is not None}
        if form == PROBLEM:
            body = json.dumps(problem, ensure_ascii=False, indent=1) + "\n"
        else:
            body = problem_xml(problem)
        response = Response(body, code, content_type=f"{form}; charset=utf-8")
    else:
        text = printable(own_text, keep="\t\n") if own_text else plain(code, detail, alternatives)
        response = Response(text, code)
        response.content_type = "text/plain; charset=utf-8"
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    response.vary.add("Accept")
    return response


def plain(code: int, detail: str | None, alternatives: Iterable[tuple[str, str]]) -> str:
    """``404 Not Found``, then the details and what is available, one item a line.

    The details and the alternatives are one line each and may quote the request (its path):
    their control characters, line breaks included, are written escaped (:func:`printable`).
    """
    status = f"{code} {HTTP_STATUS_CODES.get(code, 'Error')}"
    lines = [status + (f": {printable(detail)}" if detail else "")]
    available = list(alternatives)
    if available:
        lines.append("Available:")
        lines += [f"  {printable(kind)}  {printable(where)}" for kind, where in available]
    return "\n".join(lines) + "\n"


def alternatives_json(alternatives: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"type": media_type, "href": where} for media_type, where in alternatives]


def problem_xml(problem: Mapping[str, Any]) -> str:
    """Problem Details in XML (RFC 9457 appendix B): one element per member, in its namespace.

    Lists (a 406's ``available``) become ``<i>`` items; a caret keeps its spaces. XML 1.0 has no
    way to write most control characters, not even as references, so they are written escaped
    as in text (:func:`printable`): a path with ``%00`` still gets a document that parses. Only
    the tabs of the query's line and of its caret are kept, so the caret still lines up.
    """

    def text(value: Any, name: str = "") -> str:
        return escape(printable(str(value), keep="\t" if name in ("text", "caret") else ""))

    if "caret" in problem and "text" in problem and "column" in problem:
        # Under the line as written here, where a control character takes its escape's width.
        problem = {**problem, "caret": caret(problem["text"], problem["column"], escaped=True)}

    def element(name: str, value: Any) -> str:
        if isinstance(value, list):
            items = "".join(
                "<i>" + "".join(element(k, v) for k, v in item.items()) + "</i>"
                if isinstance(item, dict)
                else f"<i>{text(item)}</i>"
                for item in value
            )
            return f"<{name}>{items}</{name}>"
        space = ' xml:space="preserve"' if name == "caret" else ""
        return f"<{name}{space}>{text(value, name)}</{name}>"

    body = "".join(element(name, value) for name, value in problem.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<problem xmlns="urn:ietf:rfc:7807">{body}</problem>\n'
    )
