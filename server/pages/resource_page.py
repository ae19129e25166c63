"""The HTML page of a resource, rendered from its description alone (no further query).

A reader sees the label as the title, the kinds, a one-sentence description, then the facts
grouped (names; facts; the same thing elsewhere) and named by their predicates' labels in the
page language; each fact carries numbered notes to the sources that back it (the sources stated
in the same file, see :func:`server.describe.resources.describe`), listed under "Sources".
Incoming links are grouped by how they link here, with their count and pages. The description
itself is embedded as JSON-LD for search engines (:func:`script_json`, escaped so that no data
can close the ``<script>`` element).
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS
from rdflib.term import Node

from server.http.responses import url
from server.i18n.language import current, with_lang
from server.pages.values import sort_key, term_view, value_view
from server.rdf import labels
from server.rdf.formats import RDF_OFFERS
from server.rdf.iris import Rewriter
from server.rdf.jsonld import PREFIXES

NAME_PREDICATES = {*labels.LABEL_PREDICATES, *labels.ALT_PREDICATES}
SOURCE_PREDICATES = {DCTERMS.source, PROV.wasDerivedFrom, PROV.hadPrimarySource}
ELSEWHERE_PREDICATES = {
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    RDFS.seeAlso,
    labels.SCHEMA.sameAs,
}
#: Characters that must not appear raw inside ``<script>`` (HTML §4.12.1.3) or JS strings.
SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element: ``</script>`` or ``<!--`` cannot occur."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    for raw, escaped in SCRIPT_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text


def embedded_jsonld(graph: Graph) -> str:
    """The description as compact JSON-LD with an inline context of well-known prefixes.

    rdflib writes values in the order the graph got them, which is the engine's order; they
    are put in the order of their terms first, so the page is the same whatever the store.
    """
    context = {"@version": 1.1, **PREFIXES}
    ordered = Graph()
    for triple in sorted(graph, key=lambda t: tuple(term.n3() for term in t)):
        ordered.add(triple)
    document = json.loads(ordered.serialize(format="json-ld", context=context, auto_compact=True))
    return script_json(document)


def fact_rows(
    graph: Graph,
    topic: Node,
    rw: Rewriter,
    predicates: list[URIRef],
    notes: dict[tuple[Node, Node | None], list[int]],
    skip: frozenset[Node] = frozenset(),
) -> list[dict[str, Any]]:
    """One row per predicate (named by its label), each value with its source notes.

    Values in ``skip`` are left out, and so is a predicate left with no value.
    """
    choice = current()
    rows = []
    for predicate in predicates:
        values = []
        for obj in graph.objects(topic, predicate):
            if obj in skip:
                continue
            view = value_view(graph, obj, rw, choice=choice)
            key = (predicate, None if isinstance(obj, BNode) else obj)
            view["notes"] = notes.get(key, [])
            values.append(view)
        if not values:
            continue
        values.sort(key=lambda v: sort_key(v, choice))
        rows.append({"predicate": term_view(graph, predicate, rw, choice), "values": values})
    rows.sort(key=lambda r: r["predicate"]["label"].lower())
    return rows


def numbered_sources(
    description: Any, graph: Graph, topic: Node, rw: Rewriter
) -> tuple[list[dict[str, Any]], dict[tuple[Node, Node | None], list[int]]]:
    """The sources in order of first use, numbered, and the notes of each fact."""
    choice = current()
    sources: list[Node] = sorted(graph.objects(topic, DCTERMS.source), key=str)
    notes: dict[tuple[Node, Node | None], list[int]] = {}
    for (predicate, obj), backing in sorted(description.provenance.items(), key=str):
        if predicate == DCTERMS.source:
            continue
        local = (rw.term(predicate), rw.term(obj) if obj is not None else None)
        for source in sorted(backing, key=str):
            node = rw.term(source)
            if node not in sources:
                sources.append(node)
            notes.setdefault(local, []).append(sources.index(node) + 1)
    for numbers in notes.values():
        numbers.sort()
    views = []
    for number, source in enumerate(sources, start=1):
        view = value_view(graph, source, rw, choice=choice)
        view["number"] = number
        view["facts"] = sum(1 for n in notes.values() if number in n)
        views.append(view)
    return views, notes


def incoming_groups(graph: Graph, topic: Node, document: Node, rw: Rewriter) -> list[dict]:
    """Incoming links grouped by how they link here, each group named from this side.

    A group is named by its relation's inverse label (``ictkg:inverseLabel``: "adopted at"
    reads "documents adopted here" on the event's page), else by a phrase quoting the forward
    label ("link here as «held in»"); a link through a blank node (``event / attendance``) is
    named by the last step, the step before it given as "via".
    """
    choice = current()
    groups: dict[tuple[str, ...], dict[str, Any]] = {}

    def add(subject: Node, path: list[Node]) -> None:
        steps = [term_view(graph, p, rw, choice) for p in path]
        key = tuple(s["iri"] for s in steps)
        if key not in groups:
            last = steps[-1]
            # The graph is in local IRIs: the annotation is under the request's root too.
            inverse = labels.inverse_label(graph, path[-1], choice.chain, rw.root)
            groups[key] = {
                "path": steps,
                "relation": last,
                "heading": inverse or _("link here as “%(relation)s”", relation=last["label"]),
                "via": steps[:-1],
                "subjects": [],
            }
        groups[key]["subjects"].append(value_view(graph, subject, rw, choice=choice))

    for subject, predicate in sorted(set(graph.subject_predicates(topic))):
        if subject in (topic, document):
            continue
        if isinstance(subject, BNode):
            for owner, via in sorted(graph.subject_predicates(subject)):
                add(owner, [via, predicate])
        else:
            add(subject, [predicate])
    result = sorted(groups.values(), key=lambda g: (g["heading"].lower(), g["relation"]["iri"]))
    for group in result:
        group["subjects"].sort(key=lambda v: sort_key(v, choice))
    return result


def render(description: Any, graph: Graph, rw: Rewriter) -> str:
    """The HTML page of a description (``graph`` is its local-IRI version)."""
    choice = current()
    topic = URIRef(rw.local(description.iri))
    document = URIRef(rw.local(description.document))
    sources, notes = numbered_sources(description, graph, topic, rw)
    # What the alignments entail restates a stated fact in another vocabulary: the page shows
    # the stated facts (the embedded JSON-LD and the RDF documents carry both).
    entailed = {
        (rw.term(p), rw.term(o) if o is not None else None) for p, o in description.entailed
    }
    embedded = embedded_jsonld(graph)
    if entailed:
        shown = Graph(bind_namespaces="none")
        for triple in graph:
            s, p, o = triple
            if s != topic or (p, None if isinstance(o, BNode) else o) not in entailed:
                shown.add(triple)
        graph = shown  # the cached graph is left as it is: the RDF documents state everything

    predicates = set(graph.predicates(topic)) - {RDF.type}
    names = sorted(predicates & NAME_PREDICATES)
    elsewhere = sorted(predicates & ELSEWHERE_PREDICATES)
    facts = sorted(predicates - NAME_PREDICATES - ELSEWHERE_PREDICATES - SOURCE_PREDICATES)
    sections = [
        {
            "id": "facts",
            "title": _("Facts"),
            "rows": fact_rows(graph, topic, rw, facts, notes),
        },
        {
            "id": "names",
            "title": _("Names"),
            "rows": fact_rows(graph, topic, rw, names, notes),
        },
        {
            "id": "elsewhere",
            "title": _("Elsewhere"),
            # The page already names the canonical IRI: not again as an owl:sameAs link.
            "rows": fact_rows(
                graph, topic, rw, elsewhere, notes, skip=frozenset({URIRef(description.iri)})
            ),
        },
    ]
    path = description.document[len(current_app.config["BASE_IRI"]) :]

    def page_url(page: int) -> str:
        return with_lang(url(rw, path, query=f"page={page}"), choice)

    pager = {
        "page": description.page,
        "pages": description.pages,
        "total": description.total,
        "previous": page_url(description.page - 1) if description.page > 1 else None,
        "next": page_url(description.page + 1) if description.page < description.pages else None,
    }
    types = [term_view(graph, t, rw, choice) for t in graph.objects(topic, RDF.type)]
    types.sort(key=lambda v: v["label"].lower())
    # The RDF of this page of incoming links, as the Link header names it (``?page=N``).
    this_page = f"page={description.page}" if description.page > 1 else ""
    return render_template(
        "resource.html",
        title=labels.name(graph, topic, choice.chain),
        summary=labels.description(graph, topic, choice.chain),
        iri=str(topic),
        canonical=description.iri,
        types=types,
        sections=[s for s in sections if s["rows"]],
        sources=sources,
        incoming=incoming_groups(graph, topic, document, rw),
        pager=pager,
        formats=[(o, url(rw, path, o, this_page)) for o in RDF_OFFERS],
        jsonld=embedded,
    )
