"""How one RDF value reads on a page: a named link, a formatted date or number, or a text.

Everything here returns plain data for the templates (Jinja autoescapes all of it). Only
http(s) IRIs become links (:func:`server.rdf.iris.is_link`); any other IRI (``javascript:``,
``data:``, ``urn:``) is shown as text. Links to this server keep the reader's explicit
language choice (:func:`server.i18n.language.with_lang`). Dates and numbers are written by Babel
in the reader's locale (CLDR data, no hand-made month tables), with the lexical value of a date
kept in ``<time datetime>``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import dates, numbers
from flask_babel import gettext
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from server.config import N_, graph_namespace
from server.i18n import vocabulary
from server.i18n.language import FORMAT_LOCALES, Choice, current, with_lang
from server.rdf import labels
from server.rdf.iris import Rewriter, is_link
from server.rdf.jsonld import PREFIXES

#: How deep nested blank nodes are shown inline.
MAX_DEPTH = 8

DATE = re.compile(r"(-?\d{4,})-(\d{2})-(\d{2})")
YEAR_MONTH = re.compile(r"(-?\d{4,})-(\d{2})")
YEAR = re.compile(r"-?\d{4,}")
NUMBERS = {
    XSD.integer,
    XSD.int,
    XSD.long,
    XSD.short,
    XSD.nonNegativeInteger,
    XSD.positiveInteger,
    XSD.decimal,
    XSD.double,
    XSD.float,
}
DATES = {XSD.date, XSD.gYear, XSD.gYearMonth, XSD.dateTime}


def format_date(lexical: str, datatype: URIRef, lang: str) -> str | None:
    """A typed date in the locale's words (``10 December 2003`` in English).

    Babel's CLDR data writes it: the long date format for ``xsd:date``, the stand-alone
    month and year (``May 2016``) for ``xsd:gYearMonth``; None when the value is not a
    well-formed date (the page then shows it as it is).
    """
    locale = FORMAT_LOCALES.get(lang, lang)
    text = lexical.strip()
    if datatype == XSD.dateTime:
        day, _, time = text.partition("T")
        formatted = format_date(day, XSD.date, lang)
        return f"{formatted} {time[:5]}" if formatted and time else formatted
    if datatype == XSD.date and (m := DATE.fullmatch(text[:10])) and not m.group(1).startswith("-"):
        year, month, day = (int(g) for g in m.groups())
        try:
            return dates.format_date(date(year, month, day), "long", locale=locale)
        except ValueError:
            return None
    if datatype == XSD.gYearMonth and (m := YEAR_MONTH.fullmatch(text[:7])):
        year, month = (int(g) for g in m.groups())
        if year >= 1 and 1 <= month <= 12:
            return dates.format_skeleton("yMMMM", date(year, month, 1), locale=locale)
    if datatype == XSD.gYear and YEAR.match(text):
        return text[:4] if not text.startswith("-") else text
    return None


def format_number(lexical: str, lang: str) -> str | None:
    """Digit groups in the locale's way (``12,345``; ``12 345`` in Russian), else None."""
    try:
        number = Decimal(lexical.strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return numbers.format_decimal(number, locale=FORMAT_LOCALES.get(lang, lang))


def format_count(count: int) -> str:
    """A count in the page's language (the templates' ``number`` filter)."""
    return numbers.format_decimal(count, locale=current().locale)


def short_name(node: Node) -> str:
    """A CURIE for an IRI in a well-known namespace, else the IRI."""
    text = str(node)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: len(item[1]), reverse=True):
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


def readable_name(iri: str) -> str:
    """A name for an unlabelled IRI: a CURIE in a well-known namespace, else its local name."""
    curie = short_name(URIRef(iri))
    return curie if curie != iri else labels.local_name(iri)


def literal_view(node: Literal, choice: Choice) -> dict[str, Any]:
    datatype = node.datatype
    view: dict[str, Any] = {
        "kind": "literal",
        "text": str(node),
        "raw": str(node),
        "lang": node.language,
        "datatype": short_name(datatype) if datatype else None,
        "time": False,
    }
    if datatype in DATES:
        formatted = format_date(str(node), datatype, choice.code)
        if formatted:
            view.update(text=formatted, time=True, datatype=None)
    elif datatype in NUMBERS:
        formatted = format_number(str(node), choice.code)
        if formatted:
            view.update(text=formatted, datatype=None)
    elif datatype == XSD.boolean:
        view["datatype"] = None
    return view


#: Names of the licences a dataset is commonly published under (else the page shows the IRI).
LICENCES = {
    "https://creativecommons.org/licenses/by/4.0/": N_(
        "Creative Commons Attribution 4.0 International (CC BY 4.0)"
    ),
    "https://creativecommons.org/licenses/by-sa/4.0/": N_(
        "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)"
    ),
    "https://creativecommons.org/publicdomain/zero/1.0/": N_(
        "Creative Commons CC0 1.0 Universal (public domain dedication)"
    ),
}


def licence_name(iri: str) -> str | None:
    """The licence's name in the page's language, when it is a known one: in the footer, and
    wherever a page shows the licence's IRI as a value (``dcterms:license``)."""
    name = LICENCES.get(iri.replace("http://", "https://", 1))
    return gettext(name) if name else None


def dump_note(dump: Any) -> str:
    """What a dump file holds, in the page's language (the format's own name is not translated)."""
    name = dump.title.partition(" dump")[0]
    graphs = (
        gettext("one named graph per source file")
        if dump.media_type in ("application/n-quads", "application/trig")
        else gettext("all graphs merged")
    )
    if dump.gzipped:
        return gettext("%(format)s, gzipped (%(graphs)s)", format=name, graphs=graphs)
    return gettext("%(format)s (%(graphs)s)", format=name, graphs=graphs)


def iri_view(graph: Graph, node: Node, rw: Rewriter, choice: Choice) -> dict[str, Any]:
    """A link, or the IRI as text when it is not http(s) or names a graph (not a document)."""
    text = str(node)
    href = None
    graphs = (graph_namespace(rw.root), graph_namespace(rw.base))
    if is_link(node) and not text.startswith(graphs):
        href = with_lang(text, choice) if text.startswith(rw.root) else text
    found = labels.label(graph, node, choice.chain)
    return {
        "kind": "iri",
        "iri": text,
        "href": href,
        "label": found or licence_name(text) or readable_name(text),
        "named": found is not None,
    }


def term_view(graph: Graph, node: Node, rw: Rewriter, choice: Choice) -> dict[str, Any]:
    """A predicate or kind as a reader names it: its label, else the word for an outside term
    (:mod:`server.i18n.vocabulary`: "name" for ``rdfs:label``), else its CURIE.

    Values keep :func:`iri_view` (an alignment to ``schema:about`` is shown as the CURIE).
    """
    view = iri_view(graph, node, rw, choice)
    if not view["named"] and (word := vocabulary.label(node, choice.chain)):
        view.update(label=word, named=True)
    return view


def best_label(graph: Graph, node: Node) -> str | None:
    """The node's label in the page's language, following its fallback chain."""
    return labels.label(graph, node, current().chain)


def value_view(
    graph: Graph, node: Node, rw: Rewriter, depth: int = 0, choice: Choice | None = None
) -> dict[str, Any]:
    """What a template needs to show one value: a link, a literal or a nested blank node."""
    choice = choice or current()
    if isinstance(node, Literal):
        return literal_view(node, choice)
    if isinstance(node, BNode):
        rows = properties_view(graph, node, rw, depth + 1, choice) if depth < MAX_DEPTH else []
        return {"kind": "blank", "rows": rows}
    return iri_view(graph, node, rw, choice)


def sort_key(view: dict[str, Any], choice: Choice) -> tuple:
    """Values in a stable order: the page's language first, then by what is shown."""
    if view["kind"] == "literal":
        lang = view["lang"] or ""
        return (0, lang not in choice.chain[:1], lang, view["raw"])
    if view["kind"] == "iri":
        return (1, False, "", view["label"].lower())
    return (2, False, "", "")


def properties_view(
    graph: Graph,
    subject: Node,
    rw: Rewriter,
    depth: int = 0,
    choice: Choice | None = None,
    only: set[URIRef] | None = None,
) -> list[dict[str, Any]]:
    """The subject's properties, one row per predicate, named by its label, types first."""
    choice = choice or current()
    rows = []
    for predicate in set(graph.predicates(subject)):
        if only is not None and predicate not in only:
            continue
        values = [
            value_view(graph, v, rw, depth, choice) for v in graph.objects(subject, predicate)
        ]
        values.sort(key=lambda v: sort_key(v, choice))
        rows.append({"predicate": term_view(graph, predicate, rw, choice), "values": values})
    rows.sort(
        key=lambda r: (r["predicate"]["iri"] != str(RDF.type), r["predicate"]["label"].lower())
    )
    return rows
