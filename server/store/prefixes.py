"""The prefixes every query may use without declaring them, and the base of relative IRIs.

One table, built from the places that already define each part (nothing is copied here):

- the vocabularies the server writes with (:data:`server.rdf.jsonld.PREFIXES`: ``rdf``, ``rdfs``,
  ``owl``, ``xsd``, ``skos``, ``dcterms``, ``schema``, ``org``, ``foaf``, ``prov``, …);
- the ontology's own prefix, the one it asks for (``vann:preferredNamespacePrefix``:
  ``ictkg:``), read from the store as the JSON-LD context does;
- the kinds of things (``state:``, ``orgn:``, ``doc:``, ``event:``, ``series:``, ``source:``…):
  the prefixes the ontology and data files declare for namespaces under the base IRI, read from
  each file's prologue (the directives before its first triple) with pyoxigraph's parser. A
  name that two files bind to different namespaces is left out (it would be a guess).

The well-known names win over the files' (a file cannot redefine ``schema:``), and a query's
own ``PREFIX`` declarations win over all of these: the engine applies the table before the
query's prologue. The same table (:func:`server.http.responses.query_prefixes`) goes to the
engine (:mod:`server.workers.query`), into the Service Description (``sh:declare``,
:mod:`server.sparql.service_description`) and onto the query page.

Relative IRIs in a query (``<id/state/belarus>``) are resolved against the dataset's base IRI
(``BASE_IRI``, ``https://w3id.org/belarus-ict/`` by default), so they name the dataset's own
things; a query's ``BASE`` wins. The embedded engine takes both as arguments of
``Store.query`` (``prefixes=``, ``base_iri=``), so the text of the query, and every line and
column an error names, stays the user's; an engine behind the SPARQL protocol gets them as a
:func:`prologue` in front of the query instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server.config import ontology_namespace
from server.rdf import jsonld
from server.store.embedded import RDF_SUFFIXES, rdf_files


def declared_prefixes(files: Iterable[Path], under: str) -> dict[str, str]:
    """The prefixes ``files`` declare before their first triple for namespaces under ``under``.

    pyoxigraph's parser reports the prefixes seen so far (``QuadParser.prefixes``), so only the
    prologue of each file is read. A name bound to two namespaces is dropped.
    """
    found: dict[str, set[str]] = {}
    for file in files:
        fmt = RDF_SUFFIXES.get(file.suffix)
        if fmt is None:
            continue
        try:
            parser = ox.parse(path=str(file), format=fmt)
            next(parser, None)
            prefixes = parser.prefixes
        except (OSError, SyntaxError):  # the validator reports it; a table entry is no place
            continue
        for name, namespace in prefixes.items():
            if name and namespace.startswith(under) and namespace != under:
                found.setdefault(name, set()).add(namespace)
    return {name: next(iter(spaces)) for name, spaces in sorted(found.items()) if len(spaces) == 1}


def predefined(store: Any, config: Mapping[str, Any]) -> dict[str, str]:
    """The table for this store and configuration: well-known, the ontology's, the kinds'."""
    base = str(config["BASE_IRI"])
    directories = [
        Path(config[key]) for key in ("ONTOLOGY_DIR", "DATA_DIR") if config.get(key) is not None
    ]
    files = rdf_files([d for d in directories if d.is_dir()])
    table = declared_prefixes(files, base)
    namespace = ontology_namespace(base)
    table[jsonld.ontology_prefix(store, namespace)] = namespace
    table.update(jsonld.PREFIXES)
    return dict(sorted(table.items()))


def prologue(prefixes: Mapping[str, str], base_iri: str | None, query: str | None = None) -> str:
    """``BASE`` and ``PREFIX`` declarations for an engine that takes no such arguments.

    One line, so a query sent after it keeps its line numbers shifted by exactly one. With the
    ``query`` it goes in front of, only the prefixes whose name it spells (``name:``) are
    declared: the engine gets, and parses, a few declarations rather than the whole table
    (unless the query has escapes, ``\\u003A`` may spell a colon).
    """
    if query is not None and "\\" not in query:
        prefixes = {name: ns for name, ns in prefixes.items() if f"{name}:" in query}
    parts = [f"BASE <{base_iri}>"] if base_iri else []
    parts += [f"PREFIX {name}: <{namespace}>" for name, namespace in prefixes.items()]
    return " ".join(parts) + "\n" if parts else ""
