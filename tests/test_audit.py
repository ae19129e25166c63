"""The claim-by-claim audit covers the data, exactly: every statement about the world has a row.

``data/audit/`` holds one Markdown table per data file (``data/wsis.ttl`` -> ``data/audit/wsis.md``,
``data/external/un.ttl`` -> ``data/audit/external__un.md``), with the columns
``| subject | property | value | source | quote | kind |`` (see data/README.md, "The audit"). The
cells are Turtle as the data file writes it (prefixed names, literals with their language or
datatype), so each row is parsed with the file's own prefixes into the one triple it names.

Each data file (recursively, so files added later are checked too) is a test case: it fails, naming
the triples, when a statement has no row, when a row names a triple the file does not hold, or when
a row's source does not exist, is not a source the subject cites in that file, or has no quote.
Quotes of a source whose text the data keeps (the seed) must be verbatim in that text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from server.config import BASE_IRI, DEFAULTS
from server.store.embedded import rdf_files

ROOT = Path(__file__).parent.parent
DATA_DIR = Path(DEFAULTS["DATA_DIR"])
AUDIT_DIR = DATA_DIR / "audit"
DATA = sorted(p for p in rdf_files([DATA_DIR]) if p.suffix == ".ttl")
SOURCE_DOCUMENT = URIRef(BASE_IRI + "ontology#SourceDocument")
SCHEMA_TEXT = URIRef("https://schema.org/text")

#: Bookkeeping, not statements about the world: which source a resource cites, which ontology
#: defines a term, and the stored text of a source (the source itself, kept verbatim).
BOOKKEEPING = frozenset({DCTERMS.source, RDFS.isDefinedBy, SCHEMA_TEXT})
#: Subjects that are our own files, not the world: the named graphs and the dataset they make up,
#: described in data/graphs.ttl (title, sources, licence, date of change).
OWN_FILES = (BASE_IRI + "graph/", BASE_IRI + ".well-known/")
KINDS = frozenset({"stated", "inferred", "editorial"})
COLUMNS = ["subject", "property", "value", "source", "quote", "kind"]
INFERRED_MARK = " — inferred: "
EDITORIAL_MARK = "— editorial: "


def audit_file(data_file: Path) -> Path:
    relative = data_file.relative_to(DATA_DIR).as_posix()
    return AUDIT_DIR / (relative.replace("/", "__").removesuffix(".ttl") + ".md")


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row; ``\\|`` is a literal bar inside a cell."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [c.replace("\\|", "|").strip() for c in re.split(r"(?<!\\)\|", inner)]


def table(path: Path) -> list[tuple[int, list[str]]]:
    """The rows of the audit table in ``path`` with their line numbers (header and rule skipped)."""
    rows = []
    lines = path.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("|"))
    assert cells(lines[header]) == COLUMNS, f"{path.name}: the table's columns are {COLUMNS}"
    for number, line in enumerate(lines[header + 2 :], start=header + 3):
        if line.startswith("|"):
            row = cells(line)
            assert len(row) == len(COLUMNS), f"{path.name}:{number}: {len(row)} cells, not 6"
            rows.append((number, row))
    return rows


def prefixes(graph: Graph) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in graph.namespace_manager.namespaces())


@pytest.fixture(scope="module")
def union() -> Graph:
    graph = Graph()
    for file in DATA:
        graph.parse(file)
    return graph


def test_every_data_file_is_checked():
    assert DATA, "no data files found"
    assert AUDIT_DIR.is_dir(), "data/audit/ is missing"


def test_every_audit_table_belongs_to_a_data_file():
    tables = {p.name for p in AUDIT_DIR.glob("*.md") if p.name != "README.md"}
    expected = {audit_file(f).name for f in DATA}
    assert sorted(tables - expected) == [], "audit tables without a data file"


@pytest.mark.parametrize("file", DATA, ids=[f.relative_to(DATA_DIR).as_posix() for f in DATA])
def test_the_audit_covers_the_file_exactly(file: Path, union: Graph):
    graph = Graph()
    graph.parse(file)
    path = audit_file(file)
    statements = {
        t for t in graph if t[1] not in BOOKKEEPING and not str(t[0]).startswith(OWN_FILES)
    }
    if not statements and not path.exists():
        return  # a file about our own files only (data/graphs.ttl) needs no audit
    assert path.exists(), f"{file.relative_to(ROOT)} has no audit table {path.relative_to(ROOT)}"
    head = prefixes(graph)
    problems: list[str] = []
    audited = set()
    for number, (subject, prop, value, source, quote, kind) in table(path):
        where = f"{path.name}:{number}"
        try:
            row = Graph().parse(data=f"{head}{subject} {prop} {value} .", format="turtle")
            (triple,) = list(row)
            source_iri = graph.namespace_manager.expand_curie(source)
        except Exception as error:  # any parse failure is reported with its row
            problems.append(f"{where}: cannot read the row as Turtle ({error})")
            continue
        audited.add(triple)
        if triple not in statements:
            problems.append(f"{where}: not in the file: {subject} {prop} {value}")
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
        if (source_iri, RDF.type, SOURCE_DOCUMENT) not in union:
            problems.append(f"{where}: no such source: {source}")
        cited = set(graph.objects(triple[0], DCTERMS.source))
        if source_iri not in cited and source_iri != triple[0]:
            problems.append(f"{where}: {subject} does not cite {source} in this file")
        if not quote:
            problems.append(f"{where}: no quote")
        if kind == "inferred" and INFERRED_MARK not in quote:
            problems.append(f"{where}: an inferred row says its inference ('{INFERRED_MARK}…')")
        if kind == "editorial" and EDITORIAL_MARK not in quote:
            problems.append(f"{where}: an editorial row says why ('{EDITORIAL_MARK}…')")
        if kind in ("stated", "inferred"):
            said = quote.split(INFERRED_MARK)[0]
            for text in union.objects(source_iri, SCHEMA_TEXT):
                if " ".join(said.split()) not in " ".join(str(text).split()):
                    problems.append(f"{where}: the quote is not in the text of {source}: {said!r}")
    missing = sorted(statements - audited)
    problems += [f"no audit row for: {s.n3()} {p.n3()} {o.n3()}" for s, p, o in missing]
    assert problems == [], "\n".join(problems)


def test_the_audit_reader_reads_rows_as_triples(tmp_path: Path):
    """The checker itself: a missing row and a row for a triple not in the file are both caught."""
    data = tmp_path / "tiny.ttl"
    data.write_text(
        "@prefix ex: <https://example.org/> .\nex:a ex:p ex:b ; ex:q 5 .\n", encoding="utf-8"
    )
    graph = Graph().parse(data)
    head = prefixes(graph)
    row = Graph().parse(data=f"{head}ex:a ex:q 5 .", format="turtle")
    assert set(row) <= set(graph)
    wrong = Graph().parse(data=f"{head}ex:a ex:q 6 .", format="turtle")
    assert not set(wrong) <= set(graph)
    table_file = tmp_path / "tiny.md"
    table_file.write_text(
        "| subject | property | value | source | quote | kind |\n|---|---|---|---|---|---|\n"
        '| ex:a | ex:p | "x \\| y"@en | ex:s | q | stated |\n',
        encoding="utf-8",
    )
    assert table(table_file) == [(3, ["ex:a", "ex:p", '"x | y"@en', "ex:s", "q", "stated"])]


def test_a_quoted_sentence_is_credited_to_the_source_that_says_it(union: Graph):
    """The same sentence quoted for two sources at different addresses is a misattribution.

    Quotes of outside sources cannot be checked against a stored text, so a sentence copied from
    one source's row into another's (GISWatch's "first held on 16 May 2016" credited to the
    Belarusian Association of Journalists, who say 17 May) would pass every other check. Two texts
    of the same page (the seed and its earlier version share one address) may share a sentence.
    """
    url = URIRef("https://schema.org/url")
    credited: dict[str, dict[str, str]] = {}
    for file in DATA:
        path = audit_file(file)
        if not path.exists():
            continue
        head = Graph()
        head.parse(file)
        for number, (_s, _p, _v, source, quote, kind) in table(path):
            if kind not in ("stated", "inferred"):
                continue
            said = " ".join(quote.split(INFERRED_MARK)[0].split())
            source_iri = head.namespace_manager.expand_curie(source)
            address = str(next(union.objects(source_iri, url), source_iri))
            credited.setdefault(said, {}).setdefault(address, f"{path.name}:{number} ({source})")
    shared = {q: rows for q, rows in credited.items() if len(rows) > 1}
    assert shared == {}, "one sentence credited to sources at different addresses"


#: Properties whose values are facts about the world (who, when, how many, where): a row for one
#: of them rests on what a source says or on an inference from it, never on our own structure.
WORLD_FACTS = frozenset(
    {
        "dcterms:publisher",
        "dcterms:creator",
        "dcterms:issued",
        "ictkg:startDate",
        "ictkg:endDate",
        "ictkg:adoptionDate",
        "ictkg:deliveryDate",
        "schema:foundingDate",
        "ictkg:organizer",
        "ictkg:host",
        "ictkg:heldIn",
        "ictkg:member",
        "ictkg:memberOf",
        "ictkg:awardedTo",
        "ictkg:editionNumber",
        "ictkg:attendeeCount",
        "ictkg:approximateAttendeeCount",
        "ictkg:attendeeCountExceeds",
        "ictkg:countryCount",
        "rdf:object",
    }
)


def test_no_fact_about_the_world_is_marked_editorial():
    """'editorial' is for our structure (classes, names and notes we write), not for claims."""
    hidden = [
        f"{path.name}:{number}: {subject} {prop} {value}"
        for path in sorted(AUDIT_DIR.glob("*.md"))
        if path.name != "README.md"
        for number, (subject, prop, value, _source, _quote, kind) in table(path)
        if kind == "editorial" and prop in WORLD_FACTS
    ]
    assert hidden == [], "claims about the world marked editorial:\n" + "\n".join(hidden)
