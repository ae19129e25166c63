# ruff: noqa: RUF001 - Russian and Belarusian labels are data, not look-alike Latin letters
"""Deterministic synthetic data shaped by our ontology, at any size, conforming to our shapes.

The benchmark needs the same data for every peer and every run, from 1e3 to 1e7 triples, that
looks like ours to the engines: the same IRI patterns (``{BASE_IRI}id/{kind}/{slug}``), the same
classes and properties, n-ary relations (participations with a role, awards in a competition
edition, proposals, attendance), typed dates, labels in English, Russian and Belarusian, and a
``dcterms:source`` on every resource. Real data this large does not exist, and random triples
would not exercise joins, labels or dereferencing the way ours are used.

Data is made of *units*: one unit is a state with its capital, a ministry, a minister and the
office held, a summit with two phases, its attendance and a declaration adopted at it, a
statement delivered there, an edition of a competition series with a project and its award, a
participation and a proposal, about 120 triples. Unit ``i`` is drawn from its own random
generator seeded with ``i``, and its links go only to units ``<= i``: a smaller scale is exactly
a prefix of a larger one, so a query or a resource chosen at 1e3 exists at every scale. Units
are added until the target number of triples is reached.

Files are N-Triples (fast to write and to parse, and a subset of Turtle, so ``ictkg validate``
and the store read them as they are), at most :data:`TRIPLES_PER_FILE` per file, each file one
named graph in the server.

    .venv/bin/python -m bench.generate 1e5 bench/results/data-1e5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from server.config import BASE_IRI, ONTOLOGY_NS

TRIPLES_PER_FILE = 250_000

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ICTKG = ONTOLOGY_NS

#: Syllables of made-up names, in Latin and Cyrillic script (the same sounds).
SYLLABLES = (
    ("va", "ва"),
    ("lo", "ло"),
    ("ri", "ри"),
    ("ka", "ка"),
    ("mi", "ми"),
    ("nor", "нор"),
    ("tel", "тел"),
    ("zan", "зан"),
    ("dor", "дор"),
    ("sun", "сун"),
    ("gra", "гра"),
    ("bel", "бел"),
    ("os", "ос"),
    ("ta", "та"),
    ("ven", "вен"),
    ("lu", "лу"),
)

#: Topics of summits and documents: English, Russian (after "по") and a slug.
TOPICS = (
    ("Digital Cooperation", "цифровому сотрудничеству", "digital-cooperation"),
    ("the Information Society", "информационному обществу", "information-society"),
    ("Broadband", "широкополосному доступу", "broadband"),
    ("Cybersecurity", "кибербезопасности", "cybersecurity"),
    ("E-Government", "электронному правительству", "e-government"),
    ("Open Data", "открытым данным", "open-data"),
    ("Artificial Intelligence", "искусственному интеллекту", "artificial-intelligence"),
    ("Connectivity", "связности", "connectivity"),
)

#: Concept schemes and their concepts: slug, English, Russian.
SCHEMES = {
    "bench-participation-roles": (
        ("Participation roles", "Роли участия"),
        (
            ("bench-participant", "participant", "участник"),
            ("bench-chair", "Chair", "председатель"),
            ("bench-vice-chair", "Vice-Chair", "заместитель председателя"),
            ("bench-observer", "observer", "наблюдатель"),
        ),
    ),
    "bench-prize-categories": (
        ("Prize categories", "Категории премий"),
        (
            ("bench-e-environment", "e-environment", "электронная экология"),
            ("bench-e-health", "e-health", "электронное здравоохранение"),
            ("bench-e-learning", "e-learning", "электронное обучение"),
            ("bench-e-business", "e-business", "электронная коммерция"),
        ),
    ),
    "bench-attendee-groups": (
        ("Attendee groups", "Группы участников"),
        (
            ("bench-heads-of-state", "heads of state", "главы государств"),
            ("bench-ministers", "ministers", "министры"),
            ("bench-civil-society", "civil society", "гражданское общество"),
        ),
    ),
    "bench-threats": (
        ("Threats", "Угрозы"),
        (
            ("bench-cybercrime", "cybercrime", "киберпреступность"),
            ("bench-digital-divide", "digital divide", "цифровой разрыв"),
        ),
    ),
}

SOURCE = f"{BASE_IRI}id/source/synthetic-benchmark-data"


def thing(kind: str, slug: str) -> str:
    return f"{BASE_IRI}id/{kind}/{slug}"


def concept(slug: str) -> str:
    return thing("concept", slug)


def escape(text: str) -> str:
    """An N-Triples string body (RDF 1.1 N-Triples section 2.4, ECHAR)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


@dataclass
class Stats:
    """What was written: a manifest the harness reads to pick queries and resources."""

    target: int
    #: A hash of this module's source: data made by an older generator is made again.
    generator: str = ""
    triples: int = 0
    units: int = 0
    files: list[str] = field(default_factory=list)
    #: A sample of resource IRIs to dereference, spread over the units, by kind.
    resources: list[str] = field(default_factory=list)


class Writer:
    """N-Triples into numbered files of at most :data:`TRIPLES_PER_FILE` triples each."""

    def __init__(self, directory: Path, stats: Stats) -> None:
        self.directory = directory
        self.stats = stats
        self._file: TextIO | None = None
        self._in_file = 0

    def _line(self, line: str) -> None:
        if self._file is None or self._in_file >= TRIPLES_PER_FILE:
            self.close()
            name = f"part-{len(self.stats.files):04d}.nt"
            self._file = (self.directory / name).open("w", encoding="utf-8")
            self.stats.files.append(name)
            self._in_file = 0
        self._file.write(line)
        self._in_file += 1
        self.stats.triples += 1

    def iri(self, s: str, p: str, o: str) -> None:
        self._line(f"<{s}> <{p}> <{o}> .\n")

    def text(self, s: str, p: str, value: str, lang: str) -> None:
        self._line(f'<{s}> <{p}> "{escape(value)}"@{lang} .\n')

    def typed(self, s: str, p: str, value: str, datatype: str) -> None:
        if datatype == XSD + "string":
            self._line(f'<{s}> <{p}> "{escape(value)}" .\n')
        else:
            self._line(f'<{s}> <{p}> "{escape(value)}"^^<{datatype}> .\n')

    def resource(self, iri: str, cls: str, en: str, ru: str | None = None, be: str | None = None):
        """Type, labels in the three languages the shapes ask for, and provenance.

        Made-up names have no translation: a resource without its own Russian name is labelled
        with the English one, and without a Belarusian one with the Russian one.
        """
        self.iri(iri, RDF_TYPE, cls)
        ru = ru or en
        be = be or ru
        self.text(iri, RDFS_LABEL, en, "en")
        self.text(iri, RDFS_LABEL, ru, "ru")
        self.text(iri, RDFS_LABEL, be, "be")
        if iri != SOURCE:
            self.iri(iri, DCT + "source", SOURCE)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def name(rng: random.Random, syllables: int) -> tuple[str, str]:
    """A made-up proper name in Latin and Cyrillic script."""
    parts = [rng.choice(SYLLABLES) for _ in range(syllables)]
    latin = "".join(p[0] for p in parts)
    cyrillic = "".join(p[1] for p in parts)
    return latin.capitalize(), cyrillic.capitalize()


def write_vocabulary(w: Writer) -> None:
    """The source every resource cites, the concept schemes and the processes and series."""
    w.resource(SOURCE, ICTKG + "SourceDocument", "Synthetic benchmark data")
    w.text(
        SOURCE,
        SCHEMA + "description",
        "Made-up data generated by bench/generate.py to measure the server; no fact in it is true.",
        "en",
    )
    # What the shapes ask of every source: where it is, who published it, its language, when read.
    w.iri(SOURCE, SCHEMA + "url", "https://w3id.org/belarus-ict/bench/generate.py")
    w.typed(SOURCE, DCT + "publisher", "Belarus ICT Cooperation Knowledge Graph", XSD + "string")
    w.iri(SOURCE, DCT + "language", "http://id.loc.gov/vocabulary/iso639-1/en")
    w.typed(SOURCE, ICTKG + "accessDate", "2026-01-01", XSD + "date")
    for scheme_slug, ((en, ru), concepts) in SCHEMES.items():
        scheme = thing("scheme", scheme_slug)
        w.resource(scheme, SKOS + "ConceptScheme", en, ru)
        for slug, c_en, c_ru in concepts:
            iri = concept(slug)
            w.resource(iri, SKOS + "Concept", c_en, c_ru)
            w.text(iri, SKOS + "prefLabel", c_en, "en")
            w.text(iri, SKOS + "prefLabel", c_ru, "ru")
            w.iri(iri, SKOS + "inScheme", scheme)
            w.iri(scheme, SKOS + "hasTopConcept", iri)
    w.resource(
        thing("process", "bench-digital-summits"),
        ICTKG + "Process",
        "Digital summits process",
        "Процесс цифровых саммитов",
    )


def series_of(i: int) -> tuple[str, int]:
    """The competition series unit ``i`` holds an edition of (one per 20 units), its first year."""
    number = i // 20
    return thing("series", f"bench-prizes-{number}"), 1990 + number % 10


def write_series(w: Writer, i: int) -> None:
    series, first = series_of(i)
    number = i // 20
    w.resource(
        series,
        ICTKG + "Competition",
        f"Digital Prizes {number}",
        f"Цифровые премии {number}",
    )
    w.typed(series, ICTKG + "startDate", str(first), XSD + "gYear")
    w.iri(series, DCT + "accrualPeriodicity", "http://purl.org/cld/freq/annual")
    w.iri(series, ICTKG + "heldWithin", thing("process", "bench-digital-summits"))


def write_unit(w: Writer, i: int) -> list[str]:
    """One unit (see the module docstring); returns the resources worth dereferencing."""
    rng = random.Random(i)  # noqa: S311 - reproducible data, not secrets
    n = str(i)
    state_en, state_ru = name(rng, 2)
    city_en, city_ru = name(rng, 3)
    topic_en, topic_ru, topic_slug = rng.choice(TOPICS)
    year = rng.randint(1995, 2025)
    month, day = rng.randint(1, 12), rng.randint(1, 20)

    def date(offset: int) -> str:
        return f"{year:04d}-{month:02d}-{day + offset:02d}"

    state = thing("state", f"{state_en.lower()}-{n}")
    be = f"Рэспубліка {state_ru}"
    w.resource(state, ICTKG + "State", f"Republic of {state_en}", state_ru, be)

    city = thing("place", f"{city_en.lower()}-{n}")
    w.resource(city, ICTKG + "City", city_en, city_ru, city_ru)
    w.iri(city, ICTKG + "locatedIn", state)

    ministry = thing("organization", f"ministry-of-communications-{state_en.lower()}-{n}")
    w.resource(
        ministry,
        ICTKG + "Organization",
        f"Ministry of Communications of {state_en}",
        f"Министерство связи {state_ru}",
    )
    w.text(ministry, SKOS + "altLabel", f"MinCom {state_en}", "en")

    person_en, person_ru = name(rng, 2)
    family_en, family_ru = name(rng, 3)
    person = thing("person", f"{person_en.lower()}-{family_en.lower()}-{n}")
    w.resource(person, ICTKG + "Person", f"{person_en} {family_en}", f"{person_ru} {family_ru}")

    post = thing("post", f"minister-of-communications-{state_en.lower()}-{n}")
    w.resource(
        post,
        ICTKG + "Post",
        f"Minister of Communications of {state_en}",
        f"Министр связи {state_ru}",
    )
    w.iri(post, ICTKG + "postIn", state)
    w.iri(post, ICTKG + "heldBy", person)

    summit = thing("event", f"{city_en.lower()}-summit-{year}-{n}")
    w.resource(
        summit,
        ICTKG + "Summit",
        f"{city_en} Summit on {topic_en} {year}",
        f"Саммит по {topic_ru} ({city_ru}, {year})",
    )
    w.typed(summit, ICTKG + "startDate", date(0), XSD + "date")
    w.typed(summit, ICTKG + "endDate", date(4), XSD + "date")
    w.iri(summit, ICTKG + "heldIn", city)
    w.iri(summit, ICTKG + "organizer", ministry)
    w.iri(summit, ICTKG + "partOfProcess", thing("process", "bench-digital-summits"))
    w.text(summit, ICTKG + "purpose", f"Cooperation on {topic_en.lower()}.", "en")

    phases = []
    for number, (first, last) in enumerate(((0, 1), (2, 4)), start=1):
        phase = thing("event", f"{city_en.lower()}-summit-{year}-{n}-phase-{number}")
        w.resource(
            phase,
            ICTKG + "SummitPhase",
            f"{city_en} Summit {year}, phase {number}",
            f"Саммит в {city_ru} {year}, этап {number}",
        )
        w.iri(phase, ICTKG + "phaseOf", summit)
        w.typed(phase, ICTKG + "startDate", date(first), XSD + "date")
        w.typed(phase, ICTKG + "endDate", date(last), XSD + "date")
        w.iri(phase, ICTKG + "heldIn", city)
        phases.append(phase)

    attendance = thing("attendance", f"{city_en.lower()}-summit-{year}-{n}")
    w.resource(attendance, ICTKG + "Attendance", f"Attendance of the {city_en} Summit {year}")
    w.iri(summit, ICTKG + "attendance", attendance)
    group = rng.choice(SCHEMES["bench-attendee-groups"][1])[0]
    w.iri(attendance, ICTKG + "attendeeGroup", concept(group))
    w.typed(attendance, ICTKG + "attendeeCount", str(rng.randint(50, 5000)), XSD + "integer")
    w.iri(attendance, ICTKG + "attendeeFrom", state)

    declaration = thing("document", f"{city_en.lower()}-declaration-{topic_slug}-{n}")
    w.resource(
        declaration,
        ICTKG + "Declaration",
        f"{city_en} Declaration on {topic_en}",
        f"Декларация {city_ru} по {topic_ru}",
    )
    w.text(declaration, DCT + "title", f"{city_en} Declaration on {topic_en}", "en")
    w.text(declaration, DCT + "title", f"Декларация {city_ru} по {topic_ru}", "ru")
    w.typed(declaration, ICTKG + "documentSymbol", f"DS/DEC/{year}/{n}", XSD + "string")
    w.iri(declaration, ICTKG + "adoptedAt", phases[1])
    w.iri(declaration, ICTKG + "adoptedBy", state)
    w.typed(declaration, ICTKG + "adoptionDate", date(3), XSD + "date")
    w.iri(declaration, ICTKG + "outcomeOf", summit)
    w.iri(declaration, DCT + "language", "http://id.loc.gov/vocabulary/iso639-1/en")

    statement = thing("document", f"statement-{person_en.lower()}-{family_en.lower()}-{n}")
    w.resource(statement, ICTKG + "Statement", f"Statement of {person_en} {family_en}")
    w.iri(statement, ICTKG + "deliveredBy", person)
    w.iri(statement, ICTKG + "inCapacityOf", post)
    w.iri(statement, ICTKG + "deliveredAt", phases[0])
    w.typed(statement, ICTKG + "deliveryDate", date(1), XSD + "date")
    w.iri(statement, ICTKG + "setsOutPositionOf", state)

    if i % 20 == 0:
        write_series(w, i)
    series, first = series_of(i)
    edition_year = rng.randint(first, 2025)
    edition = thing("event", f"bench-prizes-{i // 20}-{edition_year}-{n}")
    w.resource(
        edition,
        ICTKG + "Edition",
        f"Digital Prizes {i // 20}, {edition_year} edition",
        f"Цифровые премии {i // 20}, {edition_year}",
    )
    w.iri(edition, ICTKG + "editionOf", series)
    w.typed(edition, ICTKG + "startDate", str(edition_year), XSD + "gYear")
    w.iri(edition, ICTKG + "heldIn", city)

    partner = rng.randint(0, i)
    project = thing("project", f"{city_en.lower()}-{topic_slug}-project-{n}")
    w.resource(project, ICTKG + "Project", f"{city_en} {topic_en} project")
    w.text(project, SCHEMA + "description", f"A project on {topic_en.lower()}.", "en")
    w.iri(project, ICTKG + "partner", ministry)
    if partner != i:
        w.iri(project, ICTKG + "partner", unit_ministry(partner))

    award = thing("award", f"bench-prizes-{edition_year}-{city_en.lower()}-{n}")
    w.resource(
        award,
        ICTKG + "Award",
        f"Digital Prize {edition_year} to the {city_en} {topic_en} project",
        f"Цифровая премия {edition_year} проекту {city_ru}",
    )
    w.iri(award, ICTKG + "awardedTo", project)
    w.iri(award, ICTKG + "inCompetition", edition)
    category = rng.choice(SCHEMES["bench-prize-categories"][1])[0]
    w.iri(award, ICTKG + "category", concept(category))
    w.typed(award, ICTKG + "awardYear", str(edition_year), XSD + "gYear")

    guest = rng.randint(0, i)
    participation = thing("participation", f"state-{guest}-at-{city_en.lower()}-summit-{n}")
    w.resource(participation, ICTKG + "Participation", f"State {guest} at the {city_en} Summit")
    w.iri(participation, ICTKG + "participant", unit_state(guest))
    w.iri(participation, ICTKG + "participatedIn", summit)
    role = rng.choice(SCHEMES["bench-participation-roles"][1])[0]
    w.iri(participation, ICTKG + "role", concept(role))

    proposal = thing("proposal", f"{topic_slug}-proposal-{n}")
    proposal_ru = f"Предложение по {topic_ru}"
    w.resource(proposal, ICTKG + "Proposal", f"Proposal on {topic_en}", proposal_ru)
    w.iri(proposal, ICTKG + "proposedBy", unit_state(guest))
    w.iri(proposal, ICTKG + "proposedAt", summit)
    w.text(proposal, SCHEMA + "description", f"To cooperate on {topic_en.lower()}.", "en")
    threat = rng.choice(SCHEMES["bench-threats"][1])[0]
    w.iri(proposal, ICTKG + "addressesThreat", concept(threat))
    return [state, summit, declaration, person, award]


def _unit_names(i: int) -> tuple[str, str]:
    rng = random.Random(i)  # noqa: S311 - reproducible data, not secrets
    state_en, _ = name(rng, 2)
    return state_en.lower(), str(i)


def unit_state(i: int) -> str:
    """The state of unit ``i`` (drawn again from the unit's seed: no table kept in memory)."""
    slug, n = _unit_names(i)
    return thing("state", f"{slug}-{n}")


def unit_ministry(i: int) -> str:
    slug, n = _unit_names(i)
    return thing("organization", f"ministry-of-communications-{slug}-{n}")


def generate(target: int, directory: Path, sample: int = 200) -> Stats:
    """Write about ``target`` triples (whole units) into ``directory`` and a ``manifest.json``.

    ``sample`` resources to dereference are chosen evenly over the units.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("part-*.nt"):
        old.unlink()
    stats = Stats(target=target, generator=fingerprint())
    writer = Writer(directory, stats)
    resources: list[list[str]] = []
    try:
        write_vocabulary(writer)
        while stats.triples < target:
            resources.append(write_unit(writer, stats.units))
            stats.units += 1
    finally:
        writer.close()
    step = max(1, len(resources) * 5 // sample)
    flat = [iri for unit in resources for iri in unit]
    stats.resources = flat[::step][:sample]
    (directory / "manifest.json").write_text(json.dumps(asdict(stats), indent=1))
    return stats


def fingerprint() -> str:
    """What identifies the generator's output besides the target: its own source code."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def parse_scale(text: str) -> int:
    """``1e5`` or ``100000`` → 100000."""
    return int(float(text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("triples", type=parse_scale, help="how many triples, e.g. 1e5")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    stats = generate(args.triples, args.directory)
    print(f"{stats.triples} triples, {stats.units} units, {len(stats.files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
