"""A reader holding the outside sources can find each of their facts: one SPARQL question per fact.

Rows are named ``{file}-{fact}`` after the file of ``data/external/`` that holds the fact (one file
per source, see ``data/README.md``). Each question also asks that the fact's resource cites that
file's source, so a fact cannot pass on the strength of another source. Conflicting values are
asked as sourced values (``ictkg:Claim`` with their own source, against another source's), and
the tests check that neither is asserted. Each query runs on the embedded store, the engine the
endpoint uses.
"""

from __future__ import annotations

import pytest


def reported(subject: str, predicate: str, value: str, source: str) -> str:
    """A value one source reports (an ictkg:Claim citing it), against another source's value."""
    return f"""
        ?claim a ictkg:Claim ; rdf:subject {subject} ; rdf:predicate {predicate} ;
            rdf:object {value} ; dcterms:source {source} ; ictkg:disagreesWith ?other .
        ?other a ictkg:Claim ; rdf:subject ?s ; rdf:predicate {predicate} ;
            dcterms:source ?elsewhere .
        FILTER (?elsewhere != {source})
    """


FACTS: list[tuple[str, str]] = [
    # Belarus IGF 2016, as the Belarusian Association of Journalists reports it.
    (
        "baj-first-forum-in-minsk-by-hoster-by-and-the-oac",
        """
        event:belarus-igf-2016 ictkg:heldIn place:minsk ;
            ictkg:organizer orgn:hoster-by , orgn:operative-analytical-center ;
            dcterms:source source:baj-belarus-igf .
    """,
    ),
    (
        "baj-attendees-from-seven-states",
        """
        event:belarus-igf-2016 ictkg:attendance ?a .
        ?a ictkg:attendeeFrom state:belarus , state:russia , state:estonia , state:ukraine ,
            state:georgia , state:moldova , state:united-states ;
            schema:description ?d ; dcterms:source source:baj-belarus-igf .
        FILTER (CONTAINS(?d, "300"))
    """,
    ),
    (
        "baj-day-17-may-reported",
        reported(
            "event:belarus-igf-2016",
            "ictkg:startDate",
            '"2016-05-17"^^xsd:date',
            "source:baj-belarus-igf",
        ),
    ),
    # ... and as GISWatch reports it.
    (
        "giswatch-day-16-may-reported",
        reported(
            "event:belarus-igf-2016",
            "ictkg:startDate",
            '"2016-05-16"^^xsd:date',
            "source:giswatch-belarus-igf",
        ),
    ),
    (
        "giswatch-first-edition-modelled-on-the-igf",
        """
        event:belarus-igf-2016 ictkg:editionNumber 1 ; dcterms:source source:giswatch-belarus-igf .
    """,
    ),
    (
        "giswatch-second-forum-results-on-open-data",
        """
        event:belarus-igf-2017 ictkg:outcomeSummary ?o ;
            dcterms:source source:giswatch-belarus-igf .
        FILTER (CONTAINS(?o, "open data"))
    """,
    ),
    # Belarus IGF 2017.
    (
        "igf-by-2017-on-16-may-in-minsk-on-open-data",
        """
        event:belarus-igf-2017 ictkg:editionOf series:belarus-igf ;
            ictkg:startDate "2017-05-16"^^xsd:date ; ictkg:heldIn place:minsk ;
            schema:keywords ?k ; dcterms:source source:igf-by-belarus-igf-2017-open-data .
        FILTER (CONTAINS(?k, "open data"))
    """,
    ),
    (
        "cctld-2017-the-second-forum-and-its-plenary",
        """
        event:belarus-igf-2017 ictkg:editionNumber 2 ;
            schema:keywords "Internet Governance: Trends and Reality"@en ;
            dcterms:source source:cctld-belarus-igf-2017 .
        ?a ictkg:attendeeGroup concept:international-organizations .
        event:belarus-igf-2017 ictkg:attendance ?a .
    """,
    ),
    # Belarus IGF 2018 and the 2017 attendance.
    (
        "igf-by-2018-third-forum-announced-for-3-october",
        """
        event:belarus-igf-2018 ictkg:editionOf series:belarus-igf ; ictkg:editionNumber 3 ;
            ictkg:startDate "2018-10-03"^^xsd:date ; ictkg:heldIn place:minsk ;
            dcterms:source source:igf-by-belarus-igf-2018-call-for-topics .
    """,
    ),
    (
        "igf-by-2017-more-than-400-participants",
        """
        attendance:belarus-igf-2017 ictkg:attendeeCountExceeds 400 ;
            dcterms:source source:igf-by-belarus-igf-2018-call-for-topics .
    """,
    ),
    (
        "igf-by-2017-eleven-countries-reported",
        reported(
            "attendance:belarus-igf-2017",
            "ictkg:countryCount",
            "11",
            "source:igf-by-belarus-igf-2018-call-for-topics",
        ),
    ),
    (
        "belarus-kz-2017-twenty-countries-reported",
        reported(
            "attendance:belarus-igf-2017",
            "ictkg:countryCount",
            "20",
            "source:belarus-kz-belarus-igf-preview",
        ),
    ),
    (
        "belarus-kz-hoster-by-organizes-the-forum",
        """
        series:belarus-igf ictkg:organizer orgn:hoster-by ;
            dcterms:source source:belarus-kz-belarus-igf-preview .
        source:belarus-kz-belarus-igf-preview dcterms:language ?l .
        FILTER (STRENDS(STR(?l), "/be"))
    """,
    ),
    # Belarus IGF 2019, 2020, 2023, 2024.
    (
        "igf-by-2019-fourth-forum-announced-for-19-november",
        """
        event:belarus-igf-2019 ictkg:editionNumber 4 ; ictkg:startDate "2019-11-19"^^xsd:date ;
            ictkg:heldIn place:minsk ; schema:keywords "inclusive internet"@en ;
            dcterms:source source:igf-by-belarus-igf-2019-interview .
    """,
    ),
    (
        "igf-by-2020-forum-cancelled",
        """
        event:belarus-igf-2020 ictkg:editionOf series:belarus-igf ;
            schema:eventStatus schema:EventCancelled ;
            dcterms:source source:igf-by-belarus-igf-2020-letter .
        source:igf-by-belarus-igf-2020-letter
            dcterms:publisher orgn:belarus-igf-steering-committee ;
            dcterms:issued "2020-09-01"^^xsd:date .
    """,
    ),
    (
        "igf-by-2020-called-the-fifth-reported",
        reported(
            "event:belarus-igf-2020",
            "ictkg:editionNumber",
            '"5"^^xsd:positiveInteger',
            "source:igf-by-belarus-igf-2020-letter",
        ),
    ),
    (
        "cctld-2023-after-a-three-year-break-by-hoster-by",
        """
        event:belarus-igf-2023 ictkg:editionOf series:belarus-igf ;
            ictkg:startDate "2023-11-15"^^xsd:date ; ictkg:heldIn place:minsk ;
            ictkg:organizer orgn:hoster-by ; schema:keywords "cybercrime"@en ;
            dcterms:source source:cctld-belarus-igf-2023 .
    """,
    ),
    (
        "human-constanta-2023-called-the-fifth-reported",
        reported(
            "event:belarus-igf-2023",
            "ictkg:editionNumber",
            '"5"^^xsd:positiveInteger',
            "source:human-constanta-no-dialogue-behind-bars",
        ),
    ),
    (
        "human-constanta-2023-backed-by-two-ministries",
        """
        event:belarus-igf-2023 schema:sponsor orgn:belarus-ministry-of-communications ,
            orgn:belarus-ministry-of-information ;
            dcterms:source source:human-constanta-no-dialogue-behind-bars .
    """,
    ),
    (
        "techpolicy-2023-called-the-fifth-reported",
        reported(
            "event:belarus-igf-2023",
            "ictkg:editionNumber",
            '"5"^^xsd:positiveInteger',
            "source:techpolicy-press-belarus-igf-2023",
        ),
    ),
    (
        "igf-secretariat-national-initiative-since-2016",
        """
        series:belarus-igf ictkg:nationalInitiativeOf series:igf ;
            ictkg:startDate "2016"^^xsd:gYear ;
            dcterms:source source:igf-secretariat-eastern-european-group .
    """,
    ),
    (
        "igf-secretariat-2024-meeting-on-3-december",
        """
        event:belarus-igf-2024 ictkg:editionOf series:belarus-igf ;
            ictkg:startDate "2024-12-03"^^xsd:date ; ictkg:heldIn place:minsk ;
            dcterms:source source:igf-secretariat-eastern-european-group .
    """,
    ),
    # WSIS Prizes and the WSIS Forum.
    (
        "itu-news-placestogo-2016-champion",
        """
        award:wsis-prizes-2016-placestogo ictkg:awardedTo project:placestogo ;
            ictkg:inCompetition event:wsis-prizes-2016 ;
            ictkg:category concept:cultural-diversity-and-identity ;
            ictkg:awardYear "2016"^^xsd:gYear ; dcterms:source source:itu-news-placestogo .
        event:wsis-prizes-2016 ictkg:editionOf series:wsis-prizes .
        concept:cultural-diversity-and-identity skos:inScheme scheme:wsis-prize-categories .
    """,
    ),
    (
        "itu-news-placestogo-project-of-the-academy",
        """
        project:placestogo ictkg:partner orgn:academy-of-public-administration ;
            dcterms:source source:itu-news-placestogo .
    """,
    ),
    (
        "itu-news-wsis-forum-2017-days-and-co-organizers",
        """
        event:wsis-forum-2017 ictkg:editionOf series:wsis-forum ;
            ictkg:startDate "2017-06-12"^^xsd:date ; ictkg:endDate "2017-06-16"^^xsd:date ;
            ictkg:organizer orgn:itu , orgn:unesco , orgn:unctad , orgn:undp ;
            schema:keywords "Information and Knowledge of Societies for the SDGs"@en ;
            dcterms:source source:itu-news-wsis-prizes-2017 .
        event:wsis-prizes-2017 schema:superEvent event:wsis-forum-2017 .
    """,
    ),
    (
        "wsis-flash-forum-2017-in-geneva",
        """
        event:wsis-forum-2017 ictkg:heldIn place:geneva ;
            dcterms:source source:itu-wsis-flash-2017-07 .
        series:wsis-forum ictkg:organizer orgn:unesco ;
            dcterms:source source:itu-wsis-flash-2017-07 .
    """,
    ),
    (
        "ngo-by-greenmap-first-prize-e-environment",
        """
        award:wsis-prizes-2017-greenmap-belarus ictkg:awardedTo project:greenmap-belarus ;
            ictkg:inCompetition event:wsis-prizes-2017 ; ictkg:category concept:e-environment ;
            dcterms:source source:ngo-by-greenmap-belarus .
        project:greenmap-belarus schema:creator orgn:center-for-environmental-solutions .
    """,
    ),
    (
        "itu-press-release-ru-forum-2017-in-the-conference-centre",
        """
        event:wsis-forum-2017 rdfs:label "Форум ВВУИО 2017 года"@ru ;
            ictkg:heldIn place:geneva-international-conference-centre ;
            dcterms:source source:itu-press-release-2017-pr25 .
        place:geneva-international-conference-centre ictkg:locatedIn place:geneva .
        event:wsis-prizes-2017 rdfs:label "Премии ВВУИО 2017 года"@ru .
    """,
    ),
    (
        "wsis-flash-forum-2017-at-the-itu-headquarters",
        """
        event:wsis-forum-2017 ictkg:heldIn place:itu-headquarters .
        place:itu-headquarters ictkg:locatedIn place:geneva ;
            dcterms:source source:itu-wsis-flash-2017-07 .
    """,
    ),
    (
        "zviazda-greenmap-names-in-russian-and-belarusian",
        """
        project:greenmap-belarus skos:altLabel "Зеленая карта"@ru , "Зялёная карта"@be ;
            schema:creator orgn:center-for-environmental-solutions ;
            dcterms:source source:zviazda-greenmap-2015-09-15 , source:zviazda-greenmap-2015-11-18 .
        orgn:center-for-environmental-solutions rdfs:label "Цэнтр экалагічных рашэнняў"@be ;
            dcterms:source source:zviazda-greenmap-2015-11-18 .
    """,
    ),
    # The Connect CIS Summit as ITU reported it.
    (
        "itu-news-five-heads-of-state-and-their-states",
        """
        event:connect-cis-summit-2009 schema:attendee person:kurmanbek-bakiyev ,
            person:nursultan-nazarbayev , person:aleksandr-lukashenko , person:emomali-rahmon ,
            person:serzh-sargsyan ; dcterms:source source:itu-news-connect-cis .
        attendance:connect-cis-summit-2009-high-level-segment ictkg:attendeeFrom state:armenia ,
            state:belarus , state:kazakhstan , state:kyrgyzstan , state:tajikistan ;
            dcterms:source source:itu-news-connect-cis .
    """,
    ),
    (
        "itu-news-connect-the-world-series-and-ministerial-meeting",
        """
        event:connect-cis-summit-2009 ictkg:heldWithin series:connect-the-world .
        series:connect-the-world ictkg:organizer orgn:itu .
        event:connect-cis-ministerial-meeting-2009 ictkg:startDate "2009-11-25"^^xsd:date ;
            dcterms:relation event:connect-cis-summit-2009 ;
            dcterms:source source:itu-news-connect-cis .
    """,
    ),
    (
        "itu-news-2014-priorities-and-follow-up",
        """
        event:connect-cis-summit-2009 ictkg:outcomeSummary ?o .
        FILTER (CONTAINS(?o, "digital broadcasting"))
        project:itu-belarus-connect-cis-follow-up ictkg:partner orgn:itu , state:belarus ;
            ictkg:outcomeOf event:connect-cis-summit-2009 ;
            dcterms:source source:itu-news-connect-cis-2014 .
    """,
    ),
    # The President's statement at WSIS and the WSIS+10 review.
    (
        "e-belarus-statement-on-11-december-reported",
        reported(
            "doc:lukashenko-statement-wsis-2003",
            "ictkg:deliveryDate",
            '"2003-12-11"^^xsd:date',
            "source:e-belarus-lukashenko-wsis-2003",
        ),
    ),
    (
        "president-gov-by-statement-on-11-december-reported",
        reported(
            "doc:lukashenko-statement-wsis-2003",
            "ictkg:deliveryDate",
            '"2003-12-11"^^xsd:date',
            "source:president-gov-by-visit-switzerland-2003",
        ),
    ),
    (
        "president-gov-by-summit-of-almost-60-countries",
        """
        event:wsis rdfs:label "Сусветны саміт па інфармацыйным грамадстве"@be .
        event:wsis-geneva-2003 ictkg:attendance ?a .
        ?a ictkg:attendeeGroup concept:heads-of-state ; schema:description ?d ;
            dcterms:source source:president-gov-by-visit-switzerland-2003 .
        FILTER (CONTAINS(?d, "almost 60"))
    """,
    ),
    (
        "president-gov-by-belarusian-names",
        """
        person:aleksandr-lukashenko rdfs:label "Аляксандр Лукашэнка"@be ;
            dcterms:source source:president-gov-by-visit-switzerland-2003 .
        place:geneva rdfs:label "Жэнева"@be ;
            dcterms:source source:president-gov-by-visit-switzerland-2003 .
        state:switzerland skos:altLabel "Швейцарская Канфедэрацыя"@be ;
            dcterms:source source:president-gov-by-visit-switzerland-2003 .
    """,
    ),
    (
        "un-wsis10-high-level-meeting-in-new-york",
        """
        event:wsis10-high-level-meeting-2015 ictkg:startDate "2015-12-15"^^xsd:date ;
            ictkg:endDate "2015-12-16"^^xsd:date ;
            ictkg:heldIn place:un-headquarters-new-york ; ictkg:organizer orgn:unga ;
            dcterms:source source:un-desa-wsis10-high-level-meeting .
    """,
    ),
    (
        "digwatch-review-culminated-in-the-meeting",
        """
        event:wsis10-high-level-meeting-2015 schema:superEvent event:wsis-review ;
            schema:description ?d ;
            dcterms:source source:digwatch-wsis10-high-level-meeting .
        doc:unga-resolution-70-125 ictkg:outcomeOf event:wsis10-high-level-meeting-2015 .
        FILTER (CONTAINS(?d, "Internet Governance Forum"))
    """,
    ),
    (
        "ecosoc-cstd-established-1992-follows-up-wsis",
        """
        orgn:cstd ictkg:unitOf orgn:ecosoc ; schema:foundingDate "1992"^^xsd:gYear ;
            dcterms:relation process:wsis ; dcterms:source source:ecosoc-cstd-16th-session .
    """,
    ),
    (
        "wsis-ae-c1-wording-beside-digital-watchs",
        """
        concept:wsis-action-line-c1 skos:prefLabel ?digwatch ; skos:altLabel ?wsisae ;
            dcterms:source source:digwatch-geneva-plan-of-action , source:wsis-ae-action-lines .
        FILTER (CONTAINS(?digwatch, "role of governments")
            && CONTAINS(?wsisae, "role of public governance authorities"))
    """,
    ),
    # The bodies.
    (
        "itu-council-resolutions-ru-itus-own-russian-name",
        """
        orgn:itu rdfs:label "Международный союз электросвязи"@ru ;
            dcterms:source source:itu-council-resolutions-ru-page-155 .
        source:itu-council-resolutions-ru-page-155 dcterms:publisher orgn:itu ;
            dcterms:language <http://id.loc.gov/vocabulary/iso639-1/ru> .
    """,
    ),
    (
        "trend-rcc-founded-17-december-1991",
        """
        orgn:rcc rdfs:label "Региональное содружество в области связи"@ru ;
            schema:foundingDate "1991-12-17"^^xsd:date ; schema:foundingLocation place:moscow ;
            dcterms:source source:trend-rcc-2006 .
    """,
    ),
    (
        "beltelecom-ministry-member-of-the-rcc",
        """
        ?m a ictkg:Membership ; ictkg:member orgn:belarus-ministry-of-communications ;
            ictkg:memberOf orgn:rcc ; ictkg:startDate "1991"^^xsd:gYear ;
            dcterms:source source:byfly-rcc-dushanbe-2016 .
    """,
    ),
]

#: Values the sources disagree on: none of them may be asserted as a plain triple.
UNASSERTED: list[tuple[str, str]] = [
    (
        "first-belarus-igf-day",
        "event:belarus-igf-2016 ictkg:startDate ?d . FILTER (DATATYPE(?d) = xsd:date)",
    ),
    ("countries-at-belarus-igf-2017", "attendance:belarus-igf-2017 ictkg:countryCount ?n ."),
    ("number-of-the-2020-forum", "event:belarus-igf-2020 ictkg:editionNumber ?n ."),
    ("number-of-the-2023-forum", "event:belarus-igf-2023 ictkg:editionNumber ?n ."),
    # The seed's 11.12.2003 against the earlier text's 12 December: only sourced values.
    ("day-of-the-statement-at-wsis", "doc:lukashenko-statement-wsis-2003 ictkg:deliveryDate ?d ."),
    # The seed's "more than 400" against ITU News' "some 350": one attendance node per source,
    # no count on the summit itself and neither count on the other source's node.
    (
        "participants-of-connect-cis-on-the-summit",
        "event:connect-cis-summit-2009"
        " ictkg:attendeeCount|ictkg:approximateAttendeeCount|ictkg:attendeeCountExceeds ?n .",
    ),
    (
        "itu-count-on-the-seeds-attendance",
        "attendance:connect-cis-summit-2009"
        " ictkg:approximateAttendeeCount|ictkg:attendeeCount ?n .",
    ),
    (
        "seed-count-on-itus-attendance",
        "attendance:connect-cis-summit-2009-itu-news"
        " ictkg:attendeeCountExceeds|ictkg:attendeeCount ?n .",
    ),
]


@pytest.mark.parametrize(("where"), [w for _, w in FACTS], ids=[name for name, _ in FACTS])
def test_outside_fact_is_answered(graph, where: str):
    assert graph.ask(where)


@pytest.mark.parametrize(("where"), [w for _, w in UNASSERTED], ids=[n for n, _ in UNASSERTED])
def test_conflicting_values_are_reported_not_asserted(graph, where: str):
    assert not graph.ask(where)


def test_every_new_source_can_be_opened(graph):
    """Every source read for the graph (it has an access date) has a URL, publisher and language."""
    rows = list(
        graph.query(
            """
        SELECT ?s WHERE {
            ?s ictkg:accessDate ?accessed .
            FILTER NOT EXISTS {
                ?s a ictkg:SourceDocument ; schema:url ?u ; dcterms:publisher ?p ;
                    dcterms:language ?l .
            }
        }"""
        )
    )
    assert rows == []
    count = graph.query("SELECT (COUNT(?s) AS ?n) { ?s ictkg:accessDate ?d }")
    assert int(next(iter(count))[0].value) >= 17
