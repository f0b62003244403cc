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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from django.conf import settings

from events.access import roles_at
from events.choices import EventStatus
from events.models import AdverseEvent
from exports.e2b import codes as C
from exports.e2b.clinical import add_drug, add_drug_role_and_causality, add_patient, add_reaction
from exports.e2b.hl7 import (
    ADDRESS_PARTS,
    CONTROL,
    DEVICE,
    INVESTIGATION,
    OBSERVATION,
    ORGANISATION,
    PERSON,
    SCHEMA_LOCATION,
    XSI_TYPE,
    sub,
    tag,
    ts,
)
from exports.e2b.narrative import case_narrative, sender_comment


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
            tag("MCCI_IN200100UV01"),
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
        root = ET.Element(tag("MCCI_IN200100UV01"))
        device = sub(sub(root, "receiver", typeCode="RCV"), "device", **DEVICE)
        sub(device, "id", root=C.OID_BATCH_RECEIVER, extension=self.sender.batch_receiver)
        device = sub(sub(root, "sender", typeCode="SND"), "device", **DEVICE)
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
        message = ET.Element(tag("PORR_IN049016UV"))
        # N.2.r.1 names this transmission: a later export of the same case is another message.
        message_id = f"{self.sender.identifier}-{event.pk}-{created[:14]}"
        sub(message, "id", root=C.OID_MESSAGE_ID, extension=message_id)
        sub(message, "creationTime", value=created)
        sub(message, "interactionId", root=C.OID_INTERACTION, extension="PORR_IN049016UV")
        sub(message, "processingCode", code="P")
        sub(message, "processingModeCode", code="T")
        sub(message, "acceptAckCode", code="AL")
        device = sub(sub(message, "receiver", typeCode="RCV"), "device", **DEVICE)
        sub(device, "id", root=C.OID_MESSAGE_RECEIVER, extension=self.sender.message_receiver)
        device = sub(sub(message, "sender", typeCode="SND"), "device", **DEVICE)
        sub(device, "id", root=C.OID_MESSAGE_SENDER, extension=self.sender.identifier)
        act = sub(message, "controlActProcess", classCode="CACT", moodCode="EVN")
        sub(act, "code", code="PORR_TE049016UV", codeSystem=C.OID_TRIGGER_EVENT)
        sub(act, "effectiveTime", value=created)  # C.1.2
        subject = sub(act, "subject", typeCode="SUBJ")
        self._investigation(sub(subject, "investigationEvent", **INVESTIGATION), event)
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
        add_patient(role, event)
        add_reaction(
            role,
            event,
            zone,
            country=self.sender.country,
            meddra_version=self.sender.meddra_version,
        )
        add_drug(role, event, zone)
        add_drug_role_and_causality(assessment, event)
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
            sub(case, "component", typeCode="COMP"), "observationEvent", **OBSERVATION
        )
        sub(observation, "code", code=code, codeSystem=system, displayName=name)
        return sub(observation, "value")

    def _case_observation(self, case: ET.Element, code: str, name: str, value: str) -> None:
        self._case_component(case, code, C.OID_OBSERVATION, name).attrib.update(
            {XSI_TYPE: "BL", "value": value}
        )

    def _characteristic(self, case: ET.Element, key: str, kind: str, **value: str) -> None:
        characteristic = sub(
            sub(case, "subjectOf2", typeCode="SUBJ"), "investigationCharacteristic", **OBSERVATION
        )
        sub(characteristic, "code", code=key, codeSystem=C.OID_CHARACTERISTIC)
        sub(characteristic, "value", xsi_type=kind, **value)

    def _related(self, case: ET.Element, code: str, name: str) -> ET.Element:
        """An outboundRelationship (first sender, primary source) down to its assignedEntity."""
        relation = sub(case, "outboundRelationship", typeCode="SPRT")
        if code == "2":
            sub(relation, "priorityNumber", value="1")  # C.2.r.5: primary for regulatory purposes
        investigation = sub(relation, "relatedInvestigation", **INVESTIGATION)
        sub(investigation, "code", code=code, codeSystem=C.OID_RELATED_REPORT, displayName=name)
        control = sub(
            sub(investigation, "subjectOf2", typeCode="SUBJ"), "controlActEvent", **CONTROL
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
        person = sub(entity, "assignedPerson", **PERSON)
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
        organisation = sub(entity, "representedOrganization", **ORGANISATION)
        inner = sub(
            sub(organisation, "assignedEntity", classCode="ASSIGNED"),
            "representedOrganization",
            **ORGANISATION,
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
        control = sub(sub(case, "subjectOf1", typeCode="SUBJ"), "controlActEvent", **CONTROL)
        entity = sub(sub(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
        sub(entity, "code", code=C.SENDER_TYPE_HEALTH_PROFESSIONAL, codeSystem=C.OID_SENDER_TYPE)
        address = sub(entity, "addr")
        for part, key in ADDRESS_PARTS:
            if details.get(key):
                sub(address, part, details[key])
        for scheme, key in (("tel", "telephone"), ("fax", "fax"), ("mailto", "email")):
            if details.get(key):
                sub(entity, "telecom", value=f"{scheme}:{details[key]}")
        person = sub(entity, "assignedPerson", **PERSON)
        name = sub(person, "name")
        for part, key in (("prefix", "title"), ("given", "given_name"), ("family", "family_name")):
            if details.get(key):
                sub(name, part, details[key])
        located = sub(person, "asLocatedEntity", classCode="LOCE")
        location = sub(located, "location", classCode="COUNTRY", determinerCode="INSTANCE")
        sub(location, "code", code=self.sender.country, codeSystem=C.OID_COUNTRY)  # C.3.4.5
        department = sub(entity, "representedOrganization", **ORGANISATION)
        if details.get("department"):
            sub(department, "name", details["department"])  # C.3.3.1
        organisation = sub(
            sub(department, "assignedEntity", classCode="ASSIGNED"),
            "representedOrganization",
            **ORGANISATION,
        )
        sub(organisation, "name", details.get("organisation") or event.site.name[:100])  # C.3.2

    # --- patient, reaction, drug -----------------------------------------------------------
    def _sender_comment(self, assessment: ET.Element, event: AdverseEvent, zone: tzinfo) -> None:
        comment = sender_comment(event, zone)
        if not comment:
            return
        observation = sub(
            sub(assessment, "component1", typeCode="COMP"), "observationEvent", **OBSERVATION
        )
        sub(observation, "code", code="10", codeSystem=C.OID_OBSERVATION, displayName="comment")
        sub(observation, "value", comment, xsi_type="ED")  # H.4
        author = sub(
            sub(observation, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED"
        )
        sub(author, "code", code="1", codeSystem=C.OID_AUTHOR_ROLE, displayName="sender")


def _bool(value: bool) -> str:
    return "true" if value else "false"
