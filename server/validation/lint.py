"""The vocabulary lint: every term we write must exist where its namespace says it does.

Validators silently ignore what they do not know: a shape with ``sh:mesage`` simply has no
message, a class with ``rdfs:lable`` no label, and data using a misspelt property of our own
ontology is checked by no shape at all. So, for every IRI written in the ontology, data and
shapes (any position: subject, predicate, object, datatype):

* a term of the project namespace (``server.config.ONTOLOGY_NS``) must be declared in the
  ontology, i.e. have an ``rdf:type`` there;
* a term of the SHACL, OWL, RDFS, RDF or XSD namespaces must be a term of that W3C vocabulary.
  The term lists are rdflib's ``DefinedNamespace`` classes (generated from the W3C documents, with
  ``rdf:_1``, ``rdf:_2``... allowed by rdflib as RDF Schema section 5.1.2 says), plus the SHACL
  terms pyshacl itself implements; none is typed by hand here.

Findings are violations, reported at every ``file:line`` the unknown term is written on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyshacl.consts
from rdflib import OWL, RDF, RDFS, SH, XSD, URIRef
from rdflib.namespace import DefinedNamespaceMeta

from server.validation.sourcemap import SourceMap

#: Identifiers of the two lint rules (the ``constraint`` of a lint finding).
UNDECLARED_PROJECT_TERM = "lint:undeclared-project-term"
UNKNOWN_W3C_TERM = "lint:unknown-w3c-term"

#: The W3C vocabularies checked, with the name people know them by.
W3C_VOCABULARIES: tuple[tuple[str, DefinedNamespaceMeta], ...] = (
    ("SHACL", SH),
    ("OWL", OWL),
    ("RDF Schema", RDFS),
    ("RDF", RDF),
    ("XML Schema datatypes", XSD),
)

#: SHACL terms pyshacl implements beyond rdflib's list (e.g. SHACL-AF ``sh:SHACLFunction``).
_PYSHACL_SH_TERMS = frozenset(
    str(value)
    for name, value in vars(pyshacl.consts).items()
    if name.startswith("SH_") and isinstance(value, URIRef) and str(value) != str(SH)
)


@dataclass(frozen=True)
class LintFinding:
    """An unknown term at one ``file:line``; ``rule`` is one of the two rule identifiers."""

    iri: str
    rule: str
    message: str
    file: str
    line: int


def is_known_w3c_term(iri: str) -> tuple[str, bool] | None:
    """``(vocabulary name, known?)`` for an IRI of a checked W3C namespace, else ``None``."""
    for name, namespace in W3C_VOCABULARIES:
        ns = str(namespace)
        if iri.startswith(ns) and len(iri) > len(ns):
            known = iri in namespace or (namespace is SH and iri in _PYSHACL_SH_TERMS)
            return name, known
    return None


def check_term(iri: str, declared: set[str], project_ns: str) -> tuple[str, str] | None:
    """The rule ``iri`` breaks and why, or ``None`` when it is fine."""
    if iri.startswith(project_ns) and len(iri) > len(project_ns):
        if iri not in declared:
            return UNDECLARED_PROJECT_TERM, (
                f"{iri} is used but not declared in the ontology (no rdf:type for it there)"
            )
        return None
    w3c = is_known_w3c_term(iri)
    if w3c is not None and not w3c[1]:
        return UNKNOWN_W3C_TERM, f"{iri} is not a term of the {w3c[0]} vocabulary"
    return None


def lint(
    sourcemaps: Iterable[SourceMap],
    names: Iterable[str],
    declared: set[str],
    project_ns: str,
) -> list[LintFinding]:
    """Findings for every line of every source that writes an unknown term (once per line)."""
    findings = []
    for sourcemap, name in zip(sourcemaps, names, strict=True):
        reported: set[tuple[str, int]] = set()
        for occurrence in sourcemap.occurrences:
            key = (occurrence.iri, occurrence.line)
            problem = check_term(occurrence.iri, declared, project_ns)
            if problem is None or key in reported:
                continue
            reported.add(key)
            rule, message = problem
            findings.append(LintFinding(occurrence.iri, rule, message, name, occurrence.line))
    return findings
