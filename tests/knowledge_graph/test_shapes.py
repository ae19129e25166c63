"""The shapes catch exactly what they are for.

Each fixture in ``tests/shapes/`` is validated on top of ``base.ttl`` (a small valid world) with the
real ontology and shapes. Valid fixtures conform; each invalid fixture holds one defect, and the
table below writes down the one result it must produce: severity, focus node, path and constraint
component (and the shape that reports it). Anything more or less is a failure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import ROOT, TESTS

from server.validation.shacl import validate

HERE = TESTS / "shapes"
ID = "https://w3id.org/belarus-ict/id/"
ICTKG = "https://w3id.org/belarus-ict/ontology#"
SHAPES = "https://w3id.org/belarus-ict/shapes#"
SH = "http://www.w3.org/ns/shacl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))

# file: (severity, focus node, path, constraint component, shape)
EXPECTED: dict[str, tuple[str, str, str | None, str, str]] = {
    "01_missing_english_label": (
        "Violation",
        ID + "state/oceania",
        RDFS + "label",
        "QualifiedMinCountConstraintComponent",
        "EnglishLabelShape",
    ),
    "02_two_english_labels": (
        "Violation",
        ID + "state/utopia",
        RDFS + "label",
        "UniqueLangConstraintComponent",
        "LabelLanguagesShape",
    ),
    "03_iri_slug_not_lowercase": (
        "Violation",
        ID + "event/Big_Meeting",
        None,
        "PatternConstraintComponent",
        "DescribedResourceShape",
    ),
    "04_iri_of_wrong_kind": (
        "Violation",
        ID + "organization/oceania",
        None,
        "PatternConstraintComponent",
        "StateShape",
    ),
    "05_missing_source": (
        "Violation",
        ID + "person/thomas-more",
        None,
        "OrConstraintComponent",
        "SourceRequiredShape",
    ),
    "06_source_not_a_source_document": (
        "Violation",
        ID + "state/utopia",
        "http://purl.org/dc/terms/source",
        "ClassConstraintComponent",
        "ProvenanceShape",
    ),
    "07_event_ends_before_it_starts": (
        "Violation",
        ID + "event/backwards",
        ICTKG + "endDate",
        "SPARQLConstraintComponent",
        "EndsNoEarlierThanItStarts",
    ),
    "08_phase_outside_its_summit": (
        "Violation",
        ID + "event/summit-phase-two",
        ICTKG + "endDate",
        "SPARQLConstraintComponent",
        "PhaseLiesWithinItsSummit",
    ),
    "09_adopted_before_the_event_opens": (
        "Violation",
        ID + "document/early",
        ICTKG + "adoptionDate",
        "SPARQLConstraintComponent",
        "AdoptedNoEarlierThanTheEventOpens",
    ),
    "10_untyped_date": (
        "Violation",
        ID + "event/loose",
        ICTKG + "startDate",
        "OrConstraintComponent",
        "StartDateShape",
    ),
    "11_link_to_undescribed_place": (
        "Violation",
        ID + "event/summit",
        ICTKG + "heldIn",
        "ClassConstraintComponent",
        "EventShape",
    ),
    "12_participation_without_role": (
        "Violation",
        ID + "participation/atlantis-phase-one",
        ICTKG + "role",
        "MinCountConstraintComponent",
        "ParticipationShape",
    ),
    "13_award_year_differs_from_edition": (
        "Violation",
        ID + "award/map-2017",
        ICTKG + "awardYear",
        "SPARQLConstraintComponent",
        "AwardYearIsTheEditionYear",
    ),
    "14_attendee_count_not_an_integer": (
        "Violation",
        ID + "attendance/summit",
        ICTKG + "attendeeCount",
        "DatatypeConstraintComponent",
        "AttendanceShape",
    ),
    "15_statement_outside_its_event": (
        "Violation",
        ID + "document/late-speech",
        ICTKG + "deliveryDate",
        "SPARQLConstraintComponent",
        "DeliveredDuringTheEvent",
    ),
    "16_speaker_does_not_hold_the_office": (
        "Violation",
        ID + "document/speech",
        ICTKG + "inCapacityOf",
        "SPARQLConstraintComponent",
        "SpeakerHoldsTheOffice",
    ),
    "17_same_as_outside_wikidata": (
        "Violation",
        ID + "state/utopia",
        "http://www.w3.org/2002/07/owl#sameAs",
        "PatternConstraintComponent",
        "SameAsShape",
    ),
    "18_edition_before_its_series": (
        "Violation",
        ID + "event/forum-2010",
        ICTKG + "startDate",
        "SPARQLConstraintComponent",
        "EditionNoEarlierThanItsSeries",
    ),
    "19_more_states_than_attendees": (
        "Violation",
        ID + "attendance/summit",
        ICTKG + "attendeeFrom",
        "SPARQLConstraintComponent",
        "StatesNoMoreThanCount",
    ),
    "20_concept_outside_any_scheme": (
        "Violation",
        ID + "concept/guest",
        "http://www.w3.org/2004/02/skos/core#inScheme",
        "MinCountConstraintComponent",
        "ConceptShape",
    ),
    "21_main_entity_without_russian_label": (
        "Violation",
        ID + "state/oceania",
        RDFS + "label",
        "QualifiedMinCountConstraintComponent",
        "RussianLabelShape",
    ),
    "27_ontology_property_without_domain": (
        "Violation",
        ICTKG + "sponsor",
        f"(<{RDFS}domain>|<https://schema.org/domainIncludes>)",
        "MinCountConstraintComponent",
        "PropertyDomainRangeShape",
    ),
    "24_source_without_url": (
        "Violation",
        ID + "source/no-address",
        "https://schema.org/url",
        "MinCountConstraintComponent",
        "SourceDocumentShape",
    ),
    "25_main_entity_without_belarusian_label": (
        "Violation",
        ID + "state/oceania",
        RDFS + "label",
        "QualifiedMinCountConstraintComponent",
        "BelarusianLabelShape",
    ),
    "26_partial_date_where_a_full_date_is_needed": (
        "Violation",
        ID + "document/declaration",
        ICTKG + "adoptionDate",
        "DatatypeConstraintComponent",
        "DocumentShape",
    ),
    "22_ontology_term_with_two_english_definitions": (
        "Violation",
        ICTKG + "Venue",
        RDFS + "comment",
        "QualifiedMaxCountConstraintComponent",
        "TermDocumentationShape",
    ),
    "23_ontology_class_not_aligned": (
        "Violation",
        ICTKG + "Hall",
        f"(<{RDFS}subClassOf>)+",
        "QualifiedMinCountConstraintComponent",
        "ClassAlignmentShape",
    ),
}


def run_fixture(fixture: Path, tmp_path: Path):
    """Validate base + fixture with the real ontology and shapes; ontology fixtures extend (a
    copy of) the ontology, the others the data. The real ontology is read where it is, as every
    other run reads it (the validator parses a vocabulary file once per process)."""
    ontology, data = ROOT / "ontology", tmp_path / "data"
    if "_ontology_" in fixture.name:
        ontology = tmp_path / "ontology"
        shutil.copytree(ROOT / "ontology", ontology)
        shutil.copy(fixture, ontology)
    data.mkdir()
    shutil.copy(HERE / "base.ttl", data)
    if "_ontology_" not in fixture.name:
        shutil.copy(fixture, data)
    return validate(ontology, data, ROOT / "shapes")


def test_fixture_lists_are_complete():
    assert VALID, "no valid shape fixtures found"
    assert INVALID, "no invalid shape fixtures found"
    assert {f.stem for f in INVALID} == set(EXPECTED), "every invalid fixture has one expected row"


@pytest.mark.parametrize("fixture", VALID, ids=[f.stem for f in VALID])
def test_valid_fixture_conforms(fixture: Path, tmp_path: Path):
    report = run_fixture(fixture, tmp_path)
    assert not report.errors, report.render()
    assert report.results == [], report.render()


@pytest.mark.parametrize("fixture", INVALID, ids=[f.stem for f in INVALID])
def test_invalid_fixture_fails_exactly_as_written(fixture: Path, tmp_path: Path):
    report = run_fixture(fixture, tmp_path)
    assert not report.errors, report.render()
    got = [
        (
            f.severity,
            f.focus_node,
            f.path,
            f.constraint.removeprefix(SH) if f.constraint else None,
            f.source_shape.removeprefix(SHAPES) if f.source_shape else None,
        )
        for f in report.results
    ]
    assert got == [EXPECTED[fixture.stem]], report.render()
