"""The consumers' vocabularies, materialized: what the ontology's alignment axioms entail.

The ontology aligns every term to schema.org, W3C ORG, FOAF, Dublin Core, SKOS or PROV-O, but a
store answers only what is stated: without this module, ``SELECT ?e { ?e a schema:Event }``
finds nothing, although every ``ictkg:Summit`` is a ``schema:Event`` by the ontology. A
consumer who knows those vocabularies and not ours should get the answers the axioms promise,
from the endpoint, from every RDF document and from the dumps, with no hand-written duplicate
in ``data/``. So, once per dataset version, when the store is loaded, the triples entailed by
these axioms are computed and put into one named graph of their own, :func:`graph_iri`
(``{base}graph/entailed/alignments``), which describes itself as derived from the graphs it was
computed from; queries over the union default graph see them, ``GRAPH`` queries tell them
apart, and validation never sees them (it reads the files).

The rules (RDFS 1.1 Semantics §9.2.1, rules rdfs9 and rdfs7, and OWL 2 RL's ``scm-eqc1`` /
``scm-eqp1``, applied only where they lead out of our namespace):

- ``x rdf:type C`` and ``C rdfs:subClassOf+ D`` (``owl:equivalentClass`` both ways) give
  ``x rdf:type D``;
- ``x P y`` and ``P rdfs:subPropertyOf+ Q`` (``owl:equivalentProperty`` both ways) give
  ``x Q y``;

for every ``D`` / ``Q`` outside the ontology's namespace (``ictkg:`` superclasses are not
stated again: our own queries and pages already follow our hierarchy) and other than the
trivial ``owl:Thing`` / ``rdfs:Resource``. Chains pass through our own hierarchy and through any
axiom the ontology states about an external term (``dcterms:source rdfs:subPropertyOf
prov:wasDerivedFrom``, from the W3C Dublin Core to PROV mapping). Not applied: domains and
ranges (rdfs2/rdfs3: they would type every value of a property, which the shapes already
check), ``skos:*Match`` (a mapping between concept schemes, not an entailment) and the rest of
OWL. This is a materialization of named axioms, not RDFS entailment in full: the service
description says so.

Literals keep their datatype, and go only where the target's range admits them: a partial
date (``xsd:gYear``, ``xsd:gYearMonth``…) is not a schema.org ``Date`` ("A date value in ISO
8601 date format", i.e. a full calendar date) nor a ``DateTime``, so it is never stated with a
``schema:`` property; Dublin Core's date properties (range ``rdfs:Literal``, recommended
encoding W3CDTF, which has ``YYYY`` and ``YYYY-MM``) take it; PROV's ``*AtTime`` properties take
only ``xsd:dateTime``. See :func:`date_policy`.

The engine evaluates the rules, written in SPARQL (:func:`rules_sparql`): one SPARQL 1.1 Update
for a store in memory (:func:`update`), the bulk loader for one on disk (:func:`bulk_write`).
The cost is about that of loading the triples it adds; README gives it measured on the real data
and at 1e5 triples (``bench/alignments.py``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import namespace

from server.config import graph_namespace, ontology_namespace
from server.rdf.namespaces import namespace_of

# The namespaces as strings (this module speaks pyoxigraph, not rdflib).
RDF, RDFS, OWL, XSD, DCTERMS, PROV = (
    str(n)
    for n in (
        namespace.RDF,
        namespace.RDFS,
        namespace.OWL,
        namespace.XSD,
        namespace.DCTERMS,
        namespace.PROV,
    )
)
VOID = str(namespace.VOID)

#: Changes whenever the rules below change what is entailed, so that a store loaded with the
#: old rules (an on-disk store records it with its files' signature) is loaded again.
RULES_VERSION = "alignments-1"

#: The axioms followed: (predicate, both ways?) for classes and for properties.
CLASS_AXIOMS = ((RDFS + "subClassOf", False), (OWL + "equivalentClass", True))
PROPERTY_AXIOMS = ((RDFS + "subPropertyOf", False), (OWL + "equivalentProperty", True))

#: Superclasses and super-properties that say nothing.
TRIVIAL = frozenset(
    {
        OWL + "Thing",
        RDFS + "Resource",
        OWL + "topObjectProperty",
        OWL + "topDataProperty",
    }
)

#: Datatypes of partial dates (a year, a month of a year…): not a full calendar date.
PARTIAL_DATES = frozenset(XSD + t for t in ("gYear", "gYearMonth", "gMonthDay", "gMonth", "gDay"))

#: Vocabularies whose date properties admit a partial date: Dublin Core terms (range
#: ``rdfs:Literal``; the recommended W3CDTF profile of ISO 8601 has ``YYYY`` and ``YYYY-MM``).
PARTIAL_DATES_ADMITTED = (DCTERMS,)

#: Properties whose range is ``xsd:dateTime`` (PROV-O): neither a date nor a partial date fits.
DATETIME_ONLY = frozenset(
    PROV + p
    for p in ("generatedAtTime", "invalidatedAtTime", "startedAtTime", "endedAtTime", "atTime")
)

TYPE = ox.NamedNode(RDF + "type")


def graph_iri(base_iri: str) -> str:
    """The named graph that holds the entailed triples."""
    return f"{graph_namespace(base_iri)}entailed/alignments"


def date_policy(target: str) -> str:
    """Which literals the external property ``target`` admits, by its range: ``"datetime"``
    (only ``xsd:dateTime``), ``"any"`` (partial dates too) or ``"full"`` (anything but a
    partial date)."""
    if target in DATETIME_ONLY:
        return "datetime"
    if target.startswith(PARTIAL_DATES_ADMITTED):
        return "any"
    return "full"


@dataclass(frozen=True)
class Alignments:
    """What each term entails outside our namespace: term -> external superclasses / -properties."""

    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    properties: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.classes or self.properties)

    def vocabularies(self) -> set[str]:
        """The namespaces of every term that can be entailed."""
        terms = {
            t for targets in (*self.classes.values(), *self.properties.values()) for t in targets
        }
        return {namespace_of(t) for t in terms}


def _closure(edges: Mapping[str, set[str]], own: str) -> dict[str, tuple[str, ...]]:
    """For each term with an edge: every external term reachable from it, sorted."""
    result: dict[str, tuple[str, ...]] = {}
    for start in edges:
        seen: set[str] = set()
        stack = [start]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        targets = sorted(t for t in seen - {start} if not t.startswith(own) and t not in TRIVIAL)
        if targets:
            result[start] = tuple(targets)
    return result


def alignments(axioms: Iterable[ox.Triple | ox.Quad], namespace: str) -> Alignments:
    """The alignments stated by ``axioms`` (the ontology's triples), for the ontology
    ``namespace``; axioms between blank nodes (OWL restrictions) are not alignments."""
    kinds = {p: (True, both) for p, both in CLASS_AXIOMS}
    kinds |= {p: (False, both) for p, both in PROPERTY_AXIOMS}
    class_edges: dict[str, set[str]] = {}
    property_edges: dict[str, set[str]] = {}
    for triple in axioms:
        kind = kinds.get(triple.predicate.value)
        if kind is None:
            continue
        if not isinstance(triple.subject, ox.NamedNode) or not isinstance(
            triple.object, ox.NamedNode
        ):
            continue
        is_class, both = kind
        edges = class_edges if is_class else property_edges
        sub, sup = triple.subject.value, triple.object.value
        edges.setdefault(sub, set()).add(sup)
        if both:
            edges.setdefault(sup, set()).add(sub)
    return Alignments(_closure(class_edges, namespace), _closure(property_edges, namespace))


def ontology_alignments(engine: ox.Store, namespace: str) -> Alignments:
    """The alignments stated anywhere in the store's source graphs."""
    predicates = [p for p, _ in (*CLASS_AXIOMS, *PROPERTY_AXIOMS)]
    return alignments(
        (q for p in predicates for q in engine.quads_for_pattern(None, ox.NamedNode(p), None)),
        namespace,
    )


def rules_sparql(rules: Alignments) -> list[tuple[str, str]]:
    """The rules as SPARQL: (template, pattern) pairs, one for types and one for values, the
    literal's datatype checked against :func:`date_policy` of each target."""
    # Every IRI here was parsed by the engine from the ontology (a valid IRI: no ``>``, no
    # space), so none can end the ``<…>`` it is written in.
    classes = " ".join(f"(<{c}> <{d}>)" for c, targets in rules.classes.items() for d in targets)
    properties = " ".join(
        f'(<{p}> <{q}> "{date_policy(q)}")'
        for p, targets in rules.properties.items()
        for q in targets
    )
    partial = ", ".join(f"<{t}>" for t in sorted(PARTIAL_DATES))
    pairs = []
    if classes:
        pairs.append(("?s a ?d", f"VALUES (?c ?d) {{ {classes} }} GRAPH ?g {{ ?s a ?c }}"))
    if properties:
        pairs.append(
            (
                "?s ?q ?o",
                f"""VALUES (?p ?q ?policy) {{ {properties} }} GRAPH ?g {{ ?s ?p ?o }}
  FILTER(!isLiteral(?o) || ?policy = "any"
         || (?policy = "full" && !(DATATYPE(?o) IN ({partial})))
         || (?policy = "datetime" && DATATYPE(?o) = <{XSD}dateTime>))""",
            )
        )
    return pairs


def update(rules: Alignments, graph: str) -> str:
    """The SPARQL 1.1 Update that writes into ``graph`` what ``rules`` entail (and some that
    is stated already: :func:`remove_stated`). The engine does the work: no triple crosses
    into Python, about twice as fast in memory as building the quads in Python."""
    return " ;\n".join(
        f"INSERT {{ GRAPH <{graph}> {{ {template} }} }} WHERE {{ {where} }}"
        for template, where in rules_sparql(rules)
    )


#: Splits the entailed triples: those with a blank node go through Python (a parser would give
#: the node a new identity), the others through the serializer and the bulk loader.
WITH_BLANK = "FILTER(isBlank(?s) || (BOUND(?o) && isBlank(?o)))"
WITHOUT_BLANK = "FILTER(!isBlank(?s) && (!BOUND(?o) || !isBlank(?o)))"


#: The bytes that can begin a blank node: ``_:b`` in N-Triples and N-Quads; also ``[ … ]`` and a
#: collection ``( … )`` in Turtle and TriG. A file without any of them has no blank node; a
#: false alarm (in a string, a comment) only takes the slower path.
BLANK_MARKS = {
    ox.RdfFormat.N_TRIPLES: (b"_:",),
    ox.RdfFormat.N_QUADS: (b"_:",),
}
TURTLE_BLANK_MARKS = (b"_:", b"[", b"(")


def may_hold_blank_nodes(file: Path, rdf_format: ox.RdfFormat) -> bool:
    data = file.read_bytes()
    return any(mark in data for mark in BLANK_MARKS.get(rdf_format, TURTLE_BLANK_MARKS))


def bulk_write(
    engine: ox.Store,
    rules: Alignments,
    graph: ox.NamedNode,
    sources: Mapping[str, tuple[Path, ox.RdfFormat]],
) -> None:
    """Write what ``rules`` entail with pyoxigraph's bulk loader, for an on-disk store (RocksDB
    takes a large update transaction several times slower, and reads slower than memory).

    Entailment here is triple by triple, so each source file is read on its own into a small
    in-memory store, the rules run there, and the engine serializes what they give for the
    bulk loader: nothing crosses into Python. A blank node would get a new identity in that
    round trip, so the graphs of files that may hold one are done in the on-disk store itself:
    its triples without blank nodes the same way, the others from Python.
    """
    blank = []
    with tempfile.TemporaryDirectory(prefix="ictkg-entailed-") as directory:
        entailed = Path(directory) / "entailed.nt"
        with entailed.open("wb") as output:
            for name, (file, rdf_format) in sources.items():
                if may_hold_blank_nodes(file, rdf_format):
                    blank.append(name)
                    continue
                scratch = ox.Store()
                scratch.load(path=file, format=rdf_format, to_graph=ox.NamedNode(name))
                for template, where in rules_sparql(rules):
                    found = scratch.query(f"CONSTRUCT {{ {template} }} WHERE {{ {where} }}")
                    found.serialize(output, format=ox.RdfFormat.N_TRIPLES)
        # One bulk load for all (each writes its own files into the store).
        engine.bulk_load(path=entailed, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    if not blank:
        return
    only = "VALUES ?g { " + " ".join(f"<{name}>" for name in blank) + " }"
    for template, where in rules_sparql(rules):
        plain = engine.query(
            f"CONSTRUCT {{ {template} }} WHERE {{ {only} {where} {WITHOUT_BLANK} }}"
        )
        engine.bulk_load(
            plain.serialize(format=ox.RdfFormat.N_TRIPLES),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=graph,
        )
        nodes = engine.query(f"CONSTRUCT {{ {template} }} WHERE {{ {only} {where} {WITH_BLANK} }}")
        engine.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in nodes)


def remove_stated(engine: ox.Store, rules: Alignments, graph: ox.NamedNode) -> None:
    """Take out of ``graph`` the triples another graph states (the union default graph would
    show them twice). One query for the target terms that the other graphs state (each looked
    up by graph and term): external terms, which our data states rarely, so this is cheaper
    than asking about each entailed triple.
    """
    others = " ".join(f"<{g.value}>" for g in engine.named_graphs() if g != graph)
    properties = " ".join(
        f"<{q}>" for q in sorted({q for t in rules.properties.values() for q in t})
    )
    classes = " ".join(f"<{d}>" for d in sorted({d for t in rules.classes.values() for d in t}))
    parts = []
    if properties:
        parts.append(f"{{ VALUES ?q {{ {properties} }} GRAPH ?g {{ ?s ?q ?o }} }}")
    if classes:
        parts.append(
            f"{{ VALUES ?o {{ {classes} }} BIND(<{RDF}type> AS ?q) GRAPH ?g {{ ?s ?q ?o }} }}"
        )
    query = (
        f"SELECT ?s ?q ?o WHERE {{ VALUES ?g {{ {others} }} {{ {' UNION '.join(parts)} }} "
        f"GRAPH <{graph.value}> {{ ?s ?q ?o }} }}"
    )
    stated = [ox.Quad(r["s"], r["q"], r["o"], graph) for r in engine.query(query)]
    for quad in stated:
        engine.remove(quad)


def description(
    graph: str, sources: Iterable[str], rules: Alignments, dataset: str
) -> list[ox.Triple]:
    """What the entailed graph says of itself: derived, from which graphs, which vocabularies;
    a subset of ``dataset`` (VoID), as ``data/graphs.ttl`` describes the graph of each file."""
    node = ox.NamedNode(graph)
    triples = [
        ox.Triple(node, TYPE, ox.NamedNode(PROV + "Entity")),
        ox.Triple(node, TYPE, ox.NamedNode(VOID + "Dataset")),
        ox.Triple(node, ox.NamedNode(DCTERMS + "isPartOf"), ox.NamedNode(dataset)),
        ox.Triple(
            node,
            ox.NamedNode(DCTERMS + "title"),
            ox.Literal("Triples entailed by the ontology's alignment axioms", language="en"),
        ),
        ox.Triple(
            node,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(
                "Derived, not stated: the types and properties of other vocabularies (those "
                "listed with void:vocabulary, among schema.org, W3C ORG, FOAF, Dublin Core, "
                "SKOS and PROV-O) that the ontology's rdfs:subClassOf, "
                "rdfs:subPropertyOf, owl:equivalentClass and owl:equivalentProperty axioms "
                "entail for the data (skos:*Match mappings excepted), computed when the store "
                "is loaded. Partial dates are stated only where the target's range admits "
                "them.",
                language="en",
            ),
        ),
    ]
    triples += [
        ox.Triple(node, ox.NamedNode(PROV + "wasDerivedFrom"), ox.NamedNode(s))
        for s in sorted(sources)
    ]
    triples += [
        ox.Triple(node, ox.NamedNode(VOID + "vocabulary"), ox.NamedNode(v))
        for v in sorted(rules.vocabularies())
    ]
    return triples


def materialize(
    engine: ox.Store,
    base_iri: str,
    *,
    sources: Mapping[str, tuple[Path, ox.RdfFormat]] | None = None,
) -> int:
    """Compute the entailed graph of a writable store and (re)place it; how many triples it
    has (0: nothing is entailed and the store holds no such graph). For an on-disk store, give
    the ``sources`` it was loaded from (graph name -> file and format): see :func:`bulk_write`.

    Idempotent: the graph is computed from the other graphs only, and replaced as a whole.
    """
    name = graph_iri(base_iri)
    target = ox.NamedNode(name)
    if engine.contains_named_graph(target):
        engine.remove_graph(target)
    rules = ontology_alignments(engine, ontology_namespace(base_iri))
    if not rules:
        return 0
    if sources is not None:
        bulk_write(engine, rules, target, sources)
    else:
        engine.update(update(rules, name))
    remove_stated(engine, rules, target)
    if not engine.contains_named_graph(target):
        return 0
    sources = [g.value for g in engine.named_graphs() if g != target]
    engine.extend(
        ox.Quad(t.subject, t.predicate, t.object, target)
        for t in description(name, sources, rules, base_iri + ".well-known/void#dataset")
    )
    size = engine.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
    return int(next(iter(size))["n"].value)
