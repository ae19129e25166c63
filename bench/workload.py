"""Request streams drawn from the generated data: what a public endpoint sees (issue 14).

The fixed mix of ``bench.queries`` repeats 12 identical requests, so a response cache answers
nearly all of them and the figure measures the cache. Here every request takes its constants
(IRIs, label words, years, classes) from the data files themselves, chosen with a Zipf
distribution (s = 1) over the resources: the resources are put in a random (seeded) order and the
one of rank ``k`` is chosen with a probability proportional to ``1 / k`` — a few are popular,
most are rare, as in the logs of public SPARQL endpoints and linked-data servers. A response cache
then hits at the rate such a workload gives it, and no more.

Three streams, each deterministic for a seed:

- :func:`mix_stream` — the same 12 kinds of query as the fixed mix, in turn, each with constants
  drawn for that request (endless);
- :func:`crawl` — every resource once, in a shuffled order (a crawler: nothing is asked twice);
- :func:`zipf_resources` — resources revisited with the Zipf distribution (endless).

The load generator (``bench.wrk.run_stream``) reads them from a file, one item per line, and
never wraps around it unnoticed.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.generate import ICTKG, RDF_TYPE, RDFS_LABEL, XSD
from bench.queries import N_TRIPLES, PREFIXES, RESULTS_JSON, Query
from server.config import BASE_IRI
from server.rdf.formats import RDF_OFFERS, by_name
from server.rdf.scheme import document_of, things_prefix

#: One N-Triples line: subject, predicate and the rest (object and the final dot).
LINE = re.compile(r"^<([^>]*)> <([^>]*)> (.*) \.$")
#: A literal's lexical form, and its language tag or datatype.
LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z-]+)|\^\^<([^>]*)>)?$')
#: Properties whose value gives a resource its year.
DATED = (ICTKG + "startDate", ICTKG + "awardYear", ICTKG + "adoptionDate", ICTKG + "deliveryDate")


@dataclass
class Resource:
    """What the streams need to know of one resource of the data."""

    iri: str
    cls: str | None = None
    label: str | None = None
    year: int | None = None
    #: The datatype of its ``ictkg:startDate`` (``xsd:date`` or ``xsd:gYear``), if it has one.
    start_type: str | None = None


def catalog(data_dir: Path) -> list[Resource]:
    """Every resource described in the data files (``{base}id/…`` subjects), in file order.

    Read from the N-Triples the peers load, so the constants are those of the data measured."""
    prefix = things_prefix(BASE_IRI)
    found: dict[str, Resource] = {}
    for file in sorted(data_dir.glob("*.nt")):
        with file.open(encoding="utf-8") as lines:
            for line in lines:
                match = LINE.match(line.rstrip("\n"))
                if match is None or not match[1].startswith(prefix):
                    continue
                subject, predicate, value = match.groups()
                resource = found.get(subject)
                if resource is None:
                    resource = found[subject] = Resource(subject)
                if predicate == RDF_TYPE:
                    if resource.cls is None or value[1:-1].startswith(ICTKG):
                        resource.cls = value[1:-1]
                    continue
                literal = LITERAL.match(value)
                if literal is None:
                    continue
                text, lang, datatype = literal.groups()
                if predicate == RDFS_LABEL and lang == "en" and resource.label is None:
                    resource.label = text
                elif predicate in DATED and resource.year is None and text[:4].isdigit():
                    resource.year = int(text[:4])
                if predicate == ICTKG + "startDate":
                    resource.start_type = datatype
    return list(found.values())


class Zipf:
    """Resources chosen with probability proportional to ``1 / rank`` (s = 1).

    The ranks are a seeded shuffle of the catalog, so popularity has nothing to do with file
    order. ``pick(test)`` draws among the resources that pass ``test`` with the same weights
    (a popular state stays popular whichever query asks for a state)."""

    def __init__(self, resources: list[Resource], rng: random.Random) -> None:
        if not resources:
            raise ValueError("no resource in the data: nothing to draw from")
        self.rng = rng
        self.ranked = resources[:]
        rng.shuffle(self.ranked)
        self._tables: dict[Callable[[Resource], bool] | None, tuple[list, list[float]]] = {}

    def weights(self, test: Callable[[Resource], bool] | None = None) -> tuple[list, list[float]]:
        """The resources passing ``test`` in rank order, and their cumulative weights."""
        table = self._tables.get(test)
        if table is None:
            chosen, cumulative, total = [], [], 0.0
            for rank, resource in enumerate(self.ranked, start=1):
                if test is None or test(resource):
                    total += 1.0 / rank
                    chosen.append(resource)
                    cumulative.append(total)
            if not chosen:
                raise ValueError("no resource in the data fits this query")
            table = self._tables[test] = (chosen, cumulative)
        return table

    def pick(self, test: Callable[[Resource], bool] | None = None) -> Resource:
        chosen, cumulative = self.weights(test)
        at = bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])
        return chosen[min(at, len(chosen) - 1)]


def of_class(*names: str) -> Callable[[Resource], bool]:
    classes = {ICTKG + n for n in names}
    return lambda r: r.cls in classes


def _has_label(r: Resource) -> bool:
    return bool(r.label)


def _has_start(r: Resource) -> bool:
    return r.start_type is not None and r.year is not None and r.cls is not None


def _has_class(r: Resource) -> bool:
    return r.cls is not None and bool(r.label)


STATE = of_class("State")
MINISTRY = of_class("Organization")
SUMMIT = of_class("Summit")
AWARD = of_class("Award")


def string(text: str) -> str:
    """A SPARQL string literal (``"…"`` with backslash escapes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def word_of(label: str) -> str:
    """The word of a label a user would search for: its last word of four letters or more."""
    words = [w for w in re.findall(r"\w+", label) if len(w) >= 4 and not w.isdigit()]
    return words[-1] if words else label


def _point_lookup(z: Zipf) -> tuple[str, str]:
    return f"SELECT ?p ?o WHERE {{ <{z.pick().iri}> ?p ?o }}", RESULTS_JSON


def _label_contains(z: Zipf) -> tuple[str, str]:
    word = string(word_of(z.pick(_has_label).label or ""))
    return (
        f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label FILTER(CONTAINS(?label, {word})) }}"
        " LIMIT 100",
        RESULTS_JSON,
    )


def _label_regex(z: Zipf) -> tuple[str, str]:
    start = re.escape((z.pick(_has_label).label or "")[:8].lower()).replace("\\ ", " ")
    return (
        f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label "
        f'FILTER(REGEX(?label, {string("^" + start)}, "i")) }} LIMIT 100',
        RESULTS_JSON,
    )


def _join_2(z: Zipf) -> tuple[str, str]:
    state = z.pick(STATE).iri
    return (
        f"SELECT ?doc ?phase ?city WHERE {{ ?doc ictkg:adoptedBy <{state}> ; "
        "ictkg:adoptedAt ?phase . ?phase ictkg:heldIn ?city } LIMIT 100",
        RESULTS_JSON,
    )


def _join_3(z: Zipf) -> tuple[str, str]:
    ministry = z.pick(MINISTRY).iri
    return (
        f"SELECT ?award ?project ?summit WHERE {{ ?award ictkg:awardedTo ?project . "
        f"?project ictkg:partner <{ministry}> . ?summit ictkg:organizer <{ministry}> }} LIMIT 100",
        RESULTS_JSON,
    )


def _optional(z: Zipf) -> tuple[str, str]:
    year = z.pick(SUMMIT).year
    return (
        "SELECT ?summit ?count WHERE { ?summit a ictkg:Summit ; ictkg:startDate ?start "
        f"FILTER(YEAR(?start) = {year}) "
        "OPTIONAL { ?summit ictkg:attendance ?a . ?a ictkg:attendeeCount ?count } } LIMIT 100",
        RESULTS_JSON,
    )


def _group_count(z: Zipf) -> tuple[str, str]:
    year = z.pick(AWARD).year
    return (
        "SELECT ?category (COUNT(?award) AS ?awards) WHERE { ?award a ictkg:Award ; "
        f'ictkg:category ?category ; ictkg:awardYear "{year}"^^xsd:gYear }} GROUP BY ?category',
        RESULTS_JSON,
    )


def _order_limit(z: Zipf) -> tuple[str, str]:
    r = z.pick(_has_start)
    if r.start_type == XSD + "gYear":
        bound = f'"{r.year}"^^xsd:gYear'
    else:
        bound = f'"{r.year}-12-31"^^xsd:date'
    return (
        f"SELECT ?s ?start WHERE {{ ?s a <{r.cls}> ; ictkg:startDate ?start "
        f"FILTER(?start <= {bound}) }} ORDER BY DESC(?start) ?s LIMIT 10",
        RESULTS_JSON,
    )


def _describe(z: Zipf) -> tuple[str, str]:
    return f"DESCRIBE <{z.pick().iri}>", N_TRIPLES


def _construct(z: Zipf) -> tuple[str, str]:
    r = z.pick(_has_class)
    start = string((r.label or "")[:2])
    return (
        f"CONSTRUCT {{ ?s rdfs:label ?label }} WHERE {{ ?s a <{r.cls}> ; rdfs:label ?label "
        f"FILTER(STRSTARTS(?label, {start})) }} LIMIT 100",
        N_TRIPLES,
    )


def _property_path(z: Zipf) -> tuple[str, str]:
    state = z.pick(STATE).iri
    return (
        "SELECT ?event WHERE { ?event (ictkg:phaseOf|ictkg:editionOf)?/ictkg:heldIn/"
        f"ictkg:locatedIn <{state}> }} LIMIT 100",
        RESULTS_JSON,
    )


def _ask(z: Zipf) -> tuple[str, str]:
    return f"ASK {{ ?p ictkg:participant <{z.pick(STATE).iri}> }}", RESULTS_JSON


#: The 12 kinds of the fixed mix (``bench.queries.mix``), each drawing its own constants.
TEMPLATES: dict[str, Callable[[Zipf], tuple[str, str]]] = {
    "point-lookup": _point_lookup,
    "label-contains": _label_contains,
    "label-regex": _label_regex,
    "join-2-hops": _join_2,
    "join-3-hops": _join_3,
    "optional": _optional,
    "group-count": _group_count,
    "order-limit": _order_limit,
    "describe": _describe,
    "construct": _construct,
    "property-path": _property_path,
    "ask": _ask,
}


def mix_stream(resources: list[Resource], seed: int = 14) -> Iterator[Query]:
    """Endless: the 12 kinds of query in turn, constants drawn with Zipf for every request."""
    zipf = Zipf(resources, random.Random(seed))  # noqa: S311 - reproducible load
    for name in itertools.cycle(TEMPLATES):
        text, accept = TEMPLATES[name](zipf)
        yield Query(name, PREFIXES + text, accept)


def unique(queries: Iterator[Query], patience: int = 10_000) -> Iterator[Query]:
    """The stream without its repeats: every request new (what a cache cannot help with).

    Small data has few different queries: the stream ends after ``patience`` draws in a row
    that were all repeats."""
    seen: set[str] = set()
    misses = 0
    for query in queries:
        if query.text in seen:
            misses += 1
            if misses >= patience:
                return
            continue
        misses = 0
        seen.add(query.text)
        yield query


def crawl(resources: list[Resource], seed: int = 14) -> list[str]:
    """Every resource once, in a shuffled order: a crawler's visit."""
    order = [r.iri for r in resources]
    random.Random(seed).shuffle(order)  # noqa: S311 - reproducible load
    return order


def zipf_resources(resources: list[Resource], seed: int = 14) -> Iterator[str]:
    """Endless: resources revisited with the Zipf distribution."""
    zipf = Zipf(resources, random.Random(seed))  # noqa: S311 - reproducible load
    while True:
        yield zipf.pick().iri


def repeat_share(keys: list[str]) -> float:
    """The share of items that repeat an earlier one: the most a response cache could answer."""
    return 1 - len(set(keys)) / len(keys) if keys else 0.0


# --- items: what one line of a request file asks ------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One unit of work: one request (a query) or two (a 303 and its document), one Accept."""

    accept: str
    paths: tuple[str, ...]

    def line(self) -> str:
        for path in self.paths:
            if any(c in path for c in "\t\n\r "):
                raise ValueError(f"a request path must be URL-encoded: {path!r}")
        return "\t".join((self.accept, *self.paths))


def sparql_item(endpoint_path: str, query: Query) -> Item:
    return Item(query.accept, (f"{endpoint_path}?{urllib.parse.urlencode({'query': query.text})}",))


def describe_item(endpoint_path: str, iri: str) -> Item:
    """A peer without dereferenceable URIs: one ``DESCRIBE <iri>`` in Turtle."""
    return sparql_item(endpoint_path, Query("describe", f"DESCRIBE <{iri}>", "text/turtle"))


def dereference_item(iri: str, accept: str = "text/turtle", suffix: bool = True) -> Item:
    """A server of URIs: ``/id/…`` (answers 303) then the document, computed by the IRI scheme
    (``server.rdf.scheme``, with the extension of the format asked when ``suffix``: where the
    303 of ``ictkg serve`` points) instead of asked, so nothing is requested before the load."""
    document = document_of(BASE_IRI, iri)
    if document is None:
        raise ValueError(f"{iri} is not under {things_prefix(BASE_IRI)}")
    path = "/" + document[len(BASE_IRI) :]
    offer = by_name(RDF_OFFERS, accept)
    if suffix and offer is not None:
        path += "." + offer.extension
    return Item(accept, ("/" + iri[len(BASE_IRI) :], path))


class Stream:
    """A deterministic stream of items, consumed in order across runs (never replayed).

    Each run of the load generator gets the next stretch of the stream, as a server that keeps
    running sees ever new requests from the same distribution: a cache warmed by one run helps
    the next exactly as much as it would in production, and no more."""

    def __init__(self, items: Iterator[Item] | list[Item]) -> None:
        self._source = iter(items)
        self.items: list[Item] = []
        self.position = 0
        self.exhausted = False

    def window(self, count: int) -> list[Item]:
        """The next ``count`` items from the current position (fewer if a finite stream ends)."""
        while len(self.items) < self.position + count and not self.exhausted:
            try:
                self.items.append(next(self._source))
            except StopIteration:
                self.exhausted = True
        return self.items[self.position : self.position + count]

    def remaining(self) -> int:
        """How many items are left after the current position (reads a finite stream to its
        end: an endless one never returns)."""
        self.items.extend(self._source)
        self.exhausted = True
        return len(self.items) - self.position

    def advance(self, count: int) -> None:
        self.position = min(self.position + count, len(self.items))

    def repeats(self, start: int, end: int) -> float:
        """The share of items in ``[start, end)`` already seen earlier in the stream."""
        seen = set(self.items[:start])
        repeated = 0
        for item in self.items[start:end]:
            repeated += item in seen
            seen.add(item)
        return repeated / (end - start) if end > start else 0.0
