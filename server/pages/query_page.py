"""The answer to a query as the browser page shows it: a table with named links.

The page works as a plain HTML form: ``/query?query=…`` runs the query through the endpoint's
own worker pool (:mod:`server.workers.query`: the same time limit, row cap and ``SERVICE``
refusal as ``/sparql``), asks for SPARQL JSON (or N-Triples for graphs), reads it back with
pyoxigraph and shows one page of ``QUERY_PAGE_ROWS`` rows (``&page=N``; no wall at the first
thousand: every row up to the endpoint's ``RESULT_ROW_LIMIT`` is reachable), with one batched
label query for the IRIs shown (:mod:`server.rdf.labels`). A page runs the query again with
the row cap at its last row (the answer is the same within a dataset version, and a page
costs what the rows before it cost, never more than the cap). Downloads are links to
``/sparql?query=…&format=…``: the endpoint writes every result format itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask_babel import gettext as _
from markupsafe import Markup
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from server.http.errors import HttpError
from server.i18n import vocabulary
from server.i18n.language import Choice
from server.pages import chart, timeline
from server.pages.values import iri_view, literal_view
from server.rdf import labels
from server.rdf.formats import DATASET_OFFERS, RDF_OFFERS, RESULTS_OFFERS, Offer
from server.rdf.iris import Rewriter
from server.rdf.terms import to_rdflib
from server.workers.query import Job

#: Download formats of a CONSTRUCT / DESCRIBE answer (those of the endpoint).
GRAPH_FORMATS: tuple[Offer, ...] = RDF_OFFERS + DATASET_OFFERS


@dataclass
class Answer:
    """What the page shows for one query."""

    kind: str  # "select" | "ask" | "graph"
    columns: list[str] = field(default_factory=list)
    rows: list[list[dict[str, Any] | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated: bool = False
    formats: tuple[Offer, ...] = ()
    #: The page shown (from 1), the number of its first row, whether a next page exists and
    #: the total number of rows when the whole answer was read (None when cut).
    page: int = 1
    first: int = 1
    has_next: bool = False
    total: int | None = None
    #: A drawing of the rows shown: a timeline when a column holds dates, bars when one holds
    #: numbers (see :func:`drawing`); empty when neither.
    chart: Markup = field(default_factory=Markup)


def cell(term: Any, names: Graph, rw: Rewriter, choice: Choice) -> dict[str, Any] | None:
    """One result term for the table: a named link, a formatted literal or a blank node."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        # The pages' one link rule (a local link keeps the language, a graph name is text); the
        # label by the canonical IRI the names were read for, else the IRI itself.
        local = rw.local(term.value)
        view = iri_view(names, URIRef(local), rw, choice)
        found = labels.label(names, to_rdflib(term), choice.chain)
        return {**view, "label": found or local, "named": found is not None}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "text": f"_:{term.value}"}
    if isinstance(term, ox.Triple):
        return {"kind": "bnode", "text": str(term)}
    return literal_view(to_rdflib(term), choice)


def run(
    pool: Any,
    store: Any,
    query: str,
    config: Any,
    rw: Rewriter,
    choice: Choice,
    prefixes: dict[str, str] | None = None,
    page: int = 1,
) -> Answer:
    """The answer to ``query`` for the page; raises the pool's errors (see ``QueryPool.run``),
    and a 404 :class:`HttpError` for a page past the last.

    ``prefixes`` are predefined, and relative IRIs resolve against ``BASE_IRI``, as at
    ``/sparql`` (:mod:`server.store.prefixes`).
    """
    size = int(config["QUERY_PAGE_ROWS"])
    cap = int(config["RESULT_ROW_LIMIT"])
    job = Job(
        sparql=query,
        results_type="application/sparql-results+json",
        graph_type="application/n-triples",
        row_limit=min(page * size, cap),
        prefixes=tuple((prefixes or {}).items()),
        base_iri=str(config["BASE_IRI"]),
        # The root's IRIs in the query mean canonical ones; the answer stays canonical, so
        # that labels are looked up in the store, and each cell shows its local IRI.
        rewriter=rw,
        local_results=False,
    )
    result = pool.run(job, float(config["QUERY_TIMEOUT"]))
    if result.form == "graph":
        triples = ox.parse(result.body, format=ox.RdfFormat.N_TRIPLES)
        columns = ["subject", "predicate", "object"]
        raw = [[t.subject, t.predicate, t.object] for t in triples]
        kind, formats = "graph", GRAPH_FORMATS
    else:
        parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return Answer("ask", boolean=bool(parsed), formats=RESULTS_OFFERS)
        columns = [v.value for v in parsed.variables]
        raw = [[solution[c] for c in columns] for solution in parsed]
        kind, formats = "select", RESULTS_OFFERS
    shown = raw[(page - 1) * size : page * size]
    if page > 1 and not shown:  # as /list says it
        pages = max(1, -(-len(raw) // size))
        raise HttpError(404, _("page %(page)s of %(pages)s", page=page, pages=pages))
    iris = {t.value for row in shown for t in row if isinstance(t, ox.NamedNode)}
    names = labels.fetch(store, iris)
    rows = [[cell(t, names, rw, choice) for t in row] for row in shown]
    return Answer(
        kind,
        columns,
        rows,
        chart=drawing(columns, shown, rows) if kind == "select" else Markup(),
        # Cut by the endpoint's own cap, not by this page's end: the download is cut too.
        truncated=result.truncated and page * size >= cap,
        formats=formats,
        page=page,
        first=(page - 1) * size + 1,
        has_next=result.truncated and page * size < cap,
        total=None if result.truncated else len(raw),
    )


# --- a drawing of the answer -------------------------------------------------------------------

NUMBER_TYPES = {
    str(t)
    for t in (XSD.integer, XSD.int, XSD.long, XSD.short, XSD.decimal, XSD.double, XSD.float,
              XSD.nonNegativeInteger, XSD.positiveInteger)
}  # fmt: skip
DATE_TYPES = {str(t) for t in (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth)}
#: Above this many rows a page draws nothing (a chart of hundreds of bars explains nothing).
MAX_DRAWN = 60


def typed_column(raw: list[list[Any]], types: set[str]) -> int | None:
    """The first column whose every bound value is a literal of ``types`` (None if none)."""
    for index in range(len(raw[0]) if raw else 0):
        values = [row[index] for row in raw if row[index] is not None]
        if values and all(isinstance(v, ox.Literal) and v.datatype.value in types for v in values):
            return index
    return None


def drawing(columns: list[str], raw: list[list[Any]], rows: list[list[Any]]) -> Markup:
    """A timeline when a column holds dates (a second date column is the end), else bars when
    one holds numbers; each row named by its first other column. Nothing for one-column
    answers or more than ``MAX_DRAWN`` rows."""
    if len(columns) < 2 or not raw or len(raw) > MAX_DRAWN:
        return Markup()
    dated = typed_column(raw, DATE_TYPES)
    counted = typed_column(raw, NUMBER_TYPES) if dated is None else None
    value = dated if dated is not None else counted
    if value is None:
        return Markup()
    name = next(i for i in range(len(columns)) if i != value)
    later = [i for i in range(len(columns)) if i not in (value, name)]
    end = next((i for i in later if typed_column([[r[i]] for r in raw], DATE_TYPES) == 0), None)

    def named(row: list[Any]) -> tuple[str, str | None]:
        shown = row[name]
        if shown is None:
            return "", None
        return shown.get("label") or shown.get("text") or "", shown.get("href")

    if dated is not None:
        events = []
        for raw_row, row in zip(raw, rows, strict=True):
            if raw_row[dated] is None:
                continue
            label, href = named(row)
            stop = raw_row[end].value if end is not None and raw_row[end] is not None else None
            events.append(timeline.Event(href, label, raw_row[dated].value, stop))
        return timeline.render(events, _("The rows on a time axis"))
    bars = []
    for raw_row, row in zip(raw, rows, strict=True):
        if raw_row[counted] is None:
            continue
        try:
            number = float(raw_row[counted].value)
        except ValueError:
            continue
        label, href = named(row)
        bars.append(chart.Bar(label, number, row[counted]["text"], href))
    return chart.render(bars, _("The rows as bars"))


# --- what the editor completes ------------------------------------------------------------------

#: The kinds of term the editor completes, by their ``rdf:type``.
TERM_KINDS = {
    str(OWL.Class): "class",
    str(RDFS.Class): "class",
    str(OWL.ObjectProperty): "property",
    str(OWL.DatatypeProperty): "property",
    str(RDF.Property): "property",
}

#: SPARQL 1.1 keywords and functions offered while typing (Query §19.8 grammar terminals).
KEYWORDS = (
    "SELECT", "DISTINCT", "WHERE", "PREFIX", "BASE", "OPTIONAL", "FILTER", "UNION", "MINUS",
    "GRAPH", "BIND", "VALUES", "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASK",
    "CONSTRUCT", "DESCRIBE", "AS", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE",
    "GROUP_CONCAT", "STR", "LANG", "LANGMATCHES", "DATATYPE", "REGEX", "CONTAINS", "STRSTARTS",
    "LCASE", "UCASE", "YEAR", "MONTH", "NOW", "EXISTS", "NOT EXISTS", "IN", "COALESCE", "IF",
    "isIRI", "isLiteral", "BOUND", "DESC", "ASC",
)  # fmt: skip


def terms_query() -> str:
    kinds = ", ".join(f"<{k}>" for k in TERM_KINDS)
    return (
        f"SELECT ?t ?k ?l WHERE {{ ?t a ?k FILTER(isIRI(?t) && ?k IN ({kinds})) "
        f"OPTIONAL {{ ?t <{RDFS.label}> ?l }} }}"
    )


def dataset_terms(store: Any) -> dict[str, tuple[str, list[Literal]]]:
    """The classes and properties the data declares: IRI → (kind, labels), from one query."""
    terms: dict[str, tuple[str, list[Literal]]] = {}
    for row in store.query(terms_query()):
        _, names = terms.setdefault(row["t"].value, (TERM_KINDS[row["k"].value], []))
        if row["l"] is not None:
            names.append(to_rdflib(row["l"]))
    return terms


def curie(iri: str, prefixes: dict[str, str]) -> str | None:
    """``prefix:local`` for an IRI under one of the prefixes (the longest namespace wins)."""
    for name, namespace in sorted(prefixes.items(), key=lambda p: -len(p[1])):
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and plain_local(local):
            return f"{name}:{local}"
    return None


def plain_local(local: str) -> bool:
    """Whether ``local`` can be written after a prefix without escapes (SPARQL PN_LOCAL, simply)."""
    return all(c.isalnum() or c in "_-" for c in local) and not local.endswith("-")


def completions(
    terms: dict[str, tuple[str, list[Literal]]], prefixes: dict[str, str], choice: Choice
) -> dict[str, Any]:
    """What the editor offers: the predefined prefixes, SPARQL keywords, and every class and
    property of the data and of the outside vocabularies pages name (labelled in the page's
    language), as CURIEs."""
    offered: dict[str, dict[str, str]] = {}
    for iri, (kind, names) in terms.items():
        short = curie(iri, prefixes)
        if short:
            label = labels.pick(names, choice.chain)
            offered[short] = {"curie": short, "kind": kind, "label": str(label or "")}
    for node in set(vocabulary.graph().subjects()):
        short = curie(str(node), prefixes)
        if short and short not in offered:
            local = short.partition(":")[2]
            offered[short] = {
                "curie": short,
                "kind": "class" if local[:1].isupper() else "property",
                "label": vocabulary.label(node, choice.chain) or "",
            }
    return {
        "prefixes": prefixes,
        "keywords": list(KEYWORDS),
        "terms": sorted(offered.values(), key=lambda t: t["curie"]),
    }
