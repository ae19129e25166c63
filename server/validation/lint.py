"""The vocabulary lint: every term we write must exist where its namespace says it does.

Validators silently ignore what they do not know: a shape with ``sh:mesage`` simply has no
message, a class with ``rdfs:lable`` no label, data using a misspelt property of our own ontology
is checked by no shape at all, and a file whose ``@prefix ictkg:`` is misspelt holds no term of
the ontology, so no shape targets any of its resources. The rules, over the ontology, data and
shapes:

* **Project terms** (``server.config.ONTOLOGY_NS``), in any position, must be declared in the
  ontology, i.e. have an ``rdf:type`` there.
* **Terms of a known vocabulary**, in any position, must be terms of it, where a list of its terms
  is at hand: rdflib's ``DefinedNamespace`` classes, generated from each vocabulary's published
  RDF (``rdf:_1``, ``rdf:_2``... allowed as RDF Schema section 5.1.2 says), plus the SHACL terms
  pyshacl itself implements. None is typed by hand here. For DCAT (rdflib's list is DCAT 2, the
  current Recommendation is DCAT 3), OWL-Time (later drafts add terms) and SPARQL Service
  Description (rdflib ships no list) only the namespace is known: any term of it is accepted.
* **Classes and properties** (objects of ``rdf:type``, predicates, and the objects of the RDFS,
  OWL and SHACL properties that name a class or property, :data:`VOCABULARY_POSITIONS`) must be
  project terms or terms of a known vocabulary. One in an unknown namespace is reported once per
  file and namespace, at its first use.
* **A near-miss namespace** -- one that differs from a known namespace only by case, ``http`` vs
  ``https``, a missing, extra or different ``#`` or ``/`` at its end, or at most two characters --
  is a likely typo. It is reported where it is declared (the ``@prefix`` line, else the first use)
  with the known namespace suggested, and its terms are not reported again one by one.
* **Typed literals** must be valid for their datatype (``server.validation.literals``),
  reported at the line of each literal.
* **Strings** must not hold a character XML 1.0 cannot carry, not even as a reference (a NUL, a
  vertical tab, a form feed pasted from a PDF, :data:`server.text.NOT_XML`): every RDF/XML
  document and SPARQL XML result that wrote the literal would be ill-formed. Reported at the
  line where the string begins.

Findings are violations, each at the ``file:line`` (and column where known) to edit.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyshacl.consts
from rdflib import (
    DC,
    DCAT,
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    VANN,
    VOID,
    XSD,
    Graph,
    URIRef,
)
from rdflib.namespace import DefinedNamespaceMeta

from server.text import NOT_XML, code_point
from server.validation import literals
from server.validation.sourcemap import SourceMap

#: Identifiers of the lint rules (the ``constraint`` of a lint finding).
UNDECLARED_PROJECT_TERM = "lint:undeclared-project-term"
UNKNOWN_TERM = "lint:unknown-vocabulary-term"
UNKNOWN_NAMESPACE = "lint:unknown-namespace"
NAMESPACE_TYPO = "lint:namespace-typo"
ILL_TYPED_LITERAL = "lint:ill-typed-literal"
NOT_XML_CHARACTER = "lint:character-xml-cannot-carry"


@dataclass(frozen=True)
class Vocabulary:
    """A vocabulary the data may use: its name, namespace IRI and, if known, its term list."""

    name: str
    namespace: str
    terms: DefinedNamespaceMeta | None

    def knows(self, iri: str) -> bool:
        """Whether ``iri`` (which starts with the namespace) is a term of this vocabulary."""
        if self.terms is None:
            return True
        local = iri[len(self.namespace) :]
        if str(self.terms) + local in self.terms:
            return True
        return self.terms is SH and iri in _PYSHACL_SH_TERMS

    def suggestion(self, iri: str) -> str | None:
        """The closest term of the vocabulary to a misspelt ``iri``, if one is close."""
        if self.terms is None:
            return None
        locals_ = [str(term)[len(str(self.terms)) :] for term in dir(self.terms)]
        close = difflib.get_close_matches(iri[len(self.namespace) :], locals_, n=1, cutoff=0.75)
        return self.namespace + close[0] if close else None


_SD = "http://www.w3.org/ns/sparql-service-description#"

#: The vocabularies the ontology aligns to, plus RDF, RDFS, OWL and XSD, and the ones the server
#: itself publishes (VoID, DCAT, SPARQL Service Description). schema.org answers to both schemes
#: (https://schema.org/docs/faq.html#19); both are checked against the same term list.
KNOWN_VOCABULARIES: tuple[Vocabulary, ...] = (
    Vocabulary("RDF", str(RDF), RDF),
    Vocabulary("RDF Schema", str(RDFS), RDFS),
    Vocabulary("OWL", str(OWL), OWL),
    Vocabulary("XML Schema datatypes", str(XSD), XSD),
    Vocabulary("SHACL", str(SH), SH),
    Vocabulary("schema.org", str(SDO), SDO),
    Vocabulary("schema.org", "http://schema.org/", SDO),
    Vocabulary("W3C Organization Ontology", str(ORG), ORG),
    Vocabulary("FOAF", str(FOAF), FOAF),
    Vocabulary("DCMI Metadata Terms", str(DCTERMS), DCTERMS),
    Vocabulary("Dublin Core elements", str(DC), DC),
    Vocabulary("SKOS", str(SKOS), SKOS),
    Vocabulary("PROV-O", str(PROV), PROV),
    Vocabulary("OWL-Time", str(TIME), None),
    Vocabulary("VoID", str(VOID), VOID),
    Vocabulary("DCAT", str(DCAT), None),
    Vocabulary("VANN", str(VANN), VANN),
    Vocabulary("SPARQL Service Description", _SD, None),
)

#: Properties whose objects name a class or a property: those objects are vocabulary terms too.
VOCABULARY_POSITIONS = frozenset(
    {
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        RDFS.domain,
        RDFS.range,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.disjointWith,
        OWL.onProperty,
        OWL.someValuesFrom,
        OWL.allValuesFrom,
        SH.targetClass,
        SH.targetSubjectsOf,
        SH.targetObjectsOf,
        SH["class"],
        SH.path,
        SH.datatype,
    }
)

#: SHACL terms pyshacl implements beyond rdflib's list (e.g. SHACL-AF ``sh:SHACLFunction``).
_PYSHACL_SH_TERMS = frozenset(
    str(value)
    for name, value in vars(pyshacl.consts).items()
    if name.startswith("SH_") and isinstance(value, URIRef) and str(value) != str(SH)
)


@dataclass(frozen=True)
class LintFinding:
    """A problem at one ``file:line``; ``rule`` is one of the rule identifiers above.

    ``iri`` is the term or namespace concerned; for an ill-typed literal it is ``None`` and
    ``value`` is the literal in N-Triples.
    """

    iri: str | None
    rule: str
    message: str
    file: str
    line: int
    column: int | None = None
    value: str | None = None


_LONGEST_FIRST = sorted(KNOWN_VOCABULARIES, key=lambda v: -len(v.namespace))


@functools.lru_cache(maxsize=65536)
def vocabulary_of(iri: str) -> Vocabulary | None:
    """The known vocabulary whose namespace ``iri`` is a term of (longest namespace first)."""
    for vocabulary in _LONGEST_FIRST:
        if iri.startswith(vocabulary.namespace) and len(iri) > len(vocabulary.namespace):
            return vocabulary
    return None


def is_known_w3c_term(iri: str) -> tuple[str, bool] | None:
    """``(vocabulary name, known?)`` for an IRI of a known vocabulary, else ``None``."""
    vocabulary = vocabulary_of(iri)
    return None if vocabulary is None else (vocabulary.name, vocabulary.knows(iri))


def check_term(iri: str, declared: set[str], project_ns: str) -> tuple[str, str] | None:
    """The rule ``iri`` breaks and why, or ``None`` when it is fine."""
    if iri.startswith(project_ns) and len(iri) > len(project_ns):
        if iri not in declared:
            return UNDECLARED_PROJECT_TERM, (
                f"{iri} is used but not declared in the ontology (no rdf:type for it there)"
            )
        return None
    vocabulary = vocabulary_of(iri)
    if vocabulary is not None and not vocabulary.knows(iri):
        close = vocabulary.suggestion(iri)
        hint = f"; did you mean {close}?" if close else ""
        return UNKNOWN_TERM, f"{iri} is not a term of the {vocabulary.name} vocabulary{hint}"
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
            findings.append(
                LintFinding(occurrence.iri, rule, message, name, occurrence.line, occurrence.column)
            )
    return findings


def vocabulary_terms(graph: Graph) -> set[str]:
    """The IRIs ``graph`` uses as classes or properties (see :data:`VOCABULARY_POSITIONS`)."""
    terms = {str(p) for p in graph.predicates(unique=True) if isinstance(p, URIRef)}
    terms |= {str(o) for o in graph.objects(None, RDF.type, unique=True) if isinstance(o, URIRef)}
    for predicate in VOCABULARY_POSITIONS:
        terms |= {str(o) for o in graph.objects(None, predicate) if isinstance(o, URIRef)}
    return terms


def known_namespaces(project_ns: str) -> dict[str, str]:
    """Every known namespace IRI with the name to suggest it by."""
    known = {project_ns: "the project's ontology"}
    for vocabulary in KNOWN_VOCABULARIES:
        known.setdefault(vocabulary.namespace, vocabulary.name)
    return known


def _split(namespace: str) -> tuple[str, str, str]:
    """``(scheme, body, trailing separators)`` of a namespace IRI."""
    scheme, _, rest = namespace.partition("://")
    if not rest:
        scheme, rest = "", namespace
    body = rest.rstrip("#/")
    return scheme, body, rest[len(body) :]


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def near_miss(namespace: str, known: dict[str, str]) -> tuple[str, str] | None:
    """``(known namespace, how they differ)`` when ``namespace`` looks like a typo of it.

    A near miss differs from a known namespace by its scheme (``http``/``https``), its trailing
    ``#`` or ``/``, the case of its letters, or a few characters: at most one per three of the
    known namespace's last path segment, and at most two, so that ``.../ns/oa#`` (Web
    Annotation) is not taken for ``.../ns/org#``.
    """
    if namespace in known:
        return None
    scheme, body, end = _split(namespace)
    best: tuple[int, int, str, str] | None = None
    for candidate in known:
        want_scheme, want_body, want_end = _split(candidate)
        segment = want_body.rsplit("/", 1)[-1]
        limit = min(2, max(1, len(segment) // 3))
        distance = _edits(body.lower(), want_body.lower(), limit)
        if distance > limit:
            continue
        differences = []
        if scheme.lower() != want_scheme.lower():
            differences.append(f"{scheme or 'no scheme'} instead of {want_scheme}")
        if end != want_end:
            differences.append(
                f"ends with '{end}' instead of '{want_end}'"
                if end
                else f"no '{want_end}' at the end"
            )
        if distance:
            differences.append("1 character differs" if distance == 1 else "2 characters differ")
        elif body != want_body or (scheme != want_scheme and scheme.lower() == want_scheme.lower()):
            differences.append("the case differs")
        rank = (distance, len(differences), candidate, ", ".join(differences))
        if best is None or rank < best:
            best = rank
    return None if best is None else (best[2], best[3])


def namespace_of(iri: str, sourcemap: SourceMap) -> str:
    """The namespace ``iri`` was written with: the longest declared one, else up to its last
    ``#`` or ``/``."""
    declared = [ns for ns in sourcemap.prefixes.values() if iri.startswith(ns)]
    if declared:
        return max(declared, key=len)
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def namespace_findings(
    sourcemap: SourceMap, name: str, terms: set[str], project_ns: str, declared: set[str]
) -> list[LintFinding]:
    """Near-miss and unknown namespaces of the classes and properties ``terms`` of one file.

    A term the ontology declares (``declared``) is known whatever its namespace.
    """
    known = known_namespaces(project_ns)
    findings: list[LintFinding] = []
    done: set[str] = set()
    for occurrence in sourcemap.occurrences:
        iri = occurrence.iri
        if iri not in terms or iri in declared or iri.startswith(project_ns):
            continue
        if vocabulary_of(iri) is not None:
            continue
        namespace = namespace_of(iri, sourcemap)
        if namespace in done:
            continue
        done.add(namespace)
        typo = near_miss(namespace, known)
        if typo is None:
            findings.append(
                LintFinding(
                    iri,
                    UNKNOWN_NAMESPACE,
                    f"{iri} is used as a class or property, but its namespace {namespace} is "
                    "neither the ontology's nor a known vocabulary's",
                    name,
                    occurrence.line,
                    occurrence.column,
                )
            )
            continue
        suggested, how = typo
        declarations = [d for d in sourcemap.declarations if d.namespace == namespace]
        where = declarations[-1] if declarations else occurrence
        prefix = f"prefix {declarations[-1].prefix}: " if declarations else ""
        findings.append(
            LintFinding(
                namespace,
                NAMESPACE_TYPO,
                f"likely typo: {prefix}<{namespace}> is not a known namespace ({how}); "
                f"did you mean <{suggested}> ({known[suggested]})?",
                name,
                where.line,
                where.column,
            )
        )
    return findings


def literal_findings(sourcemap: SourceMap, name: str) -> list[LintFinding]:
    """Every typed literal of one file that is not valid for its datatype."""
    findings = []
    for literal in sourcemap.literals:
        message = literals.problem(literal.lexical, literal.datatype)
        if message is not None:
            value = f"{_quoted(literal.lexical)}^^<{literal.datatype}>"
            findings.append(
                LintFinding(
                    None, ILL_TYPED_LITERAL, message, name, literal.line, literal.column, value
                )
            )
    return findings


def not_xml_findings(sourcemap: SourceMap, name: str) -> list[LintFinding]:
    """Every string of one file that holds a character XML 1.0 cannot carry."""
    findings = []
    for text in sourcemap.not_xml:
        found = NOT_XML.search(text.lexical)
        assert found is not None  # the scanner records only such strings
        at = found.start()
        inner = _quoted(text.lexical[max(0, at - 24) : at + 25])[1:-1]
        shown = f'"{"…" if at > 24 else ""}{inner}{"…" if at + 25 < len(text.lexical) else ""}"'
        message = (
            f"{shown} holds {code_point(found[0])} at character {at + 1}, which XML 1.0 cannot "
            "carry, not even escaped: the RDF/XML documents and SPARQL XML results that write "
            "it would be ill-formed; remove it (or write a space)"
        )
        findings.append(
            LintFinding(
                None,
                NOT_XML_CHARACTER,
                message,
                name,
                text.line,
                text.column,
                _quoted(text.lexical),
            )
        )
    return findings


#: The ECHAR of canonical N-Triples (RDF 1.2 N-Triples, "Canonical N-Triples"): the other
#: characters of U+0000 to U+001F and U+007F are written as UCHAR (``\u000B``), and so are those
#: XML cannot carry, so that what a report shows can be read, copied and searched for.
_ECHAR = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]')


def _quoted(text: str) -> str:
    """A lexical form as an N-Triples string, in its canonical form."""
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ECHAR.get(m[0]) or f"\\u{ord(m[0]):04X}", text) + '"'
