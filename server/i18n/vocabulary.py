"""Names of outside vocabularies' terms for pages (``rdfs:label`` reads "name", ``название``).

The dataset labels its own terms; the terms it borrows (RDFS, SKOS, Dublin Core, schema.org,
FOAF, PROV, ORG, VoID, DCAT) are named in ``vocabulary.ttl`` beside this module, in English,
Russian and Belarusian, so a page never shows a raw ``rdfs:label`` where people expect a word.
The file is for display only: it is not part of the dataset and is never queried. A page asks
:func:`label` only when the data has no label for the term in the reader's chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from rdflib import Graph
from rdflib.term import Node

from server.rdf import labels

SOURCE = Path(__file__).resolve().parent / "vocabulary.ttl"


@cache
def graph() -> Graph:
    """The names, parsed once per process (the file ships with the code)."""
    return Graph(bind_namespaces="none").parse(SOURCE, format="turtle")


def label(node: Node, chain: Iterable[str]) -> str | None:
    """The term's name in the best language of the chain, or None for a term not listed."""
    return labels.label(graph(), node, chain)
