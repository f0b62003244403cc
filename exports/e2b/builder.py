"""ICH E2B(R3) individual case safety reports (HL7 v3 `PORR_IN049016UV` messages) in an
`MCCI_IN200100UV01` batch, with FDA's regional elements, laid out like FDA's example
instances (FAERS2022Scenario1.xml).

One signed-off adverse event is one case: one reaction (E.i), one suspect drug (G.k, the
session's ketamine or esketamine) and the causality of that pair (G.k.9.i). What the record
holds is sent; what it does not hold goes as the nullFlavor FDA's table allows for the
element. The event term's MedDRA code is sent when the clinic has recorded one
(`EventTerm.meddra_code`, with the version in `settings.E2B_MEDDRA_VERSION`); otherwise the
reaction goes as the term's text alone (E.i.1.1a), for the receiver to code. See
docs/exports.md.
"""

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.conf import settings

from events.access import roles_at
from events.choices import EventStatus, Indication
from events.models import AdverseEvent
from exports.e2b import codes as C
from exports.e2b.narrative import case_narrative, sender_comment

ET.register_namespace("", C.HL7_NAMESPACE)
ET.register_namespace("xsi", C.XSI_NAMESPACE)

XSI_TYPE = f"{{{C.XSI_NAMESPACE}}}type"
SCHEMA_LOCATION = "urn:hl7-org:v3 MCCI_IN200100UV01.xsd"
_NAMESPACE = uuid.UUID("0b7f4d55-2f0e-4b7c-9a36-52c1e0d6a2b9")


def _tag(name: str) -> str:
    return f"{{{C.HL7_NAMESPACE}}}{name}"


def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element in the HL7 namespace; `xsi_type` becomes `xsi:type`."""
    if "xsi_type" in attributes:
        attributes[XSI_TYPE] = attributes.pop("xsi_type")
    child = ET.SubElement(parent, _tag(name), attributes)
    if text is not None:
        child.text = text
    return child


def ts(moment: datetime, zone: tzinfo = UTC) -> str:
    """An HL7 point in time to the second with its UTC offset: CCYYMMDDhhmmss+ZZzz."""
    return moment.astimezone(zone).strftime("%Y%m%d%H%M%S%z")


def stable_uuid(kind: str, pk: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{pk}"))


@dataclass(frozen=True)
class Sender:
    """Who sends the reports (C.3, N.1.3) and to whom (N.1.4, N.2.r.3), from settings."""

    identifier: str
    batch_receiver: str
    message_receiver: str
    country: str
    meddra_version: str
    details: dict[str, str]

    @classmethod
    def from_settings(cls) -> "Sender":
        return cls(
            identifier=settings.E2B_SENDER_IDENTIFIER,
            batch_receiver=settings.E2B_BATCH_RECEIVER,
            message_receiver=settings.E2B_MESSAGE_RECEIVER,
            country=settings.E2B_COUNTRY,
            meddra_version=settings.E2B_MEDDRA_VERSION,
            details=dict(settings.E2B_SENDER),
        )


def case_identifier(event: AdverseEvent, sender: Sender) -> str:
    """C.1.1 and C.1.8.1: country - sender - report number, as the ICH IG asks."""
    return f"{sender.country}-{sender.identifier}-{event.pk}"


class IcsrBuilder:
    """Builds the messages of one batch; keeps the reporters' roles it has looked up."""

    def __init__(self, *, sender: Sender, created_at: datetime):
        self.sender = sender
        self.created_at = created_at
        self._roles: dict[tuple[int, int], set[str]] = {}

    # --- the batch wrapper ---------------------------------------------------------------

    def batch_head(self, batch_number: str) -> bytes:
        """The wrapper's opening and its header (N.1.1, N.1.2, N.1.5), before the messages."""
        root = ET.Element(
            _tag("MCCI_IN200100UV01"),
            {"ITSVersion": "XML_1.0", f"{{{C.XSI_NAMESPACE}}}schemaLocation": SCHEMA_LOCATION},
        )
        sub(root, "id", root=C.OID_BATCH_NUMBER, extension=batch_number)
        sub(root, "creationTime", value=ts(self.created_at))
        sub(root, "responseModeCode", code="D")
        sub(root, "interactionId", root=C.OID_INTERACTION, extension="MCCI_IN200100UV01")
        sub(root, "name", code="1", displayName="ichicsr", codeSystem=C.OID_MESSAGE_TYPE)
        text = ET.tostring(root, encoding="unicode")
        head = text[: text.rindex("</")]  # the wrapper stays open for the messages
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + head + "\n").encode()

    def batch_tail(self) -> bytes:
        """The wrapper's receiver (N.1.4) and sender (N.1.3), after the messages."""
        root = ET.Element(_tag("MCCI_IN200100UV01"))
        device = sub(sub(root, "receiver", typeCode="RCV"), "device", **_DEVICE)
        sub(device, "id", root=C.OID_BATCH_RECEIVER, extension=self.sender.batch_receiver)
        device = sub(sub(root, "sender", typeCode="SND"), "device", **_DEVICE)
        sub(device, "id", root=C.OID_BATCH_SENDER, extension=self.sender.identifier)
        text = ET.tostring(root, encoding="unicode")
        inner = text[text.index(">") + 1 : text.rindex("</")]
        return (inner + "</MCCI_IN200100UV01>\n").encode()

    def message_bytes(self, event: AdverseEvent) -> bytes:
        text = ET.tostring(self.message(event), encoding="unicode")
        return text.encode() + b"\n"

    def batch(self, events: Iterable[AdverseEvent], *, batch_number: str) -> Iterator[bytes]:
        """The whole batch document, in pieces: one per message."""
        yield self.batch_head(batch_number)
        for event in events:
            yield self.message_bytes(event)
        yield self.batch_tail()

    # --- one message ---------------------------------------------------------------------

    def message(self, event: AdverseEvent) -> ET.Element:
        """One ICSR (`PORR_IN049016UV`) for a signed-off event."""
        if event.status != EventStatus.SIGNED_OFF:
            raise ValueError("Only a signed-off event is reported as an E2B(R3) ICSR.")
        created = ts(self.created_at)
        message = ET.Element(_tag("PORR_IN049016UV"))
        sub(message, "id", root=C.OID_MESSAGE_ID, extension=f"{self.sender.identifier}-{event.pk}")
        sub(message, "creationTime", value=created)
        sub(message, "interactionId", root=C.OID_INTERACTION, extension="PORR_IN049016UV")
        sub(message, "processingCode", code="P")
        sub(message, "processingModeCode", code="T")
        sub(message, "acceptAckCode", code="AL")
        device = sub(sub(message, "receiver", typeCode="RCV"), "device", **_DEVICE)
        sub(device, "id", root=C.OID_MESSAGE_RECEIVER, extension=self.sender.message_receiver)
        device = sub(sub(message, "sender", typeCode="SND"), "device", **_DEVICE)
        sub(device, "id", root=C.OID_MESSAGE_SENDER, extension=self.sender.identifier)
        act = sub(message, "controlActProcess", classCode="CACT", moodCode="EVN")
        sub(act, "code", code="PORR_TE049016UV", codeSystem=C.OID_TRIGGER_EVENT)
        sub(act, "effectiveTime", value=created)  # C.1.2
        subject = sub(act, "subject", typeCode="SUBJ")
        self._investigation(sub(subject, "investigationEvent", **_INVESTIGATION), event)
        return message

    def _investigation(self, case: ET.Element, event: AdverseEvent) -> None:
        zone = ZoneInfo(event.site.timezone)
        case_id = case_identifier(event, self.sender)
        sub(case, "id", root=C.OID_MESSAGE_ID, extension=case_id)  # C.1.1
        sub(case, "id", root=C.OID_WORLDWIDE_CASE_ID, extension=case_id)  # C.1.8.1
        sub(case, "code", code="PAT_ADV_EVNT", codeSystem=C.OID_ACT_CODE)
        sub(case, "text", case_narrative(event, zone))  # H.1
        sub(case, "statusCode", code="active")
        sub(sub(case, "effectiveTime"), "low", value=ts(event.created_at, zone))  # C.1.4
        sub(case, "availabilityTime", value=ts(self._last_information_at(event), zone))  # C.1.5
        assessment = sub(
            sub(case, "component", typeCode="COMP"),
            "adverseEventAssessment",
            classCode="INVSTG",
            moodCode="EVN",
        )
        role = sub(sub(assessment, "subject1", typeCode="SBJ"), "primaryRole", classCode="INVSBJ")
        self._patient(role, event)
        self._reaction(role, event, zone)
        self._drug(role, event, zone)
        self._drug_role_and_causality(assessment, event)
        self._sender_comment(assessment, event, zone)
        expedited = event.is_serious and not event.is_expected
        self._case_observation(case, "1", "additionalDocumentsAvailable", "false")  # C.1.6.1
        self._case_observation(case, "23", "localCriteriaForExpedited", _bool(expedited))  # C.1.7
        report_type = C.FDA_REPORT_15_DAY if expedited else C.FDA_REPORT_NON_EXPEDITED
        value = self._case_component(case, "C54588", C.OID_NCI, "localCriteriaReportType")
        value.attrib.update(
            {XSI_TYPE: "CE", "code": report_type, "codeSystem": C.OID_FDA_REPORT_TYPE}
        )  # FDA.C.1.7.1
        value = self._case_component(case, "C156384", C.OID_NCI, "combinationProductReport")
        value.attrib.update({XSI_TYPE: "BL", "value": "false"})  # FDA.C.1.12
        self._first_sender(case)
        self._primary_source(case, event)
        self._sender(case, event)
        self._characteristic(
            case, "1", "CE", code=C.REPORT_TYPE_SPONTANEOUS, codeSystem=C.OID_REPORT_TYPE
        )
        self._characteristic(case, "2", "BL", nullFlavor="NI")  # C.1.9.1

    @staticmethod
    def _last_information_at(event: AdverseEvent) -> datetime:
        signature = next(iter(getattr(event, "current", [])), None)
        return signature.signed_at if signature is not None else event.updated_at

    def _case_component(self, case: ET.Element, code: str, system: str, name: str) -> ET.Element:
        observation = sub(
            sub(case, "component", typeCode="COMP"), "observationEvent", **_OBSERVATION
        )
        sub(observation, "code", code=code, codeSystem=system, displayName=name)
        return sub(observation, "value")

    def _case_observation(self, case: ET.Element, code: str, name: str, value: str) -> None:
        self._case_component(case, code, C.OID_OBSERVATION, name).attrib.update(
            {XSI_TYPE: "BL", "value": value}
        )

    def _characteristic(self, case: ET.Element, key: str, kind: str, **value: str) -> None:
        characteristic = sub(
            sub(case, "subjectOf2", typeCode="SUBJ"), "investigationCharacteristic", **_OBSERVATION
        )
        sub(characteristic, "code", code=key, codeSystem=C.OID_CHARACTERISTIC)
        sub(characteristic, "value", xsi_type=kind, **value)

    def _related(self, case: ET.Element, code: str, name: str) -> ET.Element:
        """An outboundRelationship (first sender, primary source) down to its assignedEntity."""
        relation = sub(case, "outboundRelationship", typeCode="SPRT")
        if code == "2":
            sub(relation, "priorityNumber", value="1")  # C.2.r.5: primary for regulatory purposes
        investigation = sub(relation, "relatedInvestigation", **_INVESTIGATION)
        sub(investigation, "code", code=code, codeSystem=C.OID_RELATED_REPORT, displayName=name)
        control = sub(
            sub(investigation, "subjectOf2", typeCode="SUBJ"), "controlActEvent", **_CONTROL
        )
        return sub(sub(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")

    def _first_sender(self, case: ET.Element) -> None:
        entity = self._related(case, "1", "initialReport")
        sub(entity, "code", code=C.FIRST_SENDER_OTHER, codeSystem=C.OID_FIRST_SENDER)  # C.1.8.2

    def _primary_source(self, case: ET.Element, event: AdverseEvent) -> None:
        """C.2.r: the person who reported the event at the clinic."""
        reporter = event.reported_by
        entity = self._related(case, "2", "sourceReport")
        if reporter.email:
            sub(entity, "telecom", value=f"mailto:{reporter.email}")  # FDA.C.2.r.2.8
        else:
            sub(entity, "telecom", nullFlavor="NASK")
        person = sub(entity, "assignedPerson", **_PERSON)
        name = sub(person, "name")
        for part, value in (("given", reporter.first_name), ("family", reporter.last_name)):
            if value:
                sub(name, part, value[:60])  # C.2.r.1.2, C.2.r.1.4
            else:
                sub(name, part, nullFlavor="NASK")
        qualified = sub(person, "asQualifiedEntity", classCode="QUAL")
        qualification = self._qualification(event)
        if qualification is None:
            sub(qualified, "code", nullFlavor="UNK")
        else:
            code, display = qualification
            sub(qualified, "code", code=code, displayName=display, codeSystem=C.OID_QUALIFICATION)
        located = sub(person, "asLocatedEntity", classCode="LOCE")
        location = sub(located, "location", classCode="COUNTRY", determinerCode="INSTANCE")
        sub(location, "code", code=self.sender.country, codeSystem=C.OID_COUNTRY)  # C.2.r.3
        organisation = sub(entity, "representedOrganization", **_ORGANISATION)
        inner = sub(
            sub(organisation, "assignedEntity", classCode="ASSIGNED"),
            "representedOrganization",
            **_ORGANISATION,
        )
        sub(inner, "name", event.site.name[:60])  # C.2.r.2.1

    def _qualification(self, event: AdverseEvent) -> tuple[str, str] | None:
        key = (event.reported_by_id, event.site_id)
        if key not in self._roles:
            self._roles[key] = roles_at(event.reported_by, event.site_id)
        for role, qualification in C.QUALIFICATION_BY_ROLE.items():
            if role in self._roles[key]:
                return qualification
        return None

    def _sender(self, case: ET.Element, event: AdverseEvent) -> None:
        """C.3: the clinic as sender, with the contact from settings (empty ones left out)."""
        details = self.sender.details
        control = sub(sub(case, "subjectOf1", typeCode="SUBJ"), "controlActEvent", **_CONTROL)
        entity = sub(sub(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
        sub(entity, "code", code=C.SENDER_TYPE_HEALTH_PROFESSIONAL, codeSystem=C.OID_SENDER_TYPE)
        address = sub(entity, "addr")
        for part, key in _ADDRESS_PARTS:
            if details.get(key):
                sub(address, part, details[key])
        for scheme, key in (("tel", "telephone"), ("fax", "fax"), ("mailto", "email")):
            if details.get(key):
                sub(entity, "telecom", value=f"{scheme}:{details[key]}")
        person = sub(entity, "assignedPerson", **_PERSON)
        name = sub(person, "name")
        for part, key in (("prefix", "title"), ("given", "given_name"), ("family", "family_name")):
            if details.get(key):
                sub(name, part, details[key])
        located = sub(person, "asLocatedEntity", classCode="LOCE")
        location = sub(located, "location", classCode="COUNTRY", determinerCode="INSTANCE")
        sub(location, "code", code=self.sender.country, codeSystem=C.OID_COUNTRY)  # C.3.4.5
        department = sub(entity, "representedOrganization", **_ORGANISATION)
        if details.get("department"):
            sub(department, "name", details["department"])  # C.3.3.1
        organisation = sub(
            sub(department, "assignedEntity", classCode="ASSIGNED"),
            "representedOrganization",
            **_ORGANISATION,
        )
        sub(organisation, "name", details.get("organisation") or event.site.name[:100])  # C.3.2

    # --- patient, reaction, drug -----------------------------------------------------------

    def _patient(self, role: ET.Element, event: AdverseEvent) -> None:
        patient = event.session.patient
        player = sub(role, "player1", **_PERSON)
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
            years = (
                event.onset_at.astimezone(ZoneInfo(event.site.timezone)).year - patient.birth_year
            )
            self._patient_observation(role, "3", "age", "PQ", value=str(years), unit="a")
            code, display = C.age_group(years)
            self._patient_observation(
                role,
                "4",
                "ageGroup",
                "CE",
                code=code,
                displayName=display,
                codeSystem=C.OID_AGE_GROUP,
            )
        weight = event.session.weight_kg
        self._patient_observation(role, "7", "bodyWeight", "PQ", value=f"{weight:g}", unit="kg")
        # FDA.D.11.r and FDA.D.12: the record keeps neither race nor ethnicity.
        for code, name in (("C17049", "Race"), ("C16564", "Ethnic Group")):
            observation = sub(
                sub(role, "subjectOf2", typeCode="SBJ"), "observation", **_OBSERVATION
            )
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
        observation = sub(sub(history, "component", typeCode="COMP"), "observation", **_OBSERVATION)
        sub(
            observation,
            "code",
            code="18",
            codeSystem=C.OID_OBSERVATION,
            displayName="historyAndConcurrentConditionText",
        )
        sub(observation, "value", _history_text(event), xsi_type="ED")  # D.7.2

    def _patient_observation(
        self, role: ET.Element, key: str, name: str, kind: str, **value: str
    ) -> None:
        observation = sub(sub(role, "subjectOf2", typeCode="SBJ"), "observation", **_OBSERVATION)
        sub(observation, "code", code=key, displayName=name, codeSystem=C.OID_OBSERVATION)
        sub(observation, "value", xsi_type=kind, **value)

    def _reaction(self, role: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
        """E.i: the event as one reaction."""
        reaction = sub(sub(role, "subjectOf2", typeCode="SBJ"), "observation", **_OBSERVATION)
        sub(reaction, "id", root=stable_uuid("reaction", event.pk))
        sub(reaction, "code", code="29", codeSystem=C.OID_OBSERVATION, displayName="reaction")
        _period(reaction, event.onset_at, event.resolved_at, zone)  # E.i.4, E.i.5
        term: dict[str, Any] = {"codeSystem": C.OID_MEDDRA}
        if event.term.meddra_code and self.sender.meddra_version:
            term.update(code=event.term.meddra_code, codeSystemVersion=self.sender.meddra_version)
        value = sub(reaction, "value", xsi_type="CE", **term)  # E.i.2.1a, E.i.2.1b
        sub(value, "originalText", event.term_label[:250], language="eng")  # E.i.1.1a, b
        place = sub(
            sub(sub(reaction, "location", typeCode="LOC"), "locatedEntity", classCode="LOCE"),
            "locatedPlace",
            classCode="COUNTRY",
            determinerCode="INSTANCE",
        )
        sub(place, "code", code=self.sender.country, codeSystem=C.OID_COUNTRY)  # E.i.9
        for field, code, name in C.SERIOUSNESS_CODES:  # E.i.3.2a-f
            flag = {"value": "true"} if getattr(event, field) else {"nullFlavor": "NI"}
            self._reaction_observation(reaction, code, C.OID_OBSERVATION, name, "BL", **flag)
        self._reaction_observation(
            reaction,
            "7",
            C.OID_FDA_REQUIRED_INTERVENTION,
            "requiredIntervention",
            "BL",
            nullFlavor="NI",
        )  # FDA.E.i.3.2h: not recorded
        code, display = C.OUTCOME_CODES[event.outcome]
        self._reaction_observation(
            reaction,
            "27",
            C.OID_OBSERVATION,
            "outcome",
            "CE",
            code=code,
            displayName=display,
            codeSystem=C.OID_OUTCOME,
        )  # E.i.7

    def _reaction_observation(
        self, reaction: ET.Element, key: str, system: str, name: str, kind: str, **value: str
    ) -> None:
        observation = sub(
            sub(reaction, "outboundRelationship2", typeCode="PERT"), "observation", **_OBSERVATION
        )
        sub(observation, "code", code=key, codeSystem=system, displayName=name)
        sub(observation, "value", xsi_type=kind, **value)

    def _drug(self, role: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
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
        self._dosage(drug, event, zone)
        self._drug_information(drug, event)

    def _dosage(self, drug: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
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
            f"{session.dose_mg_per_kg:g} mg/kg ({session.total_dose_mg:g} mg) "
            f"{route_name.lower()} infusion, session {session.sequence_number} of the course{lot}"
        )
        sub(dosage, "text", dosage_text)  # G.k.4.r.8
        if session.started_at:
            _period(dosage, session.started_at, session.ended_at, zone)  # G.k.4.r.4, G.k.4.r.5
        route_code = C.ROUTE_CODES[session.route]
        route = (
            sub(dosage, "routeCode", code=route_code, codeSystem=C.OID_NCI)
            if route_code
            else sub(dosage, "routeCode")
        )
        sub(route, "originalText", route_name)  # G.k.4.r.10.1
        sub(dosage, "doseQuantity", value=f"{session.total_dose_mg:g}", unit="mg")  # G.k.4.r.1a, b
        if session.lot_number and len(session.lot_number) <= 35:
            instance = sub(
                sub(sub(dosage, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
                "productInstanceInstance",
                classCode="MMAT",
                determinerCode="INSTANCE",
            )
            sub(instance, "lotNumberText", session.lot_number)  # G.k.4.r.7

    def _drug_information(self, drug: ET.Element, event: AdverseEvent) -> None:
        if event.action_taken in C.ACTIONS_NEEDING_DETAIL:
            detail = sub(
                sub(drug, "outboundRelationship2", typeCode="REFR"), "observation", **_OBSERVATION
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
            sub(drug, "inboundRelationship", typeCode="RSON"), "observation", **_OBSERVATION
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

    def _drug_role_and_causality(self, assessment: ET.Element, event: AdverseEvent) -> None:
        drug_id = stable_uuid("drug", event.session_id)
        role = sub(
            sub(assessment, "component", typeCode="COMP"), "causalityAssessment", **_OBSERVATION
        )
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
            sub(assessment, "component", typeCode="COMP"), "causalityAssessment", **_OBSERVATION
        )
        sub(causality, "code", code="39", codeSystem=C.OID_OBSERVATION, displayName="causality")
        sub(
            causality, "value", C.CAUSALITY_RESULTS[event.causality], xsi_type="ST"
        )  # G.k.9.i.2.r.3
        sub(sub(causality, "methodCode"), "originalText", C.CAUSALITY_METHOD)  # G.k.9.i.2.r.2
        author = sub(
            sub(causality, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED"
        )
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

    def _sender_comment(self, assessment: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
        comment = sender_comment(event, zone)
        if not comment:
            return
        observation = sub(
            sub(assessment, "component1", typeCode="COMP"), "observationEvent", **_OBSERVATION
        )
        sub(observation, "code", code="10", codeSystem=C.OID_OBSERVATION, displayName="comment")
        sub(observation, "value", comment, xsi_type="ED")  # H.4
        author = sub(
            sub(observation, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED"
        )
        sub(author, "code", code="1", codeSystem=C.OID_AUTHOR_ROLE, displayName="sender")


def _period(parent: ET.Element, start: datetime, end: datetime | None, zone: tzinfo) -> None:
    """A start alone as an interval (IVL_TS low); a start and an end as one component of a
    set expression (SXPR_TS), where FDA's table looks for an end."""
    if end is None:
        sub(sub(parent, "effectiveTime", xsi_type="IVL_TS"), "low", value=ts(start, zone))
        return
    period = sub(sub(parent, "effectiveTime", xsi_type="SXPR_TS"), "comp", xsi_type="IVL_TS")
    sub(period, "low", value=ts(start, zone))
    sub(period, "high", value=ts(end, zone))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _history_text(event: AdverseEvent) -> str:
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


_DEVICE = {"classCode": "DEV", "determinerCode": "INSTANCE"}
_INVESTIGATION = {"classCode": "INVSTG", "moodCode": "EVN"}
_OBSERVATION = {"classCode": "OBS", "moodCode": "EVN"}
_CONTROL = {"classCode": "CACT", "moodCode": "EVN"}
_PERSON = {"classCode": "PSN", "determinerCode": "INSTANCE"}
_ORGANISATION = {"classCode": "ORG", "determinerCode": "INSTANCE"}
_ADDRESS_PARTS = (
    ("streetAddressLine", "street"),
    ("city", "city"),
    ("state", "state"),
    ("postalCode", "postcode"),
)
