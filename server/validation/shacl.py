"""Validate the knowledge graph: SHACL over the data, a vocabulary lint, and where each finding is.

``validate(ontology_dir, data_dir, shapes_dir)`` returns a :class:`Report`; the ``ictkg validate``
command prints it and exits with pyshacl's convention for CI (0 conforms, 1 does not, 2 the input
is unusable), and the server calls it at start-up to refuse data that does not conform.

Decisions:

* Every file is parsed by pyoxigraph first, with no base IRI, exactly as the embedded store
  loads it (``server.store.embedded``): a file the store would reject is unusable input here too,
  and pyoxigraph's ``SyntaxError`` carries exact line and column. rdflib then builds the graphs
  pyshacl needs.
* The data graph is the data *and* the ontology, so the meta-shapes in ``shapes/`` that target
  ``owl:Class``, ``owl:ObjectProperty``... check the ontology in the same run. The ontology is
  also pyshacl's ``ont_graph``, mixed into the data graph, so its ``rdfs:subClassOf`` triples make
  an instance of a subclass a SHACL instance of its superclasses (SHACL 1.0 section 3.2 "SHACL
  instance"): subclass instances are checked by their superclasses' shapes without inference.
  Inference stays off on purpose: RDFS would type every value of a property by the property's
  ``rdfs:range``, so a link to a misspelt, undescribed resource would satisfy ``sh:class``
  instead of failing it, and sub-property entailment would copy ``ictkg:purpose`` into
  ``schema:description`` and break its cardinalities.
* ``advanced=True``: SHACL-SPARQL constraints (``sh:sparql``, SHACL section 5) work without it, but
  custom targets, rules and functions (SHACL Advanced Features) need it, and shape authors should
  not have to know which is which.
* Files are the RDF files ``server.store.embedded.rdf_files`` finds, the same ones the server loads.
* Severity gate: pyshacl calls any result non-conforming; we decide with ``fail_on``, so warnings
  and infos are shown without failing the build unless asked to.
* The vocabulary lint (``server.validation.lint``: unknown terms and namespaces, near-miss
  namespaces, ill-typed literals) finds the causes; SHACL results are often their consequences.
  Lint findings come first in every output, so the first line a user reads names the cause.
* rdflib reports an ill-typed literal (``"2009-02-30"^^xsd:date``) or an odd IRI while parsing by
  logging a warning with a traceback (logger ``rdflib.term``) or by ``warnings.warn``; the lint
  reports the same problems with their file and line, so during a run those warnings are not
  shown (:func:`_quiet_rdflib`). Nothing here lets an exception out for any input file: every
  failure is an :class:`InputError` (exit 2) or a finding.
"""

from __future__ import annotations

import functools
import logging
import re
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
from pyshacl.errors import ReportableRuntimeError
from rdflib import RDF, SH, BNode, Graph, Literal, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.sparql.processor import prepareQuery
from rdflib.term import Node

from server.config import ONTOLOGY_NS, ontology_namespace
from server.rdf.formats import SOURCE_FORMATS
from server.rdf.labels import LABEL_PREDICATES
from server.store.embedded import RDF_SUFFIXES, dataset_hash, rdf_files
from server.validation.lint import (
    LintFinding,
    lint,
    literal_findings,
    namespace_findings,
    not_xml_findings,
    vocabulary_terms,
)
from server.validation.sourcemap import SourceMap, scan

#: SHACL severities (SHACL section 2.1.4), gravest first; the names used in every output.
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")

#: ``--fail-on`` values: the least grave severity that still fails the run.
FAIL_ON: dict[str, int] = {"violation": 0, "warning": 1, "info": 2}

#: How a failure of the validator itself begins (it should never happen: the fuzz tests check).
INTERNAL_ERROR = "the validator failed on this input (please report it)"

#: Exit codes, pyshacl's convention (``pyshacl --help``): 0 conforms, 1 not, 2 unusable input.
EXIT_CONFORMS, EXIT_FAILS, EXIT_UNUSABLE = 0, 1, 2

#: The labels the pages use, and schema.org names under its old http namespace too (data being
#: checked may still use it: the lint names it, the report still shows its label).
_LABEL_PREDICATES = (*LABEL_PREDICATES, URIRef("http://schema.org/name"))


@dataclass(frozen=True)
class Finding:
    """One thing a maintainer must look at, in plain strings (no rdflib terms) for any output.

    ``kind`` is ``shacl`` (a SHACL validation result), ``lint`` (the vocabulary lint) or
    ``engine`` (a warning pyshacl raised while validating). ``focus_node`` is an IRI or
    ``_:label``; ``path`` an IRI, or a SPARQL 1.1 property path for complex SHACL paths;
    ``value`` an N-Triples term; ``source_shape`` the named shape the result comes from.
    """

    kind: str
    severity: str
    message: str
    focus_node: str | None = None
    focus_label: str | None = None
    path: str | None = None
    value: str | None = None
    source_shape: str | None = None
    constraint: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def rank(self) -> int:
        """0 for the gravest severity; unknown severities count as violations."""
        return SEVERITIES.index(self.severity) if self.severity in SEVERITIES else 0


@dataclass(frozen=True)
class InputError:
    """Why the input cannot be validated: a file that does not parse, a missing directory..."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class Report:
    """The outcome of one validation run, able to render itself in every output format."""

    results: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    prefixes: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Findings per severity (all kinds), every severity present even when zero."""
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.results:
            counts[SEVERITIES[finding.rank]] += 1
        return counts

    def failing(self, fail_on: str = "violation") -> list[Finding]:
        """The findings grave enough to fail the run under ``fail_on``."""
        threshold = FAIL_ON[fail_on]
        return [f for f in self.results if f.rank <= threshold]

    def exit_code(self, fail_on: str = "violation") -> int:
        if self.errors:
            return EXIT_UNUSABLE
        return EXIT_FAILS if self.failing(fail_on) else EXIT_CONFORMS

    def passes(self, fail_on: str = "violation") -> bool:
        """Whether the data may be served: it parsed and nothing fails under ``fail_on``."""
        return self.exit_code(fail_on) == EXIT_CONFORMS

    def render(self, fmt: str = "text", fail_on: str = "violation") -> str:
        """The report as ``text``, ``json``, ``junit`` or ``github`` (``validation.formats``)."""
        from server.validation.formats import RENDERERS

        return RENDERERS[fmt](self, fail_on)


@dataclass
class _Source:
    """One parsed file: its display name, rdflib graph and source map."""

    name: str
    role: str
    graph: Graph
    sourcemap: SourceMap


def display_path(path: Path) -> str:
    """A path as CI tools want it: relative to the working directory when it lies inside it."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def _load(file: Path, role: str) -> _Source | InputError:
    """Parse one file; a problem becomes an :class:`InputError` with the parser's position."""
    name = display_path(file)
    try:
        data = file.read_bytes()
    except OSError as error:
        return InputError(name, f"cannot read: {error}")
    parsed = (_parse if role == "data" else _parse_vocabulary)(file, name, data)
    if isinstance(parsed, InputError):
        return parsed
    return _Source(name, role, *parsed)


def _parse(file: Path, name: str, data: bytes) -> tuple[Graph, SourceMap] | InputError:
    """The graph and source map of one file's bytes, or why they cannot be had."""
    try:
        # The store's parser, with the store's settings: what passes here loads there.
        triples = ox.parse(data, format=RDF_SUFFIXES[file.suffix])
        for _ in triples:
            pass
        text = data.decode("utf-8")
    except SyntaxError as error:
        return InputError(name, error.msg, error.lineno, error.offset)
    except UnicodeDecodeError as error:
        return InputError(name, f"cannot read: {error}")
    graph = Graph()
    try:
        with warnings.catch_warnings():
            # An odd literal ("yes"^^xsd:boolean) is the lint's to report, with its line.
            warnings.simplefilter("ignore")
            graph.parse(
                data=text,
                format=SOURCE_FORMATS[file.suffix].rdflib_format,
                publicID=file.resolve().as_uri(),
            )
        sourcemap = scan(text, file)
    except BadSyntax as error:  # rdflib counts lines from 0
        return InputError(name, error.message, error.lines + 1)
    except Exception as error:  # any parser failure is unusable input, never a traceback
        return InputError(name, f"{type(error).__name__}: {error}")
    return graph, sourcemap


@functools.lru_cache(maxsize=64)
def _parse_vocabulary(file: Path, name: str, data: bytes) -> tuple[Graph, SourceMap] | InputError:
    """:func:`_parse` once per process for an ontology or shapes file.

    Parsing is a third of a small run (rdflib's Turtle parser), and a process that validates
    again (``--watch``, a reload, a test suite) sees the same ontology and shapes each time. The
    key holds the content itself: an edited file is parsed again. Data files are parsed every
    time: they are what changes, and a serving process should not keep an rdflib graph of its
    data alive. Callers only read the graph (``_union`` copies it), so runs can share it.
    """
    return _parse(file, name, data)


class _BelowError(logging.Filter):
    """Drops warnings and below: rdflib's own reports of what the lint reports with a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


@contextmanager
def _quiet_rdflib() -> Iterator[None]:
    """While validating, rdflib's per-literal warnings (with tracebacks) are not printed."""
    logger = logging.getLogger("rdflib.term")
    quiet = _BelowError()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _load_directory(directory: Path, role: str) -> tuple[list[Path], list[_Source | InputError]]:
    """The files found, and each one loaded (or why not); an unusable directory is an error."""
    if not directory.is_dir():
        return [], [InputError(display_path(directory), f"{role} directory not found")]
    files = rdf_files([directory])
    if not files:
        suffixes = ", ".join(f"*{s}" for s in RDF_SUFFIXES)
        message = f"no RDF files ({suffixes}) in the {role} directory"
        return [], [InputError(display_path(directory), message)]
    return files, [_load(file, role) for file in files]


@functools.lru_cache(maxsize=256)
def _prepared_query(text: str, namespaces: tuple[tuple[str, str], ...], base: str | None):
    """``text`` parsed once per process: a prepared query is rdflib's own way to reuse a parsed
    query, and ``evalQuery`` does not change it, so runs can share it."""
    return prepareQuery(text, initNs=dict(namespaces), base=base)


#: A line of a query's prologue that declares one prefix (SPARQL 1.1 section 4.1.1).
_PREFIX_LINE = re.compile(r"\s*PREFIX\s+([^\s:]*):\s*<[^>]*>\s*", re.IGNORECASE)


def _prefixes_sorted(text: str) -> str:
    """``text`` with the PREFIX lines it begins with sorted: the same query, and one key for it.

    pyshacl writes a SHACL-SPARQL constraint's ``sh:declare`` prefixes in an order that changes
    from run to run (it collects them in a set), so without this every run parsed the shapes'
    queries again. The order of declarations means nothing unless a prefix is declared twice;
    then the text is left as it is.
    """
    lines = text.split("\n")
    start = 0
    while start < len(lines) and (not lines[start].strip() or _PREFIX_LINE.fullmatch(lines[start])):
        start += 1
    prologue = [line.strip() for line in lines[:start] if line.strip()]
    names = [_PREFIX_LINE.fullmatch(line).group(1) for line in prologue]
    if len(set(names)) < len(names):
        return text
    return "\n".join([*sorted(prologue), *lines[start:]])


class _PreparedQueryGraph(Graph):
    """A graph that parses each distinct SPARQL text once (per process), then reuses it.

    pyshacl evaluates a SHACL-SPARQL constraint once per focus node, with the same text and a
    different ``$this`` binding, and rdflib parses the text every time: with a few hundred focus
    nodes that parsing was most of a run, and in a process that validates again (``--watch``,
    a reload, the tests) the same shapes' texts were parsed again each run (0.5 s).
    """

    def __init__(self) -> None:
        super().__init__(bind_namespaces="core")

    def query(  # rdflib's signature, names included
        self,
        query_object,
        processor="sparql",
        result="sparql",
        initNs=None,
        initBindings=None,
        use_store_provided=True,
        **kwargs,
    ):
        if isinstance(query_object, str):
            namespaces = dict(initNs or self.namespaces())
            key = tuple(sorted((k, str(v)) for k, v in namespaces.items()))
            text = _prefixes_sorted(query_object)
            query_object = _prepared_query(text, key, kwargs.get("base"))
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def _union(sources: Iterable[_Source], graph: Graph | None = None) -> Graph:
    union = Graph(bind_namespaces="core") if graph is None else graph
    for source in sources:
        union += source.graph
        for prefix, namespace in source.sourcemap.prefixes.items():
            union.bind(prefix, namespace, override=False)
    return union


def validate(
    ontology_dir: str | Path,
    data_dir: str | Path,
    shapes_dir: str | Path,
    *,
    project_ns: str = ONTOLOGY_NS,
) -> Report:
    """Validate data and ontology against the shapes, and lint the vocabulary of all three.

    Never raises for any content of the directories: a failure of the validator itself (a bug,
    which the fuzz tests look for) is reported as unusable input, with its cause, not as a
    traceback.
    """
    started = time.perf_counter()
    with _quiet_rdflib():
        try:
            return _validate(Path(ontology_dir), Path(data_dir), Path(shapes_dir), project_ns)
        except Exception as error:
            message = f"{INTERNAL_ERROR}: {type(error).__name__}: {error}"
            report = Report(errors=[InputError(display_path(Path(data_dir)), message)])
            report.seconds = time.perf_counter() - started
            return report


def _validate(ontology_dir: Path, data_dir: Path, shapes_dir: Path, project_ns: str) -> Report:
    started = time.perf_counter()
    report = Report()
    sources: list[_Source] = []
    for role, directory in (("ontology", ontology_dir), ("data", data_dir), ("shapes", shapes_dir)):
        files, loaded = _load_directory(Path(directory), role)
        report.files += [display_path(f) for f in files]
        for item in loaded:
            if isinstance(item, InputError):
                report.errors.append(item)
            else:
                sources.append(item)
    for source in sources:
        for prefix, namespace in source.sourcemap.prefixes.items():
            report.prefixes.setdefault(prefix, namespace)
    if report.errors:
        report.seconds = time.perf_counter() - started
        return report

    ontology = _union(s for s in sources if s.role == "ontology")
    checked = [s for s in sources if s.role in ("ontology", "data")]
    # pyshacl mixes the ontology into this graph in place: it is ours.
    data = _union(checked, _PreparedQueryGraph())
    report.checked = [s.name for s in checked]
    shapes = _union(s for s in sources if s.role == "shapes")
    report.triples = sum(len(s.graph) for s in sources)

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, results_graph, _ = pyshacl.validate(
                data,
                shacl_graph=shapes,
                ont_graph=ontology,
                inference="none",
                advanced=True,
                inplace=True,
            )
    except ReportableRuntimeError as error:  # a shape pyshacl cannot use: the shapes are unusable
        report.errors.append(InputError(display_path(Path(shapes_dir)), str(error)))
        report.seconds = time.perf_counter() - started
        return report

    locator = _Locator(checked, data)
    report.results += _shacl_findings(results_graph, shapes, data, locator)
    report.results += [Finding("engine", "Warning", f"pyshacl: {w.message}") for w in caught]
    declared = {str(s) for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    report.results += [_lint_finding(found) for found in _lint(sources, declared, project_ns)]
    # Causes first (the lint), then SHACL results, each in file order.
    report.results.sort(
        key=lambda f: (f.kind != "lint", f.file is None, f.file or "", f.line or 0, f.rank)
    )
    report.seconds = time.perf_counter() - started
    return report


def _lint(sources: list[_Source], declared: set[str], project_ns: str) -> list[LintFinding]:
    """Every lint rule over every source (``server.validation.lint``)."""
    found = []
    for source in sources:
        found += namespace_findings(
            source.sourcemap, source.name, vocabulary_terms(source.graph), project_ns, declared
        )
        found += literal_findings(source.sourcemap, source.name)
        found += not_xml_findings(source.sourcemap, source.name)
    found += lint([s.sourcemap for s in sources], [s.name for s in sources], declared, project_ns)
    return found


def _lint_finding(found: LintFinding) -> Finding:
    return Finding(
        kind="lint",
        severity="Violation",
        message=found.message,
        focus_node=found.iri,
        value=found.value,
        constraint=found.rule,
        file=found.file,
        line=found.line,
        column=found.column,
    )


class _Locator:
    """Finds the ``file:line`` where a focus node is defined: its first statement as a subject,
    in the first file that gives it a type (else the first file where it is a subject at all).

    Blank nodes have no name in the source to look for: they are reported where their nearest
    named ancestor (a node that refers to them, transitively) is defined, else in the file that
    holds them.

    A result about one value (``sh:value`` on a ``sh:resultPath``) whose statement is written in
    another file than the focus node's definition is reported where that statement is: a wrong
    date in ``b.ttl`` about an event defined in ``a.ttl`` names ``b.ttl``, at the literal's line.
    """

    def __init__(self, sources: list[_Source], union: Graph) -> None:
        self.sources = sources
        self.union = union

    def locate_value(
        self, focus: Node, path: Node | None, value: Node | None, file: str | None, line: int | None
    ) -> tuple[str | None, int | None]:
        """Where the statement ``focus path value`` is, if not in ``file``; else ``file:line``."""
        if not isinstance(path, URIRef) or value is None or isinstance(focus, BNode):
            return file, line
        holding = [s for s in self.sources if (focus, path, value) in s.graph]
        if not holding or any(s.name == file for s in holding):
            return file, line
        source = holding[0]
        found = None
        if isinstance(value, Literal) and value.datatype is not None:
            found = next(
                (
                    x.line
                    for x in source.sourcemap.literals
                    if x.lexical == str(value) and x.datatype == str(value.datatype)
                ),
                None,
            )
        if found is None:
            found = source.sourcemap.subject_line(str(focus))
        return source.name, found

    def locate(self, node: Node) -> tuple[str | None, int | None]:
        if isinstance(node, BNode):
            return self._locate_blank(node)
        iri = str(node)
        # A node described in several files is defined where it is typed (``a ...``).
        subject_of = [
            (source, line)
            for source in self.sources
            if (line := source.sourcemap.subject_line(iri)) is not None
        ]
        typed = [(s, n) for s, n in subject_of if (node, RDF.type, None) in s.graph]
        if typed or subject_of:
            source, line = (typed or subject_of)[0]
            return source.name, line
        for source in self.sources:  # not a subject anywhere: where it is first mentioned
            line = source.sourcemap.first_line(iri)
            if line is not None:
                return source.name, line
        return None, None

    def _locate_blank(self, node: BNode) -> tuple[str | None, int | None]:
        seen: set[Node] = {node}
        frontier: list[Node] = [node]
        while frontier:
            parents = []
            for child in frontier:
                for parent in self.union.subjects(None, child):
                    if isinstance(parent, URIRef):
                        return self.locate(parent)
                    if parent not in seen:
                        seen.add(parent)
                        parents.append(parent)
            frontier = parents
        for source in self.sources:
            if (node, None, None) in source.graph:
                return source.name, None
        return None, None


def _shacl_findings(results: Graph, shapes: Graph, data: Graph, locator: _Locator) -> list[Finding]:
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        constraint = results.value(result, SH.sourceConstraintComponent)
        severity = results.value(result, SH.resultSeverity)
        file, line = locator.locate(focus) if focus is not None else (None, None)
        if focus is not None:
            file, line = locator.locate_value(focus, path, value, file, line)
        findings.append(
            Finding(
                kind="shacl",
                severity=_local_name(severity) if severity is not None else "Violation",
                message=_preferred_text(results.objects(result, SH.resultMessage))
                or "(no message)",
                focus_node=_term_id(focus),
                focus_label=label_of(data, focus) if focus is not None else None,
                path=path_text(results, path) if path is not None else None,
                value=value.n3() if value is not None else None,
                source_shape=_named_shape(shapes, shape),
                constraint=str(constraint) if constraint is not None else None,
                file=file,
                line=line,
            )
        )
    return findings


def _local_name(iri: Node) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _term_id(node: Node | None) -> str | None:
    if node is None:
        return None
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _language_rank(literal: Literal) -> int:
    language = (literal.language or "").lower()
    if language == "en":
        return 0
    if language.startswith("en-"):
        return 1
    return 2 if not language else 3


def _preferred_text(literals: Iterable[Node]) -> str | None:
    """English first, then untagged, then any language (stable among equals)."""
    candidates = sorted(
        (lit for lit in literals if isinstance(lit, Literal)), key=lambda x: (_language_rank(x), x)
    )
    return str(candidates[0]) if candidates else None


def label_of(graph: Graph, node: Node) -> str | None:
    """A human label: rdfs:label, skos:prefLabel or schema:name, English preferred."""
    ranked = []
    for order, predicate in enumerate(_LABEL_PREDICATES):
        for literal in graph.objects(node, predicate):
            if isinstance(literal, Literal):
                ranked.append((_language_rank(literal), order, str(literal)))
    return min(ranked)[2] if ranked else None


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL path (SHACL section 2.3.1) as an IRI, or as a SPARQL 1.1 property path."""
    if isinstance(path, URIRef):
        return str(path)
    return _path_expression(graph, path)


def _path_expression(graph: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in graph:  # sequence path: an RDF list
        return "/".join(_path_expression(graph, p) for p in graph.items(path))
    unary = {
        SH.inversePath: "^{}",
        SH.zeroOrMorePath: "({})*",
        SH.oneOrMorePath: "({})+",
        SH.zeroOrOnePath: "({})?",
    }
    for predicate, template in unary.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_path_expression(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_expression(graph, p) for p in graph.items(alternatives)) + ")"
    return f"_:{path}"


def _named_shape(shapes: Graph, shape: Node | None) -> str | None:
    """The shape's IRI; for a blank-node shape, the named shape that holds it (transitively)."""
    seen: set[Node] = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        shape = next(iter(shapes.subjects(None, shape)), None)
    return str(shape) if isinstance(shape, URIRef) else None


# --- the report of a configuration, once per content ----------------------------------------


def validation_report(config: Any, *, apart: bool = False) -> Report:
    """The validation report of the configured directories (``ONTOLOGY_DIR``, ``DATA_DIR``,
    ``SHAPES_DIR``, for ``BASE_IRI``), computed once per content in a process: the server's
    start and reloads, and ``ictkg validate``. Inputs that cannot even be read for the key (a
    file without read permission) are validated every time: :func:`validate` says what is wrong.

    ``apart``: validated in a forked process that exits after, and only the report kept here.
    ``ictkg serve``'s master does so: rdflib and pyshacl hold several times the data's size
    while they work (2.8 GB at 1e6 triples) and a process does not give such memory back, so
    the master, and every worker forked from it, would keep it for as long as the server runs.
    Raises :class:`concurrent.futures.process.BrokenProcessPool` when that process dies.
    """
    directories = tuple(str(config[k]) for k in ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR"))
    namespace = ontology_namespace(config["BASE_IRI"])
    try:
        files = rdf_files(directories)
        content = dataset_hash(files)
    except OSError:
        return validate(*directories, project_ns=namespace)
    key = (namespace, directories, tuple(map(str, files)), content)
    report = _REPORTS.get(key)
    if report is None:
        report = (
            _validate_apart(directories, namespace)
            if apart
            else validate(*directories, project_ns=namespace)
        )
        _REPORTS[key] = report
        while len(_REPORTS) > 8:  # the last few, not every one a long-running server saw
            _REPORTS.pop(next(iter(_REPORTS)))
    return report


#: validation_report's memory: (namespace, directories, files, content hash) -> report.
_REPORTS: dict[tuple[str, tuple[str, ...], tuple[str, ...], str], Report] = {}


def _validate_apart(directories: tuple[str, ...], namespace: str) -> Report:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        return pool.submit(validate, *directories, project_ns=namespace).result()
