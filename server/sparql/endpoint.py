"""``/sparql``: the SPARQL 1.1 Protocol, read-only, with limits.

The three query operations of SPARQL 1.1 Protocol §2.1 (GET, URL-encoded POST, direct POST) with
the dataset parameters of §2.1.4 (graphs of our store: an IRI it does not hold is an empty graph,
never fetched); ``GET`` without a query answers with the Service Description (or, for a browser,
the query page). What is refused, and how:

- an update request (``update=``, or an ``application/sparql-update`` body) — 403: the endpoint
  does not implement the Update operation; an update inside ``query=`` is not a query, so it
  fails to parse — 400 saying so;
- a malformed query — 400 (§2.1.1, "Query Request" failure) with the line, the column, the line
  of the query with a caret and what was expected, in words (:mod:`server.workers.errors`),
  also when no format it accepts is offered (the 406 comes only for a query that parses);
  two ``query`` parameters — 400; no query in a POST — 400; ``SERVICE`` — 400
  (:mod:`server.store.safety`);
- another method — 405 with ``Allow``; another request media type — 415; a query in another
  encoding than UTF-8 (§2.1.3: "encoded in UTF-8"; percent-encoded UTF-8 in a URL, §2.1.1, or
  a form, §2.1.2) — 415 when a POST's ``charset`` says so, 400 when its bytes (percent-decoded
  from the URL or form) are not UTF-8;
- a body over ``MAX_CONTENT_LENGTH`` — 413 (Flask); a query over ``MAX_QUERY_LENGTH`` — 414 in
  a GET URI, 413 in a POST body;
- a query over ``QUERY_TIMEOUT`` — 503 (:mod:`server.workers.query`); a store that is down —
  503 with ``Retry-After``.

:mod:`server.workers.errors` says what went wrong with a query, in words; every error body is
written by :mod:`server.http.errors`: plain text by default, RFC 9457 problem details in JSON or
XML for a client that asked for JSON or XML results, a page for a browser. Every query
may use the predefined prefixes (``ictkg:``, ``rdfs:``, ``schema:``, the data's kinds…) and
relative IRIs, resolved against the dataset's base IRI (:mod:`server.store.prefixes`).

Results come from the worker as bytes pyoxigraph wrote, in the format chosen by ``format=`` /
``output=`` (a short name or a media type) or else by ``Accept`` (q-values respected; no
``Accept`` or ``*/*``: SPARQL JSON for SELECT/ASK, Turtle for graphs). CONSTRUCT / DESCRIBE
results are one graph; TriG and N-Quads are offered too (the graph as a dataset's default
graph) for clients that read only dataset formats. A result cut at ``RESULT_ROW_LIMIT`` rows
says so in ``X-ICTKG-Result-Truncated: true`` (always sent, with ``X-ICTKG-Result-Row-Limit``)
and, in SPARQL JSON / XML, in ``head.link`` (``{endpoint}#limits``); CSV, TSV and RDF formats
have no place for it in the body, so the header is the only signal there.

IRIs follow the server's one rule (README, "URIs"; :mod:`server.rdf.iris`): on a host other than
the canonical one, the host's IRIs may be used anywhere in a query and in ``default-graph-uri``
/ ``named-graph-uri``, the canonical ones still work, and results name things by the host's
IRIs, like every page and document of the server (unless ``REWRITE_IRIS`` is off).

Caching (RFC 9110 §8.8.3, §13; RFC 9111 §5.2.2): a GET's results carry a strong ``ETag`` made of
the dataset version (``store.version``) and everything that selects the body — the query, the
dataset parameters, the formats chosen (``format=`` / ``Accept``), the row limit and the URL the
request was made to — so a conditional GET (``If-None-Match``) is answered 304 without running
the query: the engine writes the same bytes for the same query on the same data. The service
description's ``ETag`` is hashed from the dataset version and its bytes. Both say
``Cache-Control:`` :data:`CACHE_CONTROL`.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request

from server.http.conneg import negotiate_header
from server.http.errors import HttpError, render
from server.http.responses import content_type, etag_for, query_base, query_prefixes, rewriter
from server.rdf import alignments
from server.rdf.formats import DATASET_OFFERS, HTML, RDF_OFFERS, RESULTS_OFFERS, Offer, by_name
from server.sparql.service_description import PREFIXES, description
from server.workers.errors import QueryError, query_failure
from server.workers.query import XML_TYPES, Answer, Job, QueryPool

blueprint = Blueprint("sparql", __name__)

#: CONSTRUCT / DESCRIBE results: RDF graph formats, then the dataset formats.
GRAPH_OFFERS: tuple[Offer, ...] = RDF_OFFERS + DATASET_OFFERS
#: The service description: RDF for machines, the query page for people.
DESCRIPTION_OFFERS: tuple[Offer, ...] = (*RDF_OFFERS, HTML)
#: ``format=json`` / ``format=xml`` for a graph mean its JSON and XML syntaxes.
#: Names other endpoints and clients use for ``format=`` (SPARQLWrapper sends ``turtle``…).
ALIASES = {
    "turtle": "ttl",
    "n-triples": "nt",
    "ntriples": "nt",
    "rdfxml": "rdf",
    "rdf+xml": "rdf",
    "json-ld": "jsonld",
    "n-quads": "nq",
    "nquads": "nq",
}
#: Turtle is Notation 3 too: SPARQLWrapper asks ``format=n3`` for its N3 return format.
GRAPH_ALIASES = {**ALIASES, "json": "jsonld", "xml": "rdf", "n3": "ttl"}

#: Shared caches may keep an answer a minute, then ask again with ``If-None-Match`` (a 304 while
#: the dataset version is the same): a reload shows within a minute everywhere.
CACHE_CONTROL = "public, max-age=60, must-revalidate"

TRUNCATED = "X-ICTKG-Result-Truncated"
ROW_LIMIT = "X-ICTKG-Result-Row-Limit"
ALLOW = "GET, HEAD, POST, OPTIONS"

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"


def init_app(app: Flask) -> None:
    """Register ``/sparql`` and fork the query workers of this process (before any thread)."""
    app.register_blueprint(blueprint)
    pool = QueryPool(
        app.extensions["ictkg"],
        int(app.config["QUERY_WORKERS"]),
        nice=int(app.config.get("QUERY_WORKER_NICE", 0)),
        memory=int(app.config.get("QUERY_WORKER_MEMORY", 0)) * 1024 * 1024,
    )
    app.extensions["ictkg.queries"] = pool


class Refusal(HttpError):
    """A request refused with an error status and the reason (answered by server.http.errors)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers=headers)


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error response for ``status`` (a page, problem details or text: server.http.errors)."""
    return render(Refusal(status, message.rstrip("\n"), headers))


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)
def sparql() -> Response:
    if request.method == "OPTIONS":
        # CORS preflight and plain OPTIONS (RFC 9110 §9.3.7); CORS headers come from
        # server.http.middleware.
        response = Response(status=204)
        del response.headers["Content-Type"]  # no content, so no type
        response.headers["Allow"] = ALLOW
        response.headers["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "Accept, Content-Type"
        )
        return response
    operation = read_operation()  # a Refusal is answered by server.http.errors
    if operation is None:
        return service_description()
    return answer(*operation)


def read_operation() -> tuple[str, list[str], list[str]] | None:
    """The query and dataset of the request (§2.1), or ``None`` for a GET without a query."""
    config = current_app.config
    require_utf8_queries(request.query_string, "§2.1.1")  # a query in the URL, in any method
    if request.method in ("GET", "HEAD"):
        if "update" in request.args:
            raise Refusal(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        queries = request.args.getlist("query")
        if any(len(q) > config["MAX_QUERY_LENGTH"] for q in queries):
            raise Refusal(414, f"The query is over {config['MAX_QUERY_LENGTH']} characters.")
        if not queries:
            return None
        dataset = request.args
    else:
        media_type = request.mimetype
        if media_type == UPDATE_TYPE:
            raise Refusal(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        if media_type == FORM:
            body = request.get_data()  # the raw body, kept for request.form to parse
            if "update" in request.form:
                raise Refusal(403, "This endpoint is read-only: SPARQL Update is not accepted.")
            require_utf8_charset(FORM, "is percent-encoded UTF-8", "§2.1.2")
            require_utf8_queries(body, "§2.1.2")
            queries = request.args.getlist("query") + request.form.getlist("query")
            dataset = request.values
        elif media_type == QUERY_TYPE:
            require_utf8_charset(QUERY_TYPE, "is encoded in UTF-8", "§2.1.3")
            queries = [*request.args.getlist("query"), utf8(request.get_data(), "§2.1.3")]
            dataset = request.args
        else:
            sent = f"not {media_type}" if media_type else "and this request has no media type"
            raise Refusal(
                415,
                f"Send a query as {QUERY_TYPE} or {FORM} (SPARQL 1.1 Protocol §2.1.2, §2.1.3), "
                f"{sent}.",
                {"Accept-Post": f"{QUERY_TYPE}, {FORM}"},
            )
        if not queries:
            raise Refusal(400, "No query: send it in the 'query' parameter or as the body.")
        if any(len(q) > config["MAX_QUERY_LENGTH"] for q in queries):
            raise Refusal(413, f"The query is over {config['MAX_QUERY_LENGTH']} characters.")
    if len(queries) > 1:
        raise Refusal(400, "Exactly one 'query' is allowed (SPARQL 1.1 Protocol §2.1.1).")
    graphs = {name: dataset.getlist(name) for name in ("default-graph-uri", "named-graph-uri")}
    for name, iris in graphs.items():
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError as error:
                # Protocol §2.1.4: the parameters are IRIs; anything else is a malformed request.
                raise Refusal(400, f"{name} {iri!r} is not an absolute IRI: {error}") from None
    return queries[0], graphs["default-graph-uri"], graphs["named-graph-uri"]


def utf8(data: bytes, section: str) -> str:
    """The query's bytes as text; 400 when they are not UTF-8 (SPARQL 1.1 Protocol ``section``:
    §2.1.1 and §2.1.2 percent-encode the query's UTF-8 bytes, §2.1.3 sends them as they are)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refusal(
            400,
            f"The query is not UTF-8 (SPARQL 1.1 Protocol {section}): byte {error.start} "
            f"is not valid ({error.reason}).",
        ) from None


def require_utf8_queries(encoded: bytes, section: str) -> None:
    """400 (:func:`utf8`) for a ``query`` parameter of URL-encoded ``encoded`` (a query string
    or a form body) whose percent-decoded bytes are not UTF-8. werkzeug keeps an escape it
    cannot decode as text (``%FF`` stays the three characters), which would run another query
    than the one sent; so the raw parameters are decoded here, strictly."""
    if not encoded:
        return
    for field in encoded.split(b"&"):
        name, _, value = field.partition(b"=")
        if unquote_to_bytes(name.replace(b"+", b" ")) == b"query":
            utf8(unquote_to_bytes(value.replace(b"+", b" ")), section)


def require_utf8_charset(media_type: str, encoded: str, section: str) -> None:
    """415 for a request body of ``media_type`` whose ``charset`` parameter names another
    encoding than UTF-8, the only one SPARQL 1.1 Protocol ``section`` has for it."""
    charset = request.mimetype_params.get("charset", "utf-8")
    if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise Refusal(
            415,
            f"A query sent as {media_type} {encoded} (SPARQL 1.1 Protocol {section}), "
            f"not {charset}.",
            {"Accept-Post": f"{QUERY_TYPE}; charset=utf-8, {FORM}"},
        )


def requested_format() -> str | None:
    values = request.args.getlist("format") + request.args.getlist("output")
    if request.mimetype == FORM:
        values += request.form.getlist("format") + request.form.getlist("output")
    return values[0] if values else None


def choose(offers: tuple[Offer, ...], name: str | None, aliases: dict[str, str]) -> Offer | None:
    """The offer a ``format=`` names, in any case (``JSON``), else the negotiated one (``None``:
    not acceptable)."""
    if name is not None:
        name = name.strip().lower()
        return by_name(offers, aliases.get(name, name))
    return negotiate_header(request.headers.get("Accept"), offers)


def not_acceptable(offers: tuple[Offer, ...], what: str) -> Response:
    """406 listing what is available (RFC 9110 §15.5.7)."""
    return render(
        HttpError(
            406,
            f"{what} are available in the formats below (by Accept, or format=).",
            alternatives=[(o.media_type, f"format={o.name}") for o in offers],
        )
    )


def answer(sparql: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
    """Run the query in a worker; the response in the chosen format, or the reason it failed."""
    config = current_app.config
    name = requested_format()
    results_offer = choose(RESULTS_OFFERS, name, ALIASES)
    graph_offer = choose(GRAPH_OFFERS, name, GRAPH_ALIASES)
    # Nothing acceptable is answered 406 only once the query has parsed: a syntax error (400)
    # comes first, so a client learns that its query is broken. The worker parses it (and
    # writes no results: it has no format to write them in).
    acceptable = results_offer is not None or graph_offer is not None
    row_limit = int(config["RESULT_ROW_LIMIT"])
    base_url = request.base_url  # werkzeug computes it anew on each use
    job = Job(
        sparql=sparql,
        default_graph_uris=tuple(default_graphs),
        named_graph_uris=tuple(named_graphs),
        results_type=results_offer.media_type if results_offer else None,
        graph_type=graph_offer.media_type if graph_offer else None,
        row_limit=row_limit,
        truncation_link=base_url + "#limits",
        prefixes=tuple(query_prefixes().items()),
        base_iri=query_base(),
        rewriter=rewriter(),
    )
    tag = None
    if request.method in ("GET", "HEAD") and acceptable:
        tag = results_etag(sparql, default_graphs, named_graphs, job, base_url)
        # RFC 9110 §13.1.2: If-None-Match compares weakly (W/"tag" matches "tag").
        if request.if_none_match.contains_weak(tag):
            return not_modified(tag)
    pool: QueryPool = current_app.extensions["ictkg.queries"]
    timeout = float(config["QUERY_TIMEOUT"])
    try:
        result = pool.run(job, timeout)
    except Exception as error:
        failure = query_failure(error, sparql, timeout)
        if failure is None:
            raise
        return render(as_http(*failure))
    if not acceptable:
        return not_acceptable(RESULTS_OFFERS + GRAPH_OFFERS, "query results")
    if result.media_type is None:
        if result.form == "graph":
            return not_acceptable(GRAPH_OFFERS, "graphs (CONSTRUCT, DESCRIBE)")
        return not_acceptable(RESULTS_OFFERS, "SELECT and ASK results")
    if result.not_xml:
        return not_xml(result)
    response = Response(result.body, content_type=content_type(result.media_type))
    response.headers[TRUNCATED] = "true" if result.truncated else "false"
    response.headers[ROW_LIMIT] = str(row_limit)
    response.vary.add("Accept")
    if tag is not None:
        response.set_etag(tag)
        response.headers["Cache-Control"] = CACHE_CONTROL
    return response


def not_xml(result: Answer) -> Response:
    """406 for results that hold a character XML 1.0 cannot carry, asked for in XML: written,
    they would be an ill-formed document; the other formats of their form can carry it."""
    offers = GRAPH_OFFERS if result.form == "graph" else RESULTS_OFFERS
    return render(
        HttpError(
            406,
            f"These results hold {result.not_xml}, a character XML 1.0 cannot carry, not even "
            f"escaped, so they cannot be written as {result.media_type}. They are available in "
            "the formats below (by Accept, or format=).",
            alternatives=[
                (o.media_type, f"format={o.name}") for o in offers if o.media_type not in XML_TYPES
            ],
        )
    )


def results_etag(
    sparql: str, default_graphs: list[str], named_graphs: list[str], job: Job, base_url: str
) -> str:
    """A strong validator for a GET's results: the dataset version and what selects the body
    (the URL the request was made to names the truncation link, the root the results' IRIs)."""
    key = [
        current_app.extensions["ictkg"].version,
        sparql,
        *default_graphs,
        "\1",
        *named_graphs,
        "\1",
        job.results_type or "",
        job.graph_type or "",
        str(job.row_limit),
        base_url,
        job.rewriter.root if job.rewriter is not None else "",
    ]
    return hashlib.sha256("\0".join(key).encode()).hexdigest()[:40]


def as_http(error: QueryError, headers: dict[str, str]) -> HttpError:
    """What :mod:`server.workers.errors` says of a failed query, as the error to answer."""
    problem = error.problem()
    return HttpError(
        error.status,
        error.message,
        headers=headers,
        problem_type=str(problem["type"]),
        title=error.title if error.line is not None else None,
        members={
            k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail")
        },
        text=error.plain() if error.line is not None else None,
    )


def not_modified(tag: str) -> Response:
    """304 with the headers the 200 would carry that a cache updates (RFC 9110 §15.4.5)."""
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Accept")
    return response


def service_description() -> Response:
    """The Service Description in RDF, or the query page for a browser (conneg)."""
    name = requested_format()
    offer = choose(DESCRIPTION_OFFERS, name, ALIASES)
    if offer is None:
        return not_acceptable(DESCRIPTION_OFFERS, "the service description and query page")
    if offer is HTML:
        from server.pages.views import (
            query_page_response,  # the query page for people (server/pages/views.py)
        )

        response = query_page_response()
    else:
        triples = sd_triples(current_app.extensions["ictkg"])
        data = ox.serialize(triples, format=offer.rdf_format, prefixes=prefixes_for(offer))
        response = Response(data, content_type=content_type(offer.media_type))
    response.vary.add("Accept")
    # The dataset version and the bytes: the description, or the page in this language.
    response.set_etag(etag_for(response.get_data()))
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


def prefixes_for(offer: Offer) -> dict[str, str] | None:
    return PREFIXES if offer.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None


def sd_triples(store: Any) -> list[ox.Triple]:
    config = current_app.config
    rw = rewriter()
    return description(
        store,
        request.base_url,
        request.root_url,
        local=rw.local,
        timeout=float(config["QUERY_TIMEOUT"]),
        row_limit=int(config["RESULT_ROW_LIMIT"]),
        prefixes=query_prefixes(),
        base_iri=query_base(),
        entailed=alignments.graph_iri(config["BASE_IRI"]),
    )
