"""Describing the dataset: VoID + DCAT, the dumps, and the published SHACL validation report.

- ``/.well-known/void`` (VoID, W3C Interest Group Note 2011, section 7 "Discovery") describes
  ``<…/.well-known/void#dataset>``, a ``void:Dataset`` and ``dcat:Dataset`` (DCAT 3): its
  statistics (section 4), class and property partitions with counts (section 4.5), the SPARQL
  endpoint (``void:sparqlEndpoint``, and ``dcat:DataService`` with ``dcat:endpointURL``), example
  resources, ``void:uriSpace``, licence, sources (every IRI the data cites with
  ``dcterms:source`` / ``prov:wasDerivedFrom`` / ``prov:hadPrimarySource``), the vocabularies it
  uses and its dumps (section 6.3), each a ``dcat:Distribution`` with ``dcat:downloadURL``,
  ``dcat:mediaType``, ``dcat:byteSize`` and an ``spdx:checksum`` (SHA-256) of the very bytes
  ``/dumps/…`` sends.
- Dumps are built once per dataset version (and root URL, since their IRIs are rewritten like
  every document's, see :mod:`server.rdf.iris`): Turtle, N-Triples gzipped, JSON-LD (the union of
  all graphs), and N-Quads gzipped and TriG with the named graph of each source file. Gzip
  output is deterministic (no timestamp), so the checksum is stable for a version.
- ``/validation`` publishes the ``sh:ValidationReport`` of the data being served, built from
  :func:`server.validation.shacl.validate`'s report; :func:`check_on_start` refuses to start the
  server (``VALIDATE_ON_START``) when it does not pass, with the validation messages. Reports are
  cached per content of the ontology, data and shapes files, so creating many apps on the same
  data validates once per process.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Flask, current_app, render_template
from flask_babel import force_locale, gettext
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, SH, VOID

from server.config import graph_namespace
from server.http.errors import HttpError
from server.http.responses import (
    LRU,
    context,
    context_url,
    no_format,
    prefixes,
    represent,
    respond,
    rewriter,
    store,
)
from server.i18n.language import LANGUAGES
from server.pages.values import best_label, dump_note, properties_view
from server.rdf.formats import DUMPS, HTML, RDF_OFFERS, Dump, Offer, by_name
from server.rdf.iris import Rewriter
from server.rdf.jsonld import compact
from server.rdf.namespaces import SD, SPDX, namespace_of
from server.rdf.scheme import things_prefix
from server.rdf.terms import graph_of, to_rdflib
from server.validation.shacl import Report, validation_report

IANA = "https://www.iana.org/assignments/media-types/"

DOC_OFFERS: tuple[Offer, ...] = (*RDF_OFFERS, HTML)

#: How many example resources VoID names (one per largest class).
EXAMPLES = 3


class DataNotConforming(RuntimeError):
    """The data does not pass validation: the server must not publish it."""


bp = Blueprint("dataset", __name__)


def init_app(app: Flask) -> None:
    app.extensions["ictkg.dumps"] = LRU(2 * len(DUMPS))
    app.register_blueprint(bp)


# --- validation -------------------------------------------------------------------------------


def check_on_start(app: Flask) -> None:
    """Refuse to serve data that does not pass validation (config ``VALIDATE_ON_START``)."""
    report = validation_report(app.config)
    if not report.passes():
        raise DataNotConforming(
            "The data does not conform to the shapes; the server will not publish it.\n"
            + report.render("text")
        )


def report_graph(report: Report, base: str) -> Graph:
    """The ``sh:ValidationReport`` (SHACL section 3.6) of the SHACL results, in RDF.

    ``sh:conforms`` is true exactly when there are no results (SHACL 3.6.1.1); the vocabulary
    lint's findings are not SHACL results and are not listed.
    """
    graph = Graph(bind_namespaces="none")
    node = URIRef(base + "validation#report")
    graph.add((URIRef(base + "validation"), FOAF.primaryTopic, node))
    graph.add((node, RDF.type, SH.ValidationReport))
    results = [f for f in report.results if f.kind == "shacl"]
    graph.add((node, SH.conforms, Literal(not results)))
    for finding in results:
        result = BNode()
        graph.add((node, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, SH[finding.severity]))
        graph.add((result, SH.resultMessage, Literal(finding.message)))
        if finding.focus_node and not finding.focus_node.startswith("_:"):
            graph.add((result, SH.focusNode, URIRef(finding.focus_node)))
        if finding.path and "://" in finding.path and not finding.path.startswith("<"):
            graph.add((result, SH.resultPath, URIRef(finding.path)))
        if finding.source_shape:
            graph.add((result, SH.sourceShape, URIRef(finding.source_shape)))
        if finding.constraint:
            graph.add((result, SH.sourceConstraintComponent, URIRef(finding.constraint)))
    return graph


# --- dumps ------------------------------------------------------------------------------------


def quads(source: Any) -> list[ox.Quad]:
    """Every quad, with the named graph of its source file, in a stable order."""
    rows = source.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return sorted({ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows}, key=str)


class DumpContent:
    """What the dumps for one root are written from: the dataset's quads and the union of its
    graphs, asked of the store once and rewritten for the root once, however many dumps are
    built from them (VoID builds all five: in front of an engine each dump asked it for every
    quad again, Virtuoso at 1e5 took 93 s for five)."""

    def __init__(self, source: Any, rw: Rewriter) -> None:
        self.source, self.rw = source, rw

    @functools.cached_property
    def canonical(self) -> list[ox.Quad]:
        return quads(self.source)

    @functools.cached_property
    def quads(self) -> list[ox.Quad]:
        return [self.rw.quad(q) for q in self.canonical]

    @functools.cached_property
    def triples(self) -> list[ox.Triple]:
        """Every distinct triple of the dataset (the union of its graphs), in a stable order."""
        union = sorted(
            {ox.Triple(q.subject, q.predicate, q.object) for q in self.canonical}, key=str
        )
        rewritten = (self.rw.quad(ox.Quad(t.subject, t.predicate, t.object)) for t in union)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in rewritten]


def build_dump(dump: Dump, content: DumpContent) -> bytes:
    """The bytes of one dump for ``content``'s root."""
    rw = content.rw
    names = prefixes(rw)
    if dump.media_type in ("application/n-quads", "application/trig"):
        data = ox.serialize(
            content.quads,
            format=ox.RdfFormat.from_media_type(dump.media_type),
            prefixes=names if dump.media_type == "application/trig" else None,
        )
    elif dump.media_type == "application/ld+json":
        data = compact(graph_of(content.triples), context(rw), context_url(rw))
    else:
        data = ox.serialize(
            content.triples,
            format=ox.RdfFormat.from_media_type(dump.media_type),
            prefixes=names if dump.media_type == "text/turtle" else None,
        )
    return gzip.compress(data, mtime=0) if dump.gzipped else data


def dump_bytes(dump: Dump, rw: Rewriter, content: DumpContent | None = None) -> bytes:
    """One dump, built once per dataset version and root (from ``content`` when several are
    built together)."""
    source = store()
    key = (source.version, rw.root, dump.filename)
    return current_app.extensions["ictkg.dumps"].get_or_build(
        key, lambda: build_dump(dump, content or DumpContent(source, rw))
    )


# --- VoID and DCAT ----------------------------------------------------------------------------


def count(source: Any, query: str) -> int:
    return int(next(iter(source.query(query)))["n"].value)


def in_languages(english: str, translated: Callable[[], str]) -> list[Literal]:
    """``english`` tagged ``en``, and ``translated()`` in each other interface language where it
    says something else: a title the operator set (``ICTKG_DATASET_TITLE``) has no translation,
    and is not restated as Russian or Belarusian."""
    found = [Literal(english, lang="en")]
    for lang in LANGUAGES:
        if lang != "en":
            with force_locale(lang):
                text = translated()
            if text != english:
                found.append(Literal(text, lang=lang))
    return found


def void_graph(rw: Rewriter) -> Graph:
    """The VoID + DCAT description in canonical IRIs (dump sizes and checksums for ``rw``)."""
    config = current_app.config
    base = config["BASE_IRI"]
    source = store()
    graph = Graph(bind_namespaces="none")
    doc = URIRef(base + ".well-known/void")
    dataset = URIRef(base + ".well-known/void#dataset")
    service = URIRef(base + "sparql")
    graph.add((doc, RDF.type, VOID.DatasetDescription))
    title = config["DATASET_TITLE"]
    for text in in_languages(
        f"Description of {title}", lambda: gettext("Description of %(title)s", title=gettext(title))
    ):
        graph.add((doc, DCTERMS.title, text))
    graph.add((doc, FOAF.primaryTopic, dataset))

    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, RDF.type, DCAT.Dataset))
    for text in in_languages(title, lambda: gettext(title)):
        graph.add((dataset, DCTERMS.title, text))
    description = config["DATASET_DESCRIPTION"]
    for text in in_languages(description, lambda: gettext(description)):
        graph.add((dataset, DCTERMS.description, text))
    graph.add((dataset, DCTERMS.license, URIRef(config["DATASET_LICENSE"])))
    graph.add(
        (dataset, DCTERMS.modified, Literal(current_app.extensions["ictkg.http"].last_modified))
    )
    graph.add((dataset, VOID.uriSpace, Literal(rw.local(base))))
    graph.add((dataset, VOID.sparqlEndpoint, service))

    distinct = "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }"
    under = f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}"))'
    stats = {
        VOID.triples: f"SELECT (COUNT(*) AS ?n) WHERE {{ {distinct} }}",
        VOID.entities: f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o {under} }}",
        VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
        VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
        VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
        VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    }
    for predicate, query in stats.items():
        graph.add((dataset, predicate, Literal(count(source, query))))

    vocabularies: set[str] = set()
    # Partitions are named in the order of their IRIs' text, whatever the engine: the page
    # lists them in the same order in every process and on every store.
    classes = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY STR(?c)"
    for index, row in enumerate(source.query(classes)):
        partition = BNode(f"class{index:05d}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], to_rdflib(row["c"])))
        graph.add((partition, VOID.entities, Literal(int(row["n"].value))))
        vocabularies.add(namespace_of(row["c"].value))
    properties = f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {distinct} }} GROUP BY ?p ORDER BY STR(?p)"
    for index, row in enumerate(source.query(properties)):
        partition = BNode(f"property{index:05d}")
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, to_rdflib(row["p"])))
        graph.add((partition, VOID.triples, Literal(int(row["n"].value))))
        vocabularies.add(namespace_of(row["p"].value))
    for namespace in sorted(vocabularies):
        graph.add((dataset, VOID.vocabulary, URIRef(namespace)))

    examples = f"""
        SELECT ?c (MIN(STR(?s)) AS ?x) (COUNT(DISTINCT ?s) AS ?n)
        WHERE {{ ?s a ?c FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{things_prefix(base)}")) }}
        GROUP BY ?c ORDER BY DESC(?n) STR(?c) LIMIT {EXAMPLES}"""
    for row in source.query(examples):
        graph.add((dataset, VOID.exampleResource, URIRef(row["x"].value)))
    # The graphs the entailed graph was derived from (server.rdf.alignments) are not sources.
    sources = f"""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?src WHERE {{
          ?s dcterms:source|prov:wasDerivedFrom|prov:hadPrimarySource ?src
          FILTER(isIRI(?src) && !STRSTARTS(STR(?src), "{graph_namespace(base)}"))
        }} ORDER BY ?src"""
    for row in source.query(sources):
        graph.add((dataset, DCTERMS.source, to_rdflib(row["src"])))
        graph.add((dataset, PROV.wasDerivedFrom, to_rdflib(row["src"])))

    content = DumpContent(source, rw)  # asked of the store only if a dump is not built yet
    for dump in DUMPS:
        data = dump_bytes(dump, rw, content)
        download = URIRef(base + "dumps/" + dump.filename)
        distribution = URIRef(base + ".well-known/void#dump-" + dump.filename.replace(".", "-"))
        graph.add((dataset, VOID.dataDump, download))
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        for text in in_languages(dump.title, functools.partial(dump_note, dump)):
            graph.add((distribution, DCTERMS.title, text))
        graph.add((distribution, DCAT.downloadURL, download))
        graph.add((distribution, DCAT.accessURL, download))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA + dump.media_type)))
        graph.add((distribution, DCTERMS.license, URIRef(config["DATASET_LICENSE"])))
        if dump.gzipped:
            graph.add((distribution, DCAT.compressFormat, URIRef(IANA + "application/gzip")))
        graph.add(
            (distribution, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger))
        )
        checksum = BNode()
        graph.add((distribution, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        digest = hashlib.sha256(data).hexdigest()
        graph.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))

    endpoint = URIRef(base + ".well-known/void#sparql")
    graph.add((dataset, DCAT.distribution, endpoint))
    graph.add((endpoint, RDF.type, DCAT.Distribution))
    for text in in_languages("SPARQL 1.1 endpoint", lambda: gettext("SPARQL 1.1 endpoint")):
        graph.add((endpoint, DCTERMS.title, text))
    graph.add((endpoint, DCAT.accessURL, service))
    graph.add((endpoint, DCAT.accessService, service))
    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, RDF.type, SD.Service))
    for text in in_languages(f"{title} SPARQL", lambda: gettext(title) + " SPARQL"):
        graph.add((service, DCTERMS.title, text))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, service))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    return graph


# --- HTML -------------------------------------------------------------------------------------


def graph_page(title: str, topic: str) -> Callable[[Graph, Rewriter], str]:
    """An HTML renderer for a small graph: its topic first, then every other named subject."""

    def render(graph: Graph, rw: Rewriter) -> str:
        main = URIRef(rw.local(topic))
        subjects = sorted({s for s in graph.subjects() if isinstance(s, URIRef)} - {main})
        sections = [
            {
                "id": str(s).rpartition("#")[2] if "#" in str(s) else "",
                "title": best_label(graph, s) or str(s),
                "iri": str(s),
                "rows": properties_view(graph, s, rw),
            }
            for s in subjects
        ]
        path = rw.local(topic)[len(rw.root) :].partition("#")[0]
        return render_template(
            "resource.html",
            title=best_label(graph, main) or title,
            iri=str(main),
            canonical=topic,
            types=[],
            rows=properties_view(graph, main, rw),
            sections=sections,
            formats=[(o, rw.root + f"{path}.{o.extension}") for o in RDF_OFFERS],
        )

    return render


# --- views ------------------------------------------------------------------------------------


def document(path: str, extension: str | None, build: Callable[[Rewriter], Graph], topic: str):
    if extension is not None and by_name(DOC_OFFERS, extension) is None:
        raise no_format(path, extension)
    rw = rewriter()
    return represent(
        path, DOC_OFFERS, lambda: build(rw), html=graph_page(path, topic), extension=extension
    )


@bp.get("/.well-known/void")
@bp.get("/.well-known/void.<extension>")
def void(extension: str | None = None):
    """The VoID + DCAT description (VoID §7: well-known URI ``/.well-known/void``)."""
    base = current_app.config["BASE_IRI"]
    return document(".well-known/void", extension, void_graph, base + ".well-known/void#dataset")


@bp.get("/validation")
@bp.get("/validation.<extension>")
def validation(extension: str | None = None):
    """The SHACL validation report of the data being served."""
    base = current_app.config["BASE_IRI"]
    return document(
        "validation",
        extension,
        lambda rw: report_graph(validation_report(current_app.config), base),
        base + "validation#report",
    )


@bp.get("/dumps/<filename>")
def dump(filename: str):
    """A dump of the whole dataset; its size and checksum are the ones VoID states."""
    chosen = next((d for d in DUMPS if d.filename == filename), None)
    if chosen is None:
        raise HttpError(404, f"no dump {filename!r}")
    rw = rewriter()
    return respond(
        ("dump", rw.root, chosen.filename),
        lambda: dump_bytes(chosen, rw),
        chosen.content_type or chosen.media_type,
        filename=chosen.filename,
    )
