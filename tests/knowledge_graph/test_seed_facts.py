"""A reader holding the seed can find every one of its facts: one SPARQL question per fact.

Rows are named ``p{paragraph}-{fact}`` after the paragraph of ``data/seed/`` they come from (the
same numbering as ``data/README.md``). Each query runs on the embedded store, the engine the
endpoint uses, and must answer yes.
"""

from __future__ import annotations

import pytest

FACTS: list[tuple[str, str]] = [
    # 1. How Belarus regards intergovernmental ICT cooperation, and its three aims.
    (
        "p1-cooperation-integral-to-development-processes",
        """
        ?p ictkg:positionOf state:belarus ; ictkg:aim ?a1 , ?a2 , ?a3 ; schema:description ?d .
        ?a1 rdfs:label "Promoting international development"@en .
        ?a2 rdfs:label "Equal access to ICT for developed and developing countries"@en .
        ?a3 rdfs:label "Transition to a multilateral Internet governance regime"@en ;
            schema:description ?d3 .
        FILTER (CONTAINS(?d3, "active and equal participation of states"))
    """,
    ),
    # 2. Programmes and frameworks Belarus takes part in.
    (
        "p2-itu-programmes",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn orgn:itu ; schema:description ?d .
        FILTER (CONTAINS(?d, "ICT development programmes"))
    """,
    ),
    (
        "p2-cstd-of-ecosoc-programmes",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn orgn:cstd .
        orgn:cstd ictkg:unitOf orgn:ecosoc . orgn:ecosoc ictkg:unitOf orgn:un .
    """,
    ),
    (
        "p2-wsis-process-programmes",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn process:wsis .
    """,
    ),
    (
        "p2-wsis-process-gives-advisory-and-technical-support",
        """
        process:wsis schema:description ?d .
        FILTER (CONTAINS(?d, "advisory and technical support"))
    """,
    ),
    # 3. WSIS: the President's statement at Geneva, the Geneva documents, the Tunis phase.
    (
        "p3-statement-by-the-president",
        """
        ?s a ictkg:Statement ; ictkg:deliveredBy person:aleksandr-lukashenko ;
           ictkg:inCapacityOf post:president-of-belarus ; ictkg:setsOutPositionOf state:belarus ;
           dcterms:language <http://id.loc.gov/vocabulary/iso639-1/ru> .
        post:president-of-belarus ictkg:postIn state:belarus ;
            ictkg:heldBy person:aleksandr-lukashenko .
        ?tenure ictkg:holder person:aleksandr-lukashenko ;
            ictkg:tenureOf post:president-of-belarus ;
            ictkg:heldAtTheTimeOf event:wsis-geneva-2003 .
        FILTER NOT EXISTS { ?tenure ictkg:startDate|ictkg:endDate ?unsourced }
    """,
    ),
    (
        "p3-statement-11-12-2003-geneva-switzerland",
        """
        ?s ictkg:deliveredBy person:aleksandr-lukashenko ; ictkg:deliveredAt ?phase .
        ?date a ictkg:Claim ; rdf:subject ?s ; rdf:predicate ictkg:deliveryDate ;
            rdf:object "2003-12-11"^^xsd:date ;
            dcterms:source source:mfa-information-technologies .
        ?phase ictkg:phaseOf event:wsis ; ictkg:heldIn place:geneva .
        place:geneva ictkg:locatedIn state:switzerland .
    """,
    ),
    (
        "p3-statement-sets-out-approaches-to-ict-for-development",
        """
        ?s ictkg:deliveredBy person:aleksandr-lukashenko ; schema:description ?d .
        FILTER (CONTAINS(?d, "use of ICT in the interests of development"))
    """,
    ),
    (
        "p3-geneva-adopted-declaration-and-plan",
        """
        doc:geneva-declaration-of-principles a ictkg:Declaration ;
            ictkg:adoptedAt event:wsis-geneva-2003 ;
            skos:altLabel "Declaration of Principles for Building Information society"@en .
        doc:geneva-plan-of-action a ictkg:PlanOfAction ; ictkg:adoptedAt event:wsis-geneva-2003 ;
            skos:altLabel "Action plan for building an information society"@en .
    """,
    ),
    (
        "p3-tunis-second-phase-16-18-november-2005",
        """
        event:wsis-tunis-2005 ictkg:phaseOf event:wsis ; ictkg:heldIn place:tunis ;
            ictkg:startDate "2005-11-16"^^xsd:date ; ictkg:endDate "2005-11-18"^^xsd:date .
    """,
    ),
    (
        "p3-belarus-vice-chair-at-tunis",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn event:wsis-tunis-2005 ;
           ictkg:role concept:vice-chair .
    """,
    ),
    (
        "p3-tunis-adopted-commitment-and-agenda",
        """
        doc:tunis-commitment ictkg:adoptedAt event:wsis-tunis-2005 ; ictkg:purpose ?p1 .
        doc:tunis-agenda ictkg:adoptedAt event:wsis-tunis-2005 ; ictkg:purpose ?p2 ;
            rdfs:label "Tunis Agenda for the Information Society"@en .
        FILTER (CONTAINS(?p1, "international cooperation") && CONTAINS(?p2, "high technologies"))
    """,
    ),
    # 4. The global review and resolution 70/125.
    (
        "p4-belarus-in-the-global-review",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn ?review .
        ?review a ictkg:Review ;
            ictkg:reviews event:wsis-geneva-2003 , event:wsis-tunis-2005 ;
            ictkg:partOfProcess process:wsis .
    """,
    ),
    (
        "p4-resolution-70-125-confirms-action-lines",
        """
        ?r a ictkg:Resolution ; ictkg:adoptedBy orgn:unga ;
           ictkg:confirmsRelevanceOf scheme:wsis-action-lines ;
           rdfs:label "UN General Assembly resolution 70/125"@en .
    """,
    ),
    # 5. The WSIS Forum and the WSIS Prizes.
    (
        "p5-belarus-at-the-annual-wsis-forum",
        """
        ?x ictkg:participant state:belarus ; ictkg:participatedIn series:wsis-forum .
        series:wsis-forum dcterms:accrualPeriodicity <http://purl.org/cld/freq/annual> ;
            ictkg:purpose ?p .
        FILTER (CONTAINS(?p, "all areas of the information society"))
    """,
    ),
    (
        "p5-wsis-prizes-since-2012-within-the-forum",
        """
        series:wsis-prizes a ictkg:Competition ; ictkg:heldWithin series:wsis-forum ;
            ictkg:startDate "2012"^^xsd:gYear ; ictkg:purpose ?p .
        FILTER (CONTAINS(?p, "sustainable development"))
    """,
    ),
    (
        "p5-greenmap-joint-project-of-ministry-and-undp",
        """
        project:greenmap-belarus rdfs:label "GreenMap Belarus"@en ;
            ictkg:partner orgn:belarus-ministry-of-natural-resources , orgn:undp .
        orgn:belarus-ministry-of-natural-resources rdfs:label
            "Ministry of Natural Resources and Environmental Protection"@en .
    """,
    ),
    (
        "p5-greenmap-won-2017-prize-e-environment",
        """
        ?award ictkg:awardedTo project:greenmap-belarus ; ictkg:awardYear "2017"^^xsd:gYear ;
            ictkg:category concept:e-environment ; ictkg:inCompetition ?edition .
        ?edition ictkg:editionOf series:wsis-prizes .
    """,
    ),
    # 6. The IGF.
    (
        "p6-igf-an-outcome-of-the-wsis-process",
        """
        series:igf ictkg:outcomeOf process:wsis ; ictkg:purpose ?p ;
            skos:altLabel "UN Internet Governance Forum"@en .
        FILTER (CONTAINS(?p, "multilateral platform"))
    """,
    ),
    (
        "p6-igf-attended-by-five-groups",
        """
        series:igf ictkg:attendance ?a .
        ?a ictkg:attendeeGroup concept:states , concept:international-organizations ,
            concept:ict-industry , concept:academic-circles ,
            concept:non-governmental-organizations .
    """,
    ),
    # 7. Belarus IGF.
    (
        "p7-belarus-igf-since-2016",
        """
        series:belarus-igf a ictkg:Forum ; ictkg:host state:belarus ;
            ictkg:nationalInitiativeOf series:igf ;
            ictkg:startDate "2016"^^xsd:gYear ; ictkg:purpose ?p .
        FILTER (CONTAINS(?p, "public-private partnership"))
        FILTER NOT EXISTS { series:belarus-igf ictkg:organizer state:belarus }
    """,
    ),
    # 8. The Connect CIS Summit: when, where, who.
    (
        "p8-november-2009-in-minsk",
        """
        event:connect-cis-summit-2009 ictkg:heldIn place:minsk ; ictkg:startDate ?start .
        FILTER (STRSTARTS(STR(?start), "2009-11"))
    """,
    ),
    (
        "p8-at-the-initiative-of-belarus-organized-with-itu",
        """
        event:connect-cis-summit-2009 ictkg:initiatedBy state:belarus ;
            ictkg:organizer state:belarus , orgn:itu .
    """,
    ),
    (
        "p8-more-than-400-representatives",
        """
        event:connect-cis-summit-2009 ictkg:attendance ?a .
        ?a ictkg:attendeeCountExceeds 400 ;
           ictkg:attendeeGroup concept:scientific-circles , concept:technical-circles ,
               concept:business-circles ;
           dcterms:source source:mfa-information-technologies .
    """,
    ),
    (
        "p8-high-level-segment-five-heads-of-state",
        """
        ?seg ictkg:segmentOf event:connect-cis-summit-2009 ; ictkg:attendance ?a .
        ?a ictkg:attendeeCount 5 ; ictkg:attendeeGroup concept:heads-of-state ;
           ictkg:attendeeRegion place:post-soviet-space .
    """,
    ),
    # 9. Purpose and significance.
    (
        "p9-purpose-capacity-of-cis-member-states",
        """
        event:connect-cis-summit-2009 ictkg:purpose ?p .
        FILTER (CONTAINS(?p, "capacity of CIS member states"))
    """,
    ),
    (
        "p9-symbol-of-international-recognition",
        """
        event:connect-cis-summit-2009 ictkg:significance ?s .
        FILTER (CONTAINS(?s, "international recognition"))
    """,
    ),
    # 10. Outcomes, Belarus' proposals and the declaration.
    (
        "p10-common-areas-and-mechanisms-identified",
        """
        event:connect-cis-summit-2009 ictkg:outcomeSummary ?o .
        FILTER (CONTAINS(?o, "mechanisms for their implementation"))
    """,
    ),
    (
        "p10-regional-information-systems-against-threats",
        """
        ?p ictkg:proposedBy state:belarus ; ictkg:proposedAt event:connect-cis-summit-2009 ;
           ictkg:proposalAct concept:put-forward ;
           ictkg:addressesThreat concept:cybercrime , concept:natural-disasters ,
               concept:man-made-disasters .
    """,
    ),
    (
        "p10-common-list-of-basic-electronic-services",
        """
        ?p ictkg:proposedBy state:belarus ; ictkg:proposedAt event:connect-cis-summit-2009 ;
           ictkg:proposalAct concept:advocated ;
           schema:description ?d .
        FILTER (CONTAINS(?d, "socially significant"))
    """,
    ),
    (
        "p10-interstate-monitoring-system",
        """
        ?p ictkg:proposedBy state:belarus ; ictkg:proposedAt event:connect-cis-summit-2009 ;
           ictkg:proposalAct concept:advocated ;
           rdfs:label ?l .
        FILTER (CONTAINS(?l, "interstate monitoring system"))
    """,
    ),
    (
        "p10-strategic-partnership-with-three-groups",
        """
        ?p ictkg:proposedBy state:belarus ; ictkg:proposedAt event:connect-cis-summit-2009 ;
           ictkg:proposalAct concept:advocated ;
           ictkg:involvesGroup concept:government-bodies , concept:business-circles ,
               concept:international-organizations .
    """,
    ),
    (
        "p10-declaration-towards-a-digital-future",
        """
        doc:towards-a-digital-future ictkg:adoptedAt event:connect-cis-summit-2009 ;
            ictkg:jointDeclarationOfStatesOf orgn:cis ; ictkg:supports process:wsis ;
            rdfs:label "Towards a digital future"@en .
        FILTER NOT EXISTS { doc:towards-a-digital-future ictkg:adoptedBy orgn:cis }
    """,
    ),
    # Outside facts, each with its own source; where a source disagrees with the seed, both values.
    (
        "out-connect-cis-some-350-participants-beside-the-seeds-more-than-400",
        """
        event:connect-cis-summit-2009 ictkg:attendance ?itu , ?seed .
        ?itu ictkg:approximateAttendeeCount 350 ; dcterms:source source:itu-news-connect-cis ;
            ictkg:disagreesWith ?seed .
        ?seed ictkg:attendeeCountExceeds 400 ; dcterms:source source:mfa-information-technologies .
    """,
    ),
    (
        "out-statement-12-december-2003-beside-the-seeds-11-12-2003",
        """
        ?earlier a ictkg:Claim ; rdf:subject doc:lukashenko-statement-wsis-2003 ;
            rdf:predicate ictkg:deliveryDate ; rdf:object "2003-12-12"^^xsd:date ;
            dcterms:source source:mfa-information-technologies-earlier-version ;
            ictkg:disagreesWith ?seed .
        ?seed rdf:object "2003-12-11"^^xsd:date .
        FILTER NOT EXISTS { doc:lukashenko-statement-wsis-2003 ictkg:deliveryDate ?preferred }
    """,
    ),
    (
        "out-belarus-member-of-itu-since-1947",
        """
        membership:belarus-itu a ictkg:Membership ; ictkg:member state:belarus ;
            ictkg:memberOf orgn:itu ; ictkg:startDate "1947"^^xsd:gYear ;
            dcterms:source source:mpt-cooperation-with-itu .
        source:mpt-cooperation-with-itu schema:url <https://mpt.gov.by/en/node/218> .
    """,
    ),
    (
        "out-eleven-wsis-action-lines-defined-by-the-plan-of-action",
        """
        scheme:wsis-action-lines ictkg:definedIn doc:geneva-plan-of-action .
        {
            SELECT (COUNT(DISTINCT ?line) AS ?n) WHERE {
                ?line skos:inScheme scheme:wsis-action-lines ; skos:notation ?code .
            }
        }
        FILTER (?n = 11)
        ?c1 skos:notation "C1" ; skos:prefLabel ?l .
        FILTER (CONTAINS(?l, "all stakeholders in the promotion of ICTs for development"))
    """,
    ),
    (
        "out-belarus-member-of-ecosoc-2018-2020",
        """
        ?m a ictkg:Membership ; ictkg:member state:belarus ; ictkg:memberOf orgn:ecosoc ;
            ictkg:startDate "2018"^^xsd:gYear ; ictkg:endDate "2020"^^xsd:gYear ;
            dcterms:source source:mfa-belarus-elected-to-ecosoc .
    """,
    ),
    (
        "out-itu-official-russian-names",
        """
        event:wsis rdfs:label
            "Всемирная встреча на высшем уровне по вопросам информационного общества"@ru .
        series:wsis-forum rdfs:label "Форум ВВУИО"@ru .
        scheme:wsis-action-lines skos:prefLabel "Направления деятельности ВВУИО"@ru .
        GRAPH ?g { event:wsis dcterms:source source:itu-press-release-2017-pr25 }
    """,
    ),
    (
        "out-un-and-itu-symbols-as-identifiers",
        """
        source:un-a-res-70-125 dcterms:identifier "A/RES/70/125" .
        source:itu-geneva-declaration-of-principles dcterms:identifier "WSIS-03/GENEVA/DOC/4-E" .
    """,
    ),
    # Provenance: the seed itself is a resource, and it backs the facts above.
    (
        "seed-is-a-source-with-its-text",
        """
        source:mfa-information-technologies a ictkg:SourceDocument ;
            schema:url <http://mfa.gov.by/en/organizations/issue/it/> ; schema:text ?t .
        event:connect-cis-summit-2009 dcterms:source source:mfa-information-technologies .
        FILTER (STRSTARTS(?t, "Information Technologies"))
    """,
    ),
]


@pytest.mark.parametrize(("where"), [w for _, w in FACTS], ids=[name for name, _ in FACTS])
def test_seed_fact_is_answered(graph, where: str):
    assert graph.ask(where)


def test_every_paragraph_is_asked_about():
    paragraphs = {name.split("-")[0] for name, _ in FACTS}
    assert paragraphs >= {f"p{n}" for n in range(1, 11)}
