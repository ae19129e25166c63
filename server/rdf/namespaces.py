"""Every vocabulary's namespace, once; and ours as a checked namespace.

rdflib defines the W3C vocabularies (``rdflib.namespace``); the few it lacks are defined here and
imported from here, never written again in another module.

``ICTKG.Event`` is a term of the ontology; ``ICTKG.Evnt`` raises ``AttributeError`` instead of
minting a new IRI (``_fail = True``), so code cannot drift from the ontology silently.
``tests/test_namespace.py`` checks that the terms listed here are exactly those the ontology
declares, and prints the list to paste here when they differ.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from server.config import ONTOLOGY_NS

#: schema.org, by its canonical https namespace (rdflib's ``SDO``).
SCHEMA = Namespace("https://schema.org/")
#: Hydra (paging of lists and of incoming links).
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
#: SPARQL 1.1 Service Description.
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
#: SPDX (checksums of the dumps).
SPDX = Namespace("http://spdx.org/rdf/terms#")


def namespace_of(iri: str) -> str:
    """The namespace of a term: its IRI up to the last ``#`` or ``/`` (VoID's vocabularies)."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


class ICTKG(DefinedNamespace):
    """Terms of the Belarus ICT Cooperation ontology (``ontology/ictkg.ttl``)."""

    _NS = Namespace(ONTOLOGY_NS)
    _fail = True

    # Classes
    Agenda: URIRef
    Aim: URIRef
    Attendance: URIRef
    Award: URIRef
    City: URIRef
    Claim: URIRef
    Competition: URIRef
    Declaration: URIRef
    Document: URIRef
    Edition: URIRef
    Event: URIRef
    EventSegment: URIRef
    EventSeries: URIRef
    Forum: URIRef
    GovernmentBody: URIRef
    IntergovernmentalOrganization: URIRef
    Membership: URIRef
    Organization: URIRef
    OrganizationalUnit: URIRef
    Participation: URIRef
    Person: URIRef
    Place: URIRef
    PlanOfAction: URIRef
    PolicyPosition: URIRef
    Post: URIRef
    Process: URIRef
    Project: URIRef
    Proposal: URIRef
    Region: URIRef
    Resolution: URIRef
    Review: URIRef
    SourceDocument: URIRef
    State: URIRef
    Statement: URIRef
    Summit: URIRef
    SummitPhase: URIRef
    Tenure: URIRef
    Venue: URIRef

    # Properties
    accessDate: URIRef
    addressesThreat: URIRef
    adoptedAt: URIRef
    adoptedBy: URIRef
    adoptionDate: URIRef
    aim: URIRef
    approximateAttendeeCount: URIRef
    attendance: URIRef
    attendeeCount: URIRef
    attendeeCountExceeds: URIRef
    attendeeFrom: URIRef
    attendeeGroup: URIRef
    attendeeRegion: URIRef
    awardYear: URIRef
    awardedTo: URIRef
    category: URIRef
    confirmsRelevanceOf: URIRef
    countryCount: URIRef
    definedIn: URIRef
    deliveredAt: URIRef
    deliveredBy: URIRef
    deliveryDate: URIRef
    disagreesWith: URIRef
    documentSymbol: URIRef
    editionNumber: URIRef
    editionOf: URIRef
    endDate: URIRef
    heldAtTheTimeOf: URIRef
    heldBy: URIRef
    heldIn: URIRef
    heldWithin: URIRef
    holder: URIRef
    host: URIRef
    inCapacityOf: URIRef
    inCompetition: URIRef
    initiatedBy: URIRef
    involvesGroup: URIRef
    jointDeclarationOfStatesOf: URIRef
    locatedIn: URIRef
    member: URIRef
    memberOf: URIRef
    nationalInitiativeOf: URIRef
    organizer: URIRef
    outcomeOf: URIRef
    outcomeSummary: URIRef
    partOfProcess: URIRef
    participant: URIRef
    participatedIn: URIRef
    partner: URIRef
    phaseOf: URIRef
    positionOf: URIRef
    postIn: URIRef
    proposalAct: URIRef
    proposedAt: URIRef
    proposedBy: URIRef
    purpose: URIRef
    reviews: URIRef
    role: URIRef
    segmentOf: URIRef
    setsOutPositionOf: URIRef
    significance: URIRef
    startDate: URIRef
    supports: URIRef
    tenureOf: URIRef
    unitOf: URIRef
