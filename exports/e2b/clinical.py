"""The clinical sections of an E2B(R3) case, from the record: the patient (D), the event as
the reaction (E.i), the session's drug as the suspect (G.k) with its dosage, and the drug's
role and causality (G.k.1, G.k.9.i). Each function adds its section to the element given."""

from datetime import tzinfo
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from events.choices import Indication
from events.models import AdverseEvent
from exports.e2b import codes as C
from exports.e2b.hl7 import (
    OBSERVATION,
    PERSON,
    period,
    plain_number,
    stable_uuid,
    sub,
)


def add_patient(role: ET.Element, event: AdverseEvent) -> None:
    patient = event.session.patient
    player = sub(role, "player1", **PERSON)
    sub(player, "name", nullFlavor="MSK")  # D.1: the record keeps no names or initials
    if patient.sex in C.SEX_CODES:
        code, display = C.SEX_CODES[patient.sex]
        sub(
            player,
            "administrativeGenderCode",
            code=code,
            displayName=display,
            codeSystem=C.OID_SEX,
        )
    else:
        sub(player, "administrativeGenderCode", nullFlavor="UNK")
    if patient.birth_year:
        # The record holds the birth year only: the age is the onset year minus it.
        years = event.onset_at.astimezone(ZoneInfo(event.site.timezone)).year - patient.birth_year
        patient_observation(role, "3", "age", "PQ", value=str(years), unit="a")
        code, display = C.age_group(years)
        patient_observation(
            role,
            "4",
            "ageGroup",
            "CE",
            code=code,
            displayName=display,
            codeSystem=C.OID_AGE_GROUP,
        )
    weight = event.session.weight_kg
    patient_observation(role, "7", "bodyWeight", "PQ", value=plain_number(weight), unit="kg")
    # FDA.D.11.r and FDA.D.12: the record keeps neither race nor ethnicity.
    for code, name in (("C17049", "Race"), ("C16564", "Ethnic Group")):
        observation = sub(sub(role, "subjectOf2", typeCode="SBJ"), "observation", **OBSERVATION)
        sub(observation, "code", code=code, displayName=name, codeSystem=C.OID_NCI)
        sub(observation, "value", xsi_type="CE", nullFlavor="UNK")
    history = sub(
        sub(role, "subjectOf2", typeCode="SBJ"),
        "organizer",
        classCode="CATEGORY",
        moodCode="EVN",
    )
    sub(
        history,
        "code",
        code="1",
        codeSystem=C.OID_ORGANIZER,
        displayName="relevantMedicalHistoryAndConcurrentConditions",
    )
    observation = sub(sub(history, "component", typeCode="COMP"), "observation", **OBSERVATION)
    sub(
        observation,
        "code",
        code="18",
        codeSystem=C.OID_OBSERVATION,
        displayName="historyAndConcurrentConditionText",
    )
    sub(observation, "value", history_text(event), xsi_type="ED")  # D.7.2


def patient_observation(role: ET.Element, key: str, name: str, kind: str, **value: str) -> None:
    observation = sub(sub(role, "subjectOf2", typeCode="SBJ"), "observation", **OBSERVATION)
    sub(observation, "code", code=key, displayName=name, codeSystem=C.OID_OBSERVATION)
    sub(observation, "value", xsi_type=kind, **value)


def add_reaction(
    role: ET.Element, event: AdverseEvent, zone: tzinfo, *, country: str, meddra_version: str
) -> None:
    """E.i: the event as one reaction."""
    reaction = sub(sub(role, "subjectOf2", typeCode="SBJ"), "observation", **OBSERVATION)
    sub(reaction, "id", root=stable_uuid("reaction", event.pk))
    sub(reaction, "code", code="29", codeSystem=C.OID_OBSERVATION, displayName="reaction")
    period(reaction, event.onset_at, event.resolved_at, zone)  # E.i.4, E.i.5
    term: dict[str, str] = {"codeSystem": C.OID_MEDDRA}
    if event.term.meddra_code and meddra_version:
        term.update(code=event.term.meddra_code, codeSystemVersion=meddra_version)
    value = sub(reaction, "value", xsi_type="CE", **term)  # E.i.2.1a, E.i.2.1b
    sub(value, "originalText", event.term_label[:250], language="eng")  # E.i.1.1a, b
    place = sub(
        sub(sub(reaction, "location", typeCode="LOC"), "locatedEntity", classCode="LOCE"),
        "locatedPlace",
        classCode="COUNTRY",
        determinerCode="INSTANCE",
    )
    sub(place, "code", code=country, codeSystem=C.OID_COUNTRY)  # E.i.9
    for field, code, name in C.SERIOUSNESS_CODES:  # E.i.3.2a-f
        flag = {"value": "true"} if getattr(event, field) else {"nullFlavor": "NI"}
        reaction_observation(reaction, code, C.OID_OBSERVATION, name, "BL", **flag)
    reaction_observation(
        reaction,
        "7",
        C.OID_FDA_REQUIRED_INTERVENTION,
        "requiredIntervention",
        "BL",
        nullFlavor="NI",
    )  # FDA.E.i.3.2h: not recorded
    code, display = C.OUTCOME_CODES[event.outcome]
    reaction_observation(
        reaction,
        "27",
        C.OID_OBSERVATION,
        "outcome",
        "CE",
        code=code,
        displayName=display,
        codeSystem=C.OID_OUTCOME,
    )  # E.i.7


def reaction_observation(
    reaction: ET.Element, key: str, system: str, name: str, kind: str, **value: str
) -> None:
    observation = sub(
        sub(reaction, "outboundRelationship2", typeCode="PERT"), "observation", **OBSERVATION
    )
    sub(observation, "code", code=key, codeSystem=system, displayName=name)
    sub(observation, "value", xsi_type=kind, **value)


def add_drug(role: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
    """G.k: the session's drug, the suspect."""
    session = event.session
    organizer = sub(
        sub(role, "subjectOf2", typeCode="SBJ"),
        "organizer",
        classCode="CATEGORY",
        moodCode="EVN",
    )
    sub(organizer, "code", code="4", codeSystem=C.OID_ORGANIZER, displayName="drugInformation")
    drug = sub(
        sub(organizer, "component", typeCode="COMP"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
    )
    sub(drug, "id", root=stable_uuid("drug", session.pk))
    product_name, substance = C.DRUG_NAMES[session.drug]
    product = sub(
        sub(sub(drug, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
        "kindOfProduct",
        classCode="MMAT",
        determinerCode="KIND",
    )
    sub(product, "name", product_name)  # G.k.2.2
    ingredient = sub(
        sub(product, "ingredient", classCode="ACTI"),
        "ingredientSubstance",
        classCode="MMAT",
        determinerCode="KIND",
    )
    sub(ingredient, "name", substance)  # G.k.2.3.r.1
    if event.onset_minutes is not None and 0 <= event.onset_minutes <= 99999:
        # G.k.9.i.3.1: minutes from the start of the infusion to the onset.
        interval = sub(drug, "outboundRelationship1", typeCode="SAS")
        sub(interval, "pauseQuantity", value=str(event.onset_minutes), unit="min")
        sub(
            sub(interval, "actReference", classCode="OBS", moodCode="EVN"),
            "id",
            root=stable_uuid("reaction", event.pk),
        )
    add_dosage(drug, event, zone)
    add_drug_information(drug, event)


def add_dosage(drug: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
    session = event.session
    dosage = sub(
        sub(drug, "outboundRelationship2", typeCode="COMP"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
    )
    route_name = session.get_route_display()
    lot = f", lot {session.lot_number}" if session.lot_number else ""
    dosage_text = (
        f"{plain_number(session.dose_mg_per_kg)} mg/kg ({plain_number(session.total_dose_mg)} mg) "
        f"{route_name.lower()} infusion, session {session.sequence_number} of the course{lot}"
    )
    sub(dosage, "text", dosage_text)  # G.k.4.r.8
    if session.started_at:
        period(dosage, session.started_at, session.ended_at, zone)  # G.k.4.r.4, G.k.4.r.5
    route_code = C.ROUTE_CODES[session.route]
    route = (
        sub(dosage, "routeCode", code=route_code, codeSystem=C.OID_NCI)
        if route_code
        else sub(dosage, "routeCode")
    )
    sub(route, "originalText", route_name)  # G.k.4.r.10.1
    sub(
        dosage, "doseQuantity", value=plain_number(session.total_dose_mg), unit="mg"
    )  # G.k.4.r.1a, b
    if session.lot_number and len(session.lot_number) <= 35:
        instance = sub(
            sub(sub(dosage, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
            "productInstanceInstance",
            classCode="MMAT",
            determinerCode="INSTANCE",
        )
        sub(instance, "lotNumberText", session.lot_number)  # G.k.4.r.7


def add_drug_information(drug: ET.Element, event: AdverseEvent) -> None:
    if event.action_taken in C.ACTIONS_NEEDING_DETAIL:
        detail = sub(
            sub(drug, "outboundRelationship2", typeCode="REFR"), "observation", **OBSERVATION
        )
        sub(
            detail,
            "code",
            code="2",
            codeSystem=C.OID_OBSERVATION,
            displayName="additionalInformation",
        )
        sub(
            detail, "value", f"Action taken: {event.get_action_taken_display()}", xsi_type="ST"
        )  # G.k.11
    patient = event.session.patient
    indication = sub(
        sub(drug, "inboundRelationship", typeCode="RSON"), "observation", **OBSERVATION
    )
    sub(indication, "code", code="19", codeSystem=C.OID_OBSERVATION, displayName="indication")
    value = sub(indication, "value", xsi_type="CE", codeSystem=C.OID_MEDDRA)
    sub(value, "originalText", Indication(patient.indication).label)  # G.k.7.r.1
    performer = sub(
        sub(indication, "performer", typeCode="PRF"), "assignedEntity", classCode="ASSIGNED"
    )
    sub(performer, "code", code="3", codeSystem=C.OID_AUTHOR_ROLE, displayName="sourceReporter")
    if event.action_taken:
        act = sub(
            sub(drug, "inboundRelationship", typeCode="CAUS"),
            "act",
            classCode="ACT",
            moodCode="EVN",
        )
        sub(
            act, "code", code=C.ACTION_CODES[event.action_taken], codeSystem=C.OID_ACTION_TAKEN
        )  # G.k.8


def add_drug_role_and_causality(assessment: ET.Element, event: AdverseEvent) -> None:
    drug_id = stable_uuid("drug", event.session_id)
    role = sub(sub(assessment, "component", typeCode="COMP"), "causalityAssessment", **OBSERVATION)
    sub(
        role,
        "code",
        code="20",
        codeSystem=C.OID_OBSERVATION,
        displayName="interventionCharacterization",
    )
    sub(
        role,
        "value",
        xsi_type="CE",
        code="1",
        displayName="Suspect",
        codeSystem=C.OID_DRUG_ROLE,
    )  # G.k.1
    sub(
        sub(
            sub(role, "subject2", typeCode="SUBJ"),
            "productUseReference",
            classCode="SBADM",
            moodCode="EVN",
        ),
        "id",
        root=drug_id,
    )
    if not event.causality:
        return
    causality = sub(
        sub(assessment, "component", typeCode="COMP"), "causalityAssessment", **OBSERVATION
    )
    sub(causality, "code", code="39", codeSystem=C.OID_OBSERVATION, displayName="causality")
    sub(causality, "value", C.CAUSALITY_RESULTS[event.causality], xsi_type="ST")  # G.k.9.i.2.r.3
    sub(sub(causality, "methodCode"), "originalText", C.CAUSALITY_METHOD)  # G.k.9.i.2.r.2
    author = sub(sub(causality, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    sub(sub(author, "code"), "originalText", C.CAUSALITY_SOURCE)  # G.k.9.i.2.r.1
    sub(
        sub(
            sub(causality, "subject1", typeCode="SUBJ"),
            "adverseEffectReference",
            classCode="OBS",
            moodCode="EVN",
        ),
        "id",
        root=stable_uuid("reaction", event.pk),
    )
    sub(
        sub(
            sub(causality, "subject2", typeCode="SUBJ"),
            "productUseReference",
            classCode="SBADM",
            moodCode="EVN",
        ),
        "id",
        root=drug_id,
    )


def history_text(event: AdverseEvent) -> str:
    """D.7.2: the indication for ketamine and the pre-session screen."""
    session = event.session
    screen = [
        label
        for flag, label in (
            (session.takes_benzodiazepines, "benzodiazepines"),
            (session.takes_psychostimulants, "psychostimulants"),
            (session.takes_maois, "MAOIs"),
            (session.takes_other_sedatives, "other sedating drugs"),
        )
        if flag
    ]
    text = f"Treated with ketamine for {Indication(session.patient.indication).label}."
    if screen:
        text += " Pre-session screen: takes " + ", ".join(screen) + "."
    if not session.baseline_bp_acceptable:
        text += " Baseline blood pressure not acceptable at screening."
    return text
