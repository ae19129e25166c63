"""Pages for people: home, lists, search and the query page, and what every page shares.

Every page is rendered in at most three SPARQL queries (``tests/pages/test_web.py`` counts them):
the home page asks for the kinds with their counts, the dated events, and the sources; a list
asks for one page of instances with their total and sort keys, then for their labels; search
asks the word index (:mod:`server.pages.search_index`: one query to build it per dataset
version, none afterwards). Labels always come in one batched query
(:mod:`server.rdf.labels`), in the reader's language (:mod:`server.i18n.language`).

The pages load nothing from another host and run no inline script (the JSON-LD ``<script>``
blocks are data, not executed): the Content-Security-Policy of :mod:`server.http.middleware`
holds them to that.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from rdflib import RDFS, Graph, Literal, URIRef

from server.config import ontology_namespace
from server.http.conneg import negotiate
from server.http.errors import HttpError, page_number
from server.http.responses import (
    LRU,
    etag_for,
    query_base,
    query_prefixes,
    rewriter,
    state,
    store,
)
from server.i18n import language
from server.pages import examples, query_page, search_index, timeline
from server.pages.resource_page import script_json
from server.pages.values import (
    dump_note,
    format_count,
    iri_view,
    licence_name,
    literal_view,
    term_view,
)
from server.rdf import alignments, labels
from server.rdf.formats import HTML, Offer
from server.rdf.scheme import things_prefix
from server.rdf.terms import to_rdflib
from server.workers.errors import query_failure

JSON = Offer("application/json", "json", "json")
SEARCH_OFFERS = (HTML, JSON)


bp = Blueprint("web", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["ictkg.search"] = search_index.SearchIndexes()
    # The home page's parts (:func:`home_parts`): per version, root and language.
    app.extensions["ictkg.home"] = LRU(12)
    app.jinja_env.filters["number"] = format_count
    app.jinja_env.globals.update(
        licence_name=licence_name,
        page_language=language.current,
        languages=language.NAMES,
        switch_url=language.switch_url,
        with_lang=language.with_lang,
    )


def sparql_str(text: str) -> str:
    """A SPARQL string literal for any text (escaped by pyoxigraph's term writer)."""
    return str(Literal(text).n3())


def html(template: str, status: int = 200, **context: Any) -> Response:
    """A page: revalidated at every use (``no-cache``), with an ETag of its bytes so that a
    browser's copy is confirmed by a 304 instead of sent again (the home page is 100 KB at
    scale). A page with another status (a query's error) is sent whole."""
    body = render_template(template, **context).encode()
    response = Response(body, status, mimetype="text/html")
    response.vary.add("Accept-Language")
    response.cache_control.no_cache = True
    if status != 200:
        return response
    response.set_etag(etag_for(body))
    return response.make_conditional(request)


# --- home ---------------------------------------------------------------------------------------

LABEL_VALUES = " ".join(f"<{p}>" for p in labels.LABEL_PREDICATES)


def kinds_query(base: str) -> str:
    """Instances per class (sub-classes included), with the class labels and super-classes.

    The kinds are ours and the outside classes the data states (``skos:Concept``); those only
    the alignments entail (``schema:Event``…, :mod:`server.rdf.alignments`) are not kinds of
    their own here. The classes the data states are a sub-query of their own, joined to the
    counts once: tested in the count's filter (``EXISTS``), the test ran for every instance
    (34.5 s at 1e5 triples against 0.16 s)."""
    entailed = alignments.graph_iri(base)
    return f"""
SELECT ?c ?n ?lp ?l ?sup WHERE {{
  {{ SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
      ?s a ?t . ?t <{RDFS.subClassOf}>* ?c .
      FILTER(isIRI(?s) && STRSTARTS(STR(?s), {sparql_str(things_prefix(base))}) && isIRI(?c))
  }} GROUP BY ?c }}
  OPTIONAL {{ SELECT DISTINCT ?c ?stated WHERE {{
      GRAPH ?g {{ ?any a ?c }} FILTER(?g != <{entailed}>) BIND(true AS ?stated) }} }}
  FILTER(STRSTARTS(STR(?c), {sparql_str(base)}) || BOUND(?stated))
  OPTIONAL {{ VALUES ?lp {{ {LABEL_VALUES} }} ?c ?lp ?l }}
  OPTIONAL {{ ?c <{RDFS.subClassOf}> ?sup FILTER(isIRI(?sup)) }}
}}"""


def dates_query(config: Any, latest: int) -> str:
    """The ``latest`` dated entries (by their earliest start, then IRI) with their dates and
    labels, and in one more row (``?total`` bound, the rest not) how many there are.

    The latest are chosen in the query: at 1e6 triples there are 30 000, and reading them all
    took 19 s. The sort is outside the grouping sub-query (Virtuoso does not order by an
    aggregate's name where it is computed, see :func:`list_query`)."""
    ns = ontology_namespace(config["BASE_IRI"])
    starts = f"<{ns}startDate> <https://schema.org/startDate>"
    return f"""
SELECT ?e ?start ?end ?lp ?l ?total WHERE {{
  {{ SELECT (COUNT(DISTINCT ?d) AS ?total) WHERE {{
      VALUES ?dp {{ {starts} }} ?d ?dp ?ds . FILTER(isIRI(?d)) }} }}
  UNION
  {{ {{ SELECT ?e WHERE {{
        {{ SELECT ?e (MIN(STR(?fs)) AS ?first) WHERE {{
            VALUES ?fp {{ {starts} }} ?e ?fp ?fs . FILTER(isIRI(?e)) }} GROUP BY ?e }}
      }} ORDER BY DESC(?first) DESC(STR(?e)) LIMIT {latest} }}
    VALUES ?sp {{ {starts} }} ?e ?sp ?start .
    OPTIONAL {{ VALUES ?ep {{ <{ns}endDate> <https://schema.org/endDate> }} ?e ?ep ?end }}
    OPTIONAL {{ VALUES ?lp {{ {LABEL_VALUES} }} ?e ?lp ?l }}
  }}
}}"""


SOURCES_QUERY = f"""
SELECT ?src ?n ?lp ?l WHERE {{
  {{ SELECT ?src (COUNT(DISTINCT ?s) AS ?n) WHERE {{
      ?s <http://purl.org/dc/terms/source> ?src FILTER(isIRI(?src)) }} GROUP BY ?src }}
  OPTIONAL {{ VALUES ?lp {{ {LABEL_VALUES} }} ?src ?lp ?l }}
}}"""


def rows_graph(rows: Any, subject: str, *values: tuple[str, URIRef | str]) -> Graph:
    """A graph of label/other triples from result rows (``?lp``/``?l`` become labels)."""
    graph = Graph(bind_namespaces="none")
    for row in rows:
        node = to_rdflib(row[subject])
        if row["l"] is not None:
            graph.add((node, to_rdflib(row["lp"]), to_rdflib(row["l"])))
        for var, predicate in values:
            if row[var] is not None:
                graph.add((node, URIRef(predicate), to_rdflib(row[var])))
    return graph


COUNT = "urn:x-ictkg:count"
START = "urn:x-ictkg:start"
END = "urn:x-ictkg:end"


def kinds(source: Any, base: str, rw: Any, choice: language.Choice) -> list[dict[str, Any]]:
    """Top kinds (no super-class among the counted ones) with their sub-kinds, by count."""
    graph = rows_graph(source.query(kinds_query(base)), "c", ("n", COUNT), ("sup", RDFS.subClassOf))
    counted = set(graph.subjects(URIRef(COUNT), None))

    def view(cls: Any, seen: frozenset) -> dict[str, Any]:
        subs = [
            s
            for s in graph.subjects(RDFS.subClassOf, cls)
            if s in counted and s not in seen and s != cls
        ]
        return {
            # The data's label, else the interface's word for an outside class (skos:Concept).
            "label": term_view(graph, cls, rw, choice)["label"],
            "count": int(graph.value(cls, URIRef(COUNT))),
            "href": language.with_lang(list_url(rw, str(cls)), choice),
            "subs": sorted(
                (view(s, seen | {s}) for s in subs), key=lambda v: (-v["count"], v["label"])
            ),
        }

    tops = [
        c
        for c in counted
        if not any(s in counted and s != c for s in graph.objects(c, RDFS.subClassOf))
    ]
    return sorted((view(c, frozenset({c})) for c in tops), key=lambda v: (-v["count"], v["label"]))


def list_url(rw: Any, cls: str, **params: Any) -> str:
    return f"{rw.root}list?" + urlencode({"class": rw.local(cls), **params})


def events(
    source: Any, config: Any, rw: Any, choice: language.Choice, latest: int
) -> tuple[list[dict[str, Any]], int]:
    """The ``latest`` dated entries in the order of their dates, and how many there are."""
    rows = list(source.query(dates_query(config, latest)))
    total = next((int(row["total"].value) for row in rows if row["total"] is not None), 0)
    dated = [row for row in rows if row["e"] is not None]
    graph = rows_graph(dated, "e", ("start", START), ("end", END))
    found = []
    for node in set(graph.subjects(URIRef(START), None)):
        start = min(str(v) for v in graph.objects(node, URIRef(START)))
        ends = [str(v) for v in graph.objects(node, URIRef(END))]
        view = iri_view(graph, URIRef(rw.local(str(node))), rw, choice)
        view["label"] = labels.name(graph, node, choice.chain)
        start_literal = graph.value(node, URIRef(START))
        end_literal = graph.value(node, URIRef(END))
        found.append(
            {
                **view,
                "start": start,
                "end": max(ends) if ends else None,
                "start_text": literal_view(start_literal, choice)["text"],
                "end_text": literal_view(end_literal, choice)["text"] if end_literal else None,
            }
        )
    return sorted(found, key=lambda e: (e["start"], e["label"], e["href"])), total


#: The most dated entries the home page's timeline shows: the latest ones. The real data has
#: 21; at 1e6 generated triples there are 30 000 and the page was 14.7 MB.
HOME_EVENTS = 200


def home_parts(source: Any, config: Any, rw: Any, choice: language.Choice) -> dict[str, Any]:
    """What the home page says of the data: its kinds, its events in time and its sources.

    Read from the whole store, so kept per dataset version, root and language
    (``ictkg.home``): at 1e5 triples the events alone take seconds to gather, and a home page
    is the most visited page of a site. The timeline shows the latest :data:`HOME_EVENTS`
    dated entries, saying how many there are and linking every event by date."""
    dated, total = events(source, config, rw, choice, HOME_EVENTS)
    event_class = ontology_namespace(config["BASE_IRI"]) + "Event"
    drawing = timeline.render(
        [timeline.Event(e["href"], e["label"], e["start"], e["end"]) for e in dated],
        _("Timeline"),
    )
    source_graph = rows_graph(source.query(SOURCES_QUERY), "src", ("n", COUNT))
    sources = sorted(
        (
            {
                **iri_view(source_graph, URIRef(rw.local(str(s))), rw, choice),
                "label": labels.name(source_graph, s, choice.chain),
                "count": int(source_graph.value(s, URIRef(COUNT))),
            }
            for s in set(source_graph.subjects(URIRef(COUNT), None))
        ),
        key=lambda v: (-v["count"], v["label"]),
    )
    return {
        "kinds": kinds(source, config["BASE_IRI"], rw, choice),
        "events": dated,
        "dated_total": total,
        "events_by_date": language.with_lang(list_url(rw, event_class, sort="date"), choice),
        "timeline": drawing,
        "sources": sources,
    }


@bp.get("/")
def home():
    """What the dataset is, what is in it, its events in time, and where to go next."""
    config = current_app.config
    source = store()
    rw = rewriter()
    choice = language.current()
    key = (source.version, rw.root, choice)
    parts = current_app.extensions["ictkg.home"].get_or_build(
        key, lambda: home_parts(source, config, rw, choice)
    )
    from server.rdf.formats import DUMPS

    return html(
        "home.html",
        title=_(config["DATASET_TITLE"]),
        description=_(config["DATASET_DESCRIPTION"]),
        **parts,
        examples=[
            {"slug": e.slug, "title": e.title(choice.chain)}
            for e in examples.load(config["QUERIES_DIR"])
        ],
        dumps=[{"filename": d.filename, "note": dump_note(d)} for d in DUMPS],
        root=rw.root,
    )


# --- lists --------------------------------------------------------------------------------------

DATE_TYPES = " ".join(
    f"<http://www.w3.org/2001/XMLSchema#{t}>" for t in ("date", "gYear", "gYearMonth", "dateTime")
)


def rank_of(tests: list[str]) -> str:
    """A SPARQL expression: the digit of the first of ``tests`` that holds ("0"…), else "9"."""
    expression = '"9"'
    for rank, test in reversed(list(enumerate(tests))):
        expression = f'IF({test}, "{rank}", {expression})'
    return expression


def list_query(cls: str, base: str, chain: tuple[str, ...], sort: str, size: int, page: int) -> str:
    """One page of the instances of ``cls`` (sub-classes included) with their total number.

    Sort keys are computed in the query: the label a page shows (:func:`server.rdf.labels.pick`:
    the page's language, then untagged text, then the rest of the chain, each in the order of
    :data:`server.rdf.labels.LABEL_PREDICATES`, else the IRI), in lower case and without the
    quotes or signs it opens with (``«Злучым свет»`` as if it had none), and the earliest
    date-typed value of the resource. The label is chosen as the least of its rank (language,
    then predicate) written before its text. They are sorted outside the grouping sub-query:
    Virtuoso does not let ``ORDER BY`` take an expression of an aggregate's name where it is
    computed. The members are a sub-query of their own: Virtuoso 7.2 drops every row when the
    ``subClassOf*`` path meets the OPTIONALs.
    """
    tests = [f"langMatches(lang(?l), {sparql_str(chain[0])})", 'lang(?l) = ""'] if chain else []
    language_rank = rank_of(
        [*tests, *(f"langMatches(lang(?l), {sparql_str(c)})" for c in chain[1:])]
    )
    # The predicate's rank by IF, not as a second column of VALUES: Virtuoso 7.2 stops answering
    # any request (ASK {} too) on VALUES pairs joined to the IFs of the language rank.
    predicate_rank = rank_of([f"?lp = <{p}>" for p in labels.LABEL_PREDICATES])
    member = f"?s a ?t . ?t <{RDFS.subClassOf}>* <{cls}> . FILTER(isIRI(?s))"
    # Ties go by the IRI's text: engines order IRIs themselves differently (Virtuoso by its ids).
    order = "?key STR(?s)" if sort == "label" else "(!BOUND(?date)) ?date ?key STR(?s)"
    return f"""
SELECT ?n ?s ?key ?date WHERE {{
  {{ SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {member} }} }}
  OPTIONAL {{
    SELECT ?s ?key ?date WHERE {{
      {{ SELECT ?s (MIN(?k) AS ?best) (MIN(?d) AS ?date) WHERE {{
        {{ SELECT DISTINCT ?s WHERE {{ {member} }} }}
        OPTIONAL {{ VALUES ?lp {{ {LABEL_VALUES} }} ?s ?lp ?l FILTER(isLiteral(?l))
          BIND(CONCAT({language_rank}, {predicate_rank}, STR(?l)) AS ?k) }}
        OPTIONAL {{ ?s ?dp ?dv FILTER(datatype(?dv) IN ({DATE_TYPES.replace("> <", ">, <")})) }}
        BIND(STR(?dv) AS ?d)
      }} GROUP BY ?s }}
      BIND(IF(BOUND(?best), SUBSTR(?best, 3), STR(?s)) AS ?name)
      BIND(LCASE(REPLACE(?name, "^[^\\\\p{{L}}\\\\p{{N}}]+", "")) AS ?key)
    }} ORDER BY {order} LIMIT {size} OFFSET {(page - 1) * size}
  }}
}} ORDER BY {order}"""


def list_key(sort: str, row: ox.QuerySolution) -> tuple:
    """The order of :func:`list_query` (``ORDER BY``), for one of its rows."""
    key = row["key"].value if row["key"] is not None else ""
    if sort == "label":
        return (key, row["s"].value)
    date = row["date"].value if row["date"] is not None else ""
    return (row["date"] is None, date, key, row["s"].value)


@bp.get("/list")
def instances():
    """Every instance of a class, sortable by label or date, paged: two queries."""
    config = current_app.config
    rw = rewriter()
    choice = language.current()
    cls = rw.canonical(request.args.get("class", ""))
    if labels.iri_ref(cls) is None:
        raise HttpError(400, _("class must be an IRI"))
    sort = request.args.get("sort", "label")
    if sort not in ("label", "date"):
        raise HttpError(400, _("sort must be label or date"))
    page, size = page_number(request.args.get("page")), int(config["LIST_PAGE_SIZE"])
    source = store()
    rows = list(source.query(list_query(cls, config["BASE_IRI"], choice.chain, sort, size, page)))
    total = int(rows[0]["n"].value) if rows else 0
    # The engine picked the page in order; the page's own rows are put in that order here too,
    # since Virtuoso 7.2 can shuffle them when the outer ORDER BY meets the OPTIONAL join.
    members = sorted((row for row in rows if row["s"] is not None), key=partial(list_key, sort))
    if total == 0:
        raise HttpError(404, _("no instances of %(cls)s", cls=cls))
    if page > 1 and not members:
        raise HttpError(
            404, _("page %(page)s of %(pages)s", page=page, pages=math.ceil(total / size))
        )
    iris = [row["s"].value for row in members]
    stated = stated_kinds(source, iris, alignments.graph_iri(config["BASE_IRI"]))
    names = labels.fetch(source, [cls, *iris, *set().union(*stated.values())])
    items = []
    for row in members:
        node = to_rdflib(row["s"])
        view = iri_view(names, URIRef(rw.local(str(node))), rw, choice)
        view["label"] = labels.name(names, node, choice.chain)
        view["date"] = (
            literal_view(Literal(row["date"].value, datatype=_date_type(row["date"].value)), choice)
            if row["date"] is not None
            else None
        )
        view["kinds"] = sorted(
            {
                term_view(names, URIRef(t), rw, choice)["label"]
                for t in stated.get(str(node), ())
                if t != cls
            }
        )
        items.append(view)
    pages = max(1, math.ceil(total / size))
    title = labels.name(names, URIRef(cls), choice.chain)

    def link(**params: Any) -> str:
        return language.with_lang(list_url(rw, cls, **params), choice)

    return html(
        "list.html",
        title=title,
        cls=rw.local(cls),
        items=items,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * size + 1,
        sort=sort,
        sort_names={"label": _("by name"), "date": _("by date")},
        sort_links={s: link(sort=s) for s in ("label", "date")},
        previous=link(sort=sort, page=page - 1) if page > 1 else None,
        next=link(sort=sort, page=page + 1) if page < pages else None,
    )


def stated_kinds(source: Any, iris: list[str], entailed: str) -> dict[str, set[str]]:
    """The classes the data states for each of ``iris``: the entailed graph adds outside classes
    (``schema:Place``, ``foaf:Organization``…) that a list need not name beside ours."""
    refs = " ".join(ref for ref in map(labels.iri_ref, iris) if ref)
    if not refs:
        return {}
    found: dict[str, set[str]] = {}
    rows = source.query(
        f"SELECT DISTINCT ?x ?t WHERE {{ VALUES ?x {{ {refs} }} GRAPH ?g {{ ?x a ?t }} "
        f"FILTER(?g != <{entailed}> && isIRI(?t)) }}"
    )
    for row in rows:
        found.setdefault(row["x"].value, set()).add(row["t"].value)
    return found


def _date_type(lexical: str) -> URIRef:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    if "T" in lexical:
        return URIRef(xsd + "dateTime")
    return URIRef(xsd + {4: "gYear", 7: "gYearMonth"}.get(len(lexical), "date"))


# --- search -------------------------------------------------------------------------------------


@bp.get("/search")
def search():
    """Find resources by their words in any language and script: HTML, or JSON for scripts."""
    rw = rewriter()
    choice = language.current()
    offer = negotiate(request.accept_mimetypes, SEARCH_OFFERS)
    if offer is None:
        raise HttpError(
            406,
            _("the search answers in HTML or JSON."),
            alternatives=[(o.media_type, request.base_url) for o in SEARCH_OFFERS],
        )
    text = request.args.get("q", "").strip()[:200]
    results = []
    if text:
        index = current_app.extensions["ictkg.search"].get(store())
        for hit in index.search(text, choice.chain, int(current_app.config["SEARCH_LIMIT"])):
            view = iri_view(Graph(), URIRef(rw.local(hit.iri)), rw, choice)
            view.update(label=hit.label, named=True, match=hit.match, kinds=hit.kinds)
            results.append(view)
    if offer is JSON:
        response = jsonify(
            {
                "query": text,
                "language": choice.code,
                "results": [
                    {
                        "iri": r["iri"],
                        "label": r["label"],
                        "match": r["match"],
                        "kinds": r["kinds"],
                    }
                    for r in results
                ],
            }
        )
    else:
        response = html("search.html", title=_("Search"), q=text, results=results)
    response.vary.add("Accept")
    return response


@bp.get("/search/suggest")
def suggest():
    """Names that begin with what is typed, for the search box: JSON, no store query.

    Every word but the last must be whole; the last may be a beginning (``Minsk 20`` suggests
    the 2009 summit). At most ``SUGGEST_LIMIT`` suggestions, best first.
    """
    rw = rewriter()
    choice = language.current()
    text = request.args.get("q", "").strip()[:200]
    found = []
    if text:
        index = current_app.extensions["ictkg.search"].get(store())
        limit = int(current_app.config["SUGGEST_LIMIT"])
        for hit in index.search(text, choice.chain, limit, whole_words=True):
            href = iri_view(Graph(), URIRef(rw.local(hit.iri)), rw, choice)["href"]
            found.append(
                {"iri": rw.local(hit.iri), "label": hit.label, "href": href, "kinds": hit.kinds}
            )
    response = jsonify({"query": text, "language": choice.code, "suggestions": found})
    response.vary.add("Accept-Language")
    return response


# --- the query page -----------------------------------------------------------------------------


@bp.get("/query")
def query():
    """The query page: an editor with the examples; with ``query=``, the answer as a table."""
    return query_page_response()


def query_terms() -> dict[str, Any]:
    """The classes and properties the editor completes, read once per dataset version."""
    source = store()
    return state().contexts.get_or_build(
        ("query-terms", source.version), lambda: query_page.dataset_terms(source)
    )


def query_page_links(text: str | None, answer: Any) -> dict[str, str | None]:
    """Links to the previous and next page of an answer (the query and language kept)."""
    if not text or answer is None:
        return {"previous": None, "next": None}

    def link(page: int) -> str:
        return language.with_lang(url_for("web.query", query=text, page=page))

    return {
        "previous": link(answer.page - 1) if answer.page > 1 else None,
        "next": link(answer.page + 1) if answer.has_next else None,
    }


def query_page_response() -> Response:
    """The query page (also what ``/sparql`` shows a browser): form, examples, answer."""
    config = current_app.config
    rw = rewriter()
    choice = language.current()
    known = examples.load(config["QUERIES_DIR"])
    chosen = request.args.get("example")
    text = request.args.get("query")
    if text is None and chosen:
        text = next((e.text for e in known if e.slug == chosen), None)
    answer, error, status = None, None, 200
    prefixes = query_prefixes()
    page = page_number(request.args.get("page"))
    if text and len(text) > int(config["MAX_QUERY_LENGTH"]):
        error = _("The query is over %(limit)s characters.", limit=config["MAX_QUERY_LENGTH"])
        status = 414
    elif text and request.path.endswith("/query"):
        pool = current_app.extensions["ictkg.queries"]
        try:
            answer = query_page.run(pool, store(), text, config, rw, choice, prefixes, page)
        except HttpError as exc:  # a page past the last: said on the page, the editor kept
            error, status = exc.description, exc.code
        except Exception as exc:  # the endpoint's own words (server/workers/errors.py)
            failure = query_failure(exc, text, float(config["QUERY_TIMEOUT"]))
            if failure is None:
                raise
            error, status = failure[0].plain().rstrip("\n"), failure[0].status
    return html(
        "query.html",
        status,
        title=_("SPARQL query"),
        text=text or "",
        examples=[{"slug": e.slug, "title": e.title(choice.chain), "text": e.text} for e in known],
        answer=answer,
        error=error,
        endpoint=rw.root + "sparql",
        prefixes=prefixes,
        base_iri=query_base(),
        timeout=config["QUERY_TIMEOUT"],
        row_limit=config["RESULT_ROW_LIMIT"],
        page_links=query_page_links(text, answer),
        share=language.with_lang(url_for("web.query", query=text)) if text else None,
        completions=script_json(query_page.completions(query_terms(), prefixes, choice)),
    )
