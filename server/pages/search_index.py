"""Search that finds things: a word index of the dataset in SQLite FTS5, ranked by BM25.

Decision: SQLite's FTS5 (standard library ``sqlite3``, no service to run) over one in-memory
table, built from one SPARQL query the first time a search needs it for a dataset version and
kept until the version changes (a reload builds a new one). Each resource is one row with three
columns, all written in Latin letters (:mod:`server.i18n.transliteration`), so "Минск",
"Мінск" and "Minsk" are one word and a query may be typed in either script:

- ``names``: its labels and alternative names in every language;
- ``descriptions``: its descriptions and comments in every language;
- ``dates``: its dates as words: the lexical value, the year, and the month in English,
  Russian and Belarusian, standing alone and in the genitive (``November``, ``ноябрь``,
  ``ноября``, ``лістапад``, ``лістапада``, from CLDR through Babel).

The tokenizer is ``unicode61 remove_diacritics 2``: case and accents do not matter. A query
matches when every one of its words begins a word of the row, in any column and any order
(``Minsk 2009`` finds the summit held in Minsk in 2009); rows rank by BM25 with names weighing
most, and among the best of them a resource whose name begins with the query comes first.
The index also keeps each resource's names and kinds, so results and suggestions are
labelled without another query.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import pyoxigraph as ox
from babel.dates import get_month_names
from rdflib import RDF, XSD, Literal, URIRef

from server.config import graph_namespace
from server.i18n import vocabulary
from server.i18n.language import FORMAT_LOCALES, LANGUAGES
from server.i18n.transliteration import latin, variants
from server.rdf import alignments, labels

DATE_TYPES = (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth)
#: Column weights for BM25: a word in a name counts most, then a date, then a description.
WEIGHTS = (10.0, 1.0, 4.0)
WORD = re.compile(r"\w+", re.UNICODE)
#: How many of the best BM25 matches are ordered again by how closely a name matches.
RERANKED = 200
#: At most this many words of a query are used (a longer query is cut, not refused).
MAX_WORDS = 12


def build_query(entailed: str) -> str:
    """Every name, description, kind and date of every resource, in one query.

    The kinds are those the data states: the entailed graph (``entailed``) adds the outside
    classes of the alignments (``schema:Organization``, ``foaf:Organization``,
    ``org:Organization`` for one organization), which a result does not need named thrice."""
    text = ", ".join(
        f"<{p}>"
        for p in (*labels.LABEL_PREDICATES, *labels.ALT_PREDICATES, *labels.DESCRIPTION_PREDICATES)
    )
    dates = ", ".join(f"<{t}>" for t in DATE_TYPES)
    return (
        "SELECT ?s ?p ?o WHERE { { ?s ?p ?o FILTER(isIRI(?s) && ("
        f"(?p IN ({text}) && isLiteral(?o)) "
        f"|| (isLiteral(?o) && datatype(?o) IN ({dates})))) }} "
        f"UNION {{ GRAPH ?g {{ ?s <{RDF.type}> ?o }} FILTER(isIRI(?s) && ?g != <{entailed}>) "
        f"BIND(<{RDF.type}> AS ?p) }} }}"
    )


@cache
def month_words(month: int) -> frozenset[str]:
    """A month's names in every interface language, standing alone and in a date."""
    words = set()
    for code in LANGUAGES:
        for context in ("stand-alone", "format"):
            words.add(str(get_month_names("wide", context, FORMAT_LOCALES[code])[month]))
    return frozenset(words)


@cache
def date_text(lexical: str) -> str:
    """The indexed text of one date: its words in Latin letters (many resources share one)."""
    return " ".join(latin(w) for w in date_words(lexical))


def date_words(lexical: str) -> list[str]:
    """``2009-11-25`` as words: itself, ``2009``, and the month's names."""
    words = [lexical]
    match = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", lexical)
    if match:
        year, month, day = match.groups()
        words.append(year)
        if month and 1 <= int(month) <= 12:
            words += sorted(month_words(int(month)))
        if day and month:
            try:
                date(int(year), int(month), int(day))
                words.append(str(int(day)))
            except ValueError:
                pass
    return words


@dataclass
class Entry:
    """What the index knows of one resource, to label results without a query."""

    iri: str
    #: (rank of the predicate, text, language): labels best first, then alternative names.
    #: Plain tuples: making rdflib literals of every name would double the build time.
    names: list[tuple[int, str, str | None]] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    dates: list[str] = field(default_factory=list)
    descriptions: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    match: str
    kinds: list[str]


class SearchIndex:
    """The FTS5 table of one dataset version, with the names and kinds of its resources."""

    def __init__(self, rows: Any, unlisted: str | None = None) -> None:
        """The index of ``rows`` (:func:`build_query`'s solutions); subjects under ``unlisted``
        (the graph names: not documents, a GET of one is 404) are never results."""
        entries: dict[str, Entry] = {}
        ranks = {p: i for i, p in enumerate((*labels.LABEL_PREDICATES, *labels.ALT_PREDICATES))}
        descriptions = set(labels.DESCRIPTION_PREDICATES)
        ranks = {str(p): rank for p, rank in ranks.items()}
        descriptions = {str(p) for p in descriptions}
        dates = {str(t) for t in DATE_TYPES}
        kind = str(RDF.type)
        for row in rows:
            subject = row["s"].value
            if unlisted and subject.startswith(unlisted):
                continue
            predicate = row["p"].value
            value = row["o"]
            entry = entries.setdefault(subject, Entry(subject))
            if predicate == kind:
                entry.kinds.add(value.value)
            elif not isinstance(value, ox.Literal):
                continue
            elif predicate in ranks:
                entry.names.append((ranks[predicate], value.value, value.language))
            elif predicate in descriptions:
                entry.descriptions.append((value.value, value.language))
            elif value.datatype.value in dates:
                entry.dates.append(value.value)
        # In IRI order, so ties in rank come out alike whatever order the store answered in
        # (the embedded store and a remote engine give the same page).
        self.entries = sorted((e for e in entries.values() if e.names), key=lambda e: e.iri)
        self.by_iri = {e.iri: e for e in self.entries}
        self.connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.lock = threading.Lock()
        self.connection.execute(
            "CREATE VIRTUAL TABLE idx USING fts5(names, descriptions, dates, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        self.connection.executemany(
            "INSERT INTO idx(rowid, names, descriptions, dates) VALUES (?, ?, ?, ?)",
            (
                (
                    number,
                    " | ".join(latin(text, lang) for _, text, lang in e.names),
                    " | ".join(latin(text, lang) for text, lang in e.descriptions),
                    " ".join(date_text(d) for d in e.dates),
                )
                for number, e in enumerate(self.entries)
            ),
        )

    @staticmethod
    def match_expression(text: str, prefix_last_only: bool = False) -> str | None:
        """The FTS5 query for what a reader typed: every word, each in either script.

        Each word is quoted (FTS5 syntax in the input is text, never an operator) and matched
        as the beginning of a word; a Cyrillic word is tried as Russian and as Belarusian.
        """
        words = WORD.findall(text)[:MAX_WORDS]
        if not words:
            return None
        groups = []
        for position, word in enumerate(words):
            star = "" if prefix_last_only and position < len(words) - 1 else "*"
            options = sorted(f'"{v}"{star}' for v in variants(word) if v)
            groups.append("(" + " OR ".join(options) + ")")
        return " AND ".join(groups)

    def search(
        self, text: str, chain: tuple[str, ...], limit: int, whole_words: bool = False
    ) -> list[Hit]:
        """Resources with every word of ``text``, best first, named in the chain's language.

        With ``whole_words`` (suggestions while typing) only the last word may be a beginning.
        """
        expression = self.match_expression(text, prefix_last_only=whole_words)
        if expression is None:
            return []
        with self.lock:
            found = self.connection.execute(
                "SELECT rowid FROM idx WHERE idx MATCH ? ORDER BY bm25(idx, ?, ?, ?), rowid "
                "LIMIT ?",
                (expression, *WEIGHTS, max(limit, RERANKED)),
            ).fetchall()
        # BM25 favours short rows: a resource with many names (every language, alternative
        # names) would fall behind one that mentions the words once. Among the best matches,
        # a resource with a name that begins with what was typed comes first, then one with a
        # name holding all the words; BM25 orders within each.
        wanted = " ".join(latin(w) for w in WORD.findall(text))
        words = wanted.split()

        def closeness(entry: Entry) -> tuple[int, int]:
            """0: a name begins with the query (the shortest such name first), 1: a name holds
            every word, 2: the words are spread over names, descriptions and dates."""
            names = [" ".join(WORD.findall(latin(t, lang))) for _, t, lang in entry.names]
            starting = [len(name) for name in names if name.startswith(wanted)]
            if starting:
                return 0, min(starting)
            for name in names:
                if all(any(n.startswith(w) for n in name.split()) for w in words):
                    return 1, 0
            return 2, 0

        ranked = sorted(
            enumerate(self.entries[rowid] for (rowid,) in found),
            key=lambda item: (closeness(item[1]), item[0]),
        )
        return [self.hit(entry, text, chain) for _, entry in ranked[:limit]]

    def label(self, iri: str, chain: tuple[str, ...]) -> str:
        """The resource's label as :func:`server.rdf.labels.label` picks it (alternative
        names only when it has no label at all), else its local name."""
        entry = self.by_iri.get(iri)
        if entry is None:
            return vocabulary.label(URIRef(iri), chain) or labels.local_name(iri)
        ordered = self.sorted_names(entry)
        own = [n for rank, n in ordered if rank < len(labels.LABEL_PREDICATES)]
        chosen = labels.pick(own or [n for _, n in ordered], chain)
        return str(chosen) if chosen is not None else labels.local_name(iri)

    @staticmethod
    def sorted_names(entry: Entry) -> list[tuple[int, Literal]]:
        """Names as literals in predicate order, each predicate's sorted (as
        :func:`server.rdf.labels.literals` orders them)."""
        ordered = sorted(entry.names, key=lambda n: (n[0], n[2] or "", n[1]))
        return [(rank, Literal(text, lang=lang)) for rank, text, lang in ordered]

    def hit(self, entry: Entry, text: str, chain: tuple[str, ...]) -> Hit:
        label = self.label(entry.iri, chain)
        wanted = [latin(w) for w in WORD.findall(text)]
        match = next(
            (
                str(n)
                for _, n in self.sorted_names(entry)
                if all(any(t.startswith(w) for t in WORD.findall(latin(str(n)))) for w in wanted)
            ),
            label,
        )
        kinds = sorted({self.label(k, chain) for k in entry.kinds})
        return Hit(entry.iri, label, match, kinds)


class SearchIndexes:
    """One index per dataset version, built on first use and replaced when the version moves."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: Any = object()
        self.index: SearchIndex | None = None

    def get(self, source: Any) -> SearchIndex:
        version = source.version
        with self.lock:
            if self.index is None or self.version != version:
                rows = source.query(build_query(alignments.graph_iri(source.base_iri)))
                self.index = SearchIndex(rows, graph_namespace(source.base_iri))
                self.version = version
            return self.index
