"""The fixed mix of 12 SPARQL queries every peer answers (issue 5, workload a).

One query per kind of work a SPARQL engine does for our users: a point lookup, label search with
``CONTAINS`` and with ``REGEX``, 2- and 3-hop joins, ``OPTIONAL``, ``GROUP BY``/``COUNT``,
``ORDER BY`` + ``LIMIT``, ``DESCRIBE``, ``CONSTRUCT``, a property path and ``ASK``. The resources
they name are unit 0's (``bench.generate``), which exist at every scale. Results are asked for
in SPARQL JSON (SELECT, ASK) and N-Triples (graphs), the same for every peer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.generate import ICTKG, unit_state

PREFIXES = (
    f"PREFIX ictkg: <{ICTKG}> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> "
)

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    accept: str


def point_lookup(iri: str) -> Query:
    """Every property and value of one resource: the on-disk store's workload at 1e7."""
    return Query("point-lookup", f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", RESULTS_JSON)


def mix() -> list[Query]:
    """The 12 queries, in the order the load generator cycles through them."""
    state = f"<{unit_state(0)}>"
    rows = [
        ("point-lookup", f"SELECT ?p ?o WHERE {{ {state} ?p ?o }}", RESULTS_JSON),
        (
            "label-contains",
            'SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(?label, "Broadband")) }'
            " LIMIT 100",
            RESULTS_JSON,
        ),
        (
            "label-regex",
            "SELECT ?s ?label WHERE { ?s rdfs:label ?label "
            'FILTER(REGEX(?label, "^republic of va", "i")) } LIMIT 100',
            RESULTS_JSON,
        ),
        (
            "join-2-hops",
            "SELECT ?doc ?phase ?city WHERE { ?doc a ictkg:Declaration ; ictkg:adoptedAt ?phase ."
            " ?phase ictkg:heldIn ?city } LIMIT 100",
            RESULTS_JSON,
        ),
        (
            "join-3-hops",
            "SELECT ?award ?project ?ministry ?summit WHERE { ?award ictkg:awardedTo ?project ."
            " ?project ictkg:partner ?ministry . ?summit ictkg:organizer ?ministry } LIMIT 100",
            RESULTS_JSON,
        ),
        (
            "optional",
            "SELECT ?summit ?count WHERE { ?summit a ictkg:Summit "
            "OPTIONAL { ?summit ictkg:attendance ?a . ?a ictkg:attendeeCount ?count } } LIMIT 100",
            RESULTS_JSON,
        ),
        (
            "group-count",
            "SELECT ?category (COUNT(?award) AS ?awards) WHERE { ?award a ictkg:Award ;"
            " ictkg:category ?category } GROUP BY ?category",
            RESULTS_JSON,
        ),
        (
            "order-limit",
            "SELECT ?summit ?start WHERE { ?summit a ictkg:Summit ; ictkg:startDate ?start }"
            " ORDER BY DESC(?start) ?summit LIMIT 10",
            RESULTS_JSON,
        ),
        ("describe", f"DESCRIBE {state}", N_TRIPLES),
        (
            "construct",
            "CONSTRUCT { ?s rdfs:label ?label } WHERE { ?s a ictkg:State ; rdfs:label ?label }"
            " LIMIT 100",
            N_TRIPLES,
        ),
        (
            "property-path",
            "SELECT ?event ?state WHERE { ?event (ictkg:phaseOf|ictkg:editionOf)?/ictkg:heldIn/"
            "ictkg:locatedIn ?state } LIMIT 100",
            RESULTS_JSON,
        ),
        ("ask", f"ASK {{ ?p ictkg:participant {state} }}", RESULTS_JSON),
    ]
    return [Query(name, PREFIXES + text, accept) for name, text, accept in rows]
