"""The ontology namespace dereferences: ``/ontology`` is the document of ``{base}ontology#``.

The namespace is a hash namespace (Cool URIs for the Semantic Web, section 4.1 "Hash URIs"):
a term ``{base}ontology#Country`` is fetched by fetching ``{base}ontology``, so there is no 303;
the document negotiates between HTML documentation (one anchor per term, ``#Country``) and the
ontology in every RDF format, and has per-format URLs (``/ontology.ttl`` …) like every document.
The ontology's ``owl:versionIRI`` (``{base}ontology/0.1.0``) dereferences too: to the same
document while that is the version published, to a 404 that names the published one otherwise.

The RDF is the ontology exactly as loaded: the union of the named graphs of the files in
``ONTOLOGY_DIR`` (``{base}graph/{dir name}/…``, see :mod:`server.store.embedded`), fetched by one
CONSTRUCT. The HTML lists every class and property of the namespace with its label, definition,
super-classes or super-properties, domain, range and alignments to other vocabularies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from server.config import ontology_namespace
from server.http.errors import HttpError
from server.http.responses import LRU, no_format, represent, store
from server.pages import diagram
from server.pages.values import best_label, properties_view, value_view
from server.rdf.formats import HTML, RDF_OFFERS, Offer, by_name
from server.rdf.iris import Rewriter
from server.rdf.namespaces import SCHEMA
from server.rdf.terms import graph_of

DOC_OFFERS: tuple[Offer, ...] = (*RDF_OFFERS, HTML)

CLASS_TYPES = (OWL.Class, RDFS.Class)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)

#: Links from our terms to other vocabularies, shown as "alignments".
ALIGNMENTS = (
    OWL.equivalentClass,
    OWL.equivalentProperty,
    OWL.sameAs,
    SKOS.exactMatch,
    SKOS.closeMatch,
    SKOS.broadMatch,
    SKOS.narrowMatch,
    SKOS.relatedMatch,
)

bp = Blueprint("ontology", __name__)


def init_app(app: Flask) -> None:
    app.extensions["ictkg.ontology"] = LRU(2)
    app.register_blueprint(bp)


def ontology_graph() -> Graph:
    """The ontology files' triples (canonical IRIs), once per dataset version."""
    base = current_app.config["BASE_IRI"]
    prefix = f"{base}graph/{Path(current_app.config['ONTOLOGY_DIR']).name}/"
    query = (
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
    )
    source = store()
    return current_app.extensions["ictkg.ontology"].get_or_build(
        source.version, lambda: graph_of(source.query(query))
    )


def term_view(graph: Graph, term: URIRef, rw: Rewriter, namespace: str) -> dict[str, Any]:
    def values(*predicates: URIRef) -> list[dict[str, Any]]:
        found = {o for p in predicates for o in graph.objects(term, p)}
        return [value_view(graph, o, rw) for o in sorted(found)]

    return {
        "id": str(term)[len(namespace) :],
        "iri": str(term),
        "label": best_label(graph, term) or str(term)[len(namespace) :],
        "definition": [
            value_view(graph, o, rw)
            for p in (SKOS.definition, RDFS.comment)
            for o in sorted(graph.objects(term, p))
        ],
        "types": values(RDF.type),
        "supers": values(RDFS.subClassOf, RDFS.subPropertyOf),
        "domain": values(RDFS.domain, SCHEMA.domainIncludes),
        "range": values(RDFS.range, SCHEMA.rangeIncludes),
        "alignments": values(*ALIGNMENTS),
    }


def class_diagram(graph: Graph, classes: list[dict], properties: list[dict]) -> Markup:
    """The SVG of the classes (sub-class trees) and the properties between them."""
    boxes = [diagram.ClassBox(c["iri"], c["id"], c["label"]) for c in classes]
    parents = {
        c["iri"]: [str(o) for o in graph.objects(URIRef(c["iri"]), RDFS.subClassOf)]
        for c in classes
    }
    relations = [
        diagram.Relation(str(d), str(r), p["label"])
        for p in properties
        for d in graph.objects(URIRef(p["iri"]), RDFS.domain)
        for r in graph.objects(URIRef(p["iri"]), RDFS.range)
    ]
    return diagram.render(boxes, parents, relations, _("Class diagram"))


def render(graph: Graph, rw: Rewriter) -> str:
    """The HTML documentation of the ontology (``graph`` in local IRIs)."""
    base = current_app.config["BASE_IRI"]
    namespace = rw.local(ontology_namespace(base))
    ontology = URIRef(rw.local(base + "ontology"))

    def terms(types: tuple[URIRef, ...]) -> list[dict[str, Any]]:
        found = {
            s
            for t in types
            for s in graph.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(namespace)
        }
        views = [term_view(graph, s, rw, namespace) for s in found]
        return sorted(views, key=lambda v: v["label"].lower())

    classes = terms(CLASS_TYPES)
    properties = terms(PROPERTY_TYPES)
    return render_template(
        "ontology.html",
        diagram=class_diagram(graph, classes, properties),
        title=best_label(graph, ontology) or _("Ontology"),
        iri=str(ontology),
        namespace=namespace,
        header=properties_view(graph, ontology, rw),
        classes=classes,
        properties=properties,
        formats=[(o, f"{rw.root}ontology.{o.extension}") for o in RDF_OFFERS],
    )


@bp.get("/ontology")
@bp.get("/ontology.<extension>")
def ontology(extension: str | None = None):
    """The ontology document: HTML documentation or RDF, negotiated or per format."""
    return document("ontology", extension)


@bp.get("/ontology/<path:name>")
def ontology_version(name: str):
    """The document of the version IRI the ontology states (``/ontology/0.1.0``, and per format
    ``/ontology/0.1.0.ttl``): the ontology itself, which is that version. One route, because the
    version's own dots would make ``<version>.<extension>`` ambiguous."""
    published = published_version()
    if published is None:
        raise HttpError(
            404,
            _(
                "version %(name)s of the ontology is not published here: the ontology states "
                "no owl:versionIRI.",
                name=name,
            ),
        )
    if name == published:
        return document(f"ontology/{published}", None)
    if name.startswith(published + "."):
        return document(f"ontology/{published}", name[len(published) + 1 :])
    raise HttpError(
        404,
        _(
            "version %(name)s of the ontology is not published here: this server publishes "
            "version %(published)s, at /ontology/%(published)s.",
            name=name,
            published=published,
        ),
    )


def document(path: str, extension: str | None) -> Any:
    if extension is not None and by_name(DOC_OFFERS, extension) is None:
        raise no_format(path, extension)
    return represent(path, DOC_OFFERS, ontology_graph, html=render, extension=extension)


def published_version() -> str | None:
    """The last path segment of the ontology's ``owl:versionIRI`` under ``{base}ontology/``
    (``0.1.0``), or ``None`` when it states none there."""
    namespace = ontology_namespace(current_app.config["BASE_IRI"])
    versions = namespace[:-1] + "/"
    ontology = URIRef(namespace[:-1])
    for version in ontology_graph().objects(ontology, OWL.versionIRI):
        if str(version).startswith(versions) and "/" not in str(version)[len(versions) :]:
            return str(version)[len(versions) :]
    return None
