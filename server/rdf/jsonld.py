"""The JSON-LD ``@context`` the server publishes at ``/context.jsonld``, and compaction against it.

Decision: rdflib's JSON-LD serializer compacts a graph against a context we give it and its parser
reads the result back into an isomorphic graph, while pyoxigraph writes expanded-style JSON-LD
only. So documents are compacted by rdflib against this context, then the inline context is
replaced by its URL: the published context is the very same object, so a JSON-LD 1.1 processor that
dereferences the URL reads the document unchanged.

The context holds the prefixes the server writes with (well-known vocabularies plus the
ontology's own prefix, ``vann:preferredNamespacePrefix``) and one term per class and property of
the ontology namespace, so that our own terms compact to bare names. A term that would shadow a
prefix is left out. Terms carry no type coercion (``"@type": "@id"``): rdflib 7's compaction
drops the triples of a blank node reached through a coerced term, and the round-trip test in
``tests/http/test_http.py`` holds the output to an isomorphic graph. All IRIs go through the
request's :class:`~server.rdf.iris.Rewriter`, so a local client's context expands to local IRIs.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rdflib import Graph

from server.config import ontology_namespace
from server.rdf.iris import Rewriter

#: The prefixes every representation may use (Turtle, RDF/XML and the JSON-LD context).
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "sh": "http://www.w3.org/ns/shacl#",
    "spdx": "http://spdx.org/rdf/terms#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "wd": "http://www.wikidata.org/entity/",
}

OWL = PREFIXES["owl"]

#: Local names that can be JSON-LD terms as they are (no CURIE or IRI look-alikes).
TERM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

TERMS_QUERY = f"""
PREFIX owl: <{OWL}>
PREFIX rdf: <{PREFIXES["rdf"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
SELECT DISTINCT ?term WHERE {{
  VALUES ?kind {{ owl:Class rdfs:Class owl:ObjectProperty owl:DatatypeProperty
                  owl:AnnotationProperty rdf:Property }}
  ?term a ?kind .
  FILTER(STRSTARTS(STR(?term), ?ns))
}}
"""

PREFIX_QUERY = """
PREFIX vann: <http://purl.org/vocab/vann/>
SELECT ?prefix WHERE { ?ontology vann:preferredNamespaceUri ?ns ;
                                 vann:preferredNamespacePrefix ?prefix . }
"""


def ontology_prefix(store: Any, namespace: str) -> str:
    """The prefix the ontology asks for (``vann:preferredNamespacePrefix``), else ``ont``."""
    query = PREFIX_QUERY.replace("?ns", json.dumps(namespace))
    for row in store.query(query):
        return str(row["prefix"].value)
    return "ont"


def canonical_context(store: Any, base_iri: str) -> dict[str, Any]:
    """The context in canonical IRIs, built from the ontology in the store."""
    namespace = ontology_namespace(base_iri)
    prefix = ontology_prefix(store, namespace)
    context: dict[str, Any] = {"@version": 1.1, **PREFIXES, prefix: namespace}
    terms: dict[str, Any] = {}
    for row in store.query(TERMS_QUERY.replace("?ns", json.dumps(namespace))):
        iri = row["term"].value
        name = iri[len(namespace) :]
        if not TERM_NAME.fullmatch(name) or name in context:
            continue
        terms[name] = iri
    context.update(sorted(terms.items()))
    return context


def local_context(context: dict[str, Any], rewriter: Rewriter) -> dict[str, Any]:
    """The same context with every IRI under the base moved to the request's root."""

    def move(value: Any) -> Any:
        if isinstance(value, str) and not value.startswith("@"):
            return rewriter.local(value)
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        return value

    return {key: move(value) for key, value in context.items()}


def compact(graph: Graph, context: dict[str, Any], context_url: str) -> bytes:
    """Compact JSON-LD 1.1 of ``graph`` against ``context``, referencing it by URL."""
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(document, dict):
        document["@context"] = context_url
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def context_document(context: dict[str, Any]) -> bytes:
    """The body of ``/context.jsonld``."""
    return json.dumps({"@context": context}, ensure_ascii=False, indent=2).encode()
