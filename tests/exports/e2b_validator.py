"""Checks an E2B(R3) ICSR batch against FDA's data-element table (`e2b_table`), reporting
each finding by element number, in the words of FDA's generic rejection messages
(business-rules.csv): "Data value required for tag", "contains invalid value", "Maximum
length exceeds", "does not contain minimum precision", "contains Future date".

Where to find an element is given here (`LOCATORS`), read off the table's XPaths and FDA's
example instances (FAERS2022Scenario1.xml; where the two differ, as for the patient's race,
the instance is followed). What an element must hold comes from the table: conformance
(ICH, or FDA's postmarket route), maximum length, data type, allowed values and code lists,
allowed nullFlavors and code-system OIDs. A few of FDA's business rules that tie elements
together are checked by their error ids (`_business_rules`).
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from tests.exports import e2b_table

HL7 = "urn:hl7-org:v3"
NS = {"h": HL7}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
OBSERVATION_OID = "2.16.840.1.113883.3.989.2.1.1.19"
# Times that ICH wants to the second (ICH E2B(R3) IG, appendix II; FDA: "does not contain
# full precision date"); every other date needs at least CCYYMMDD.
FULL_PRECISION = {"N.1.5", "N.2.r.4", "C.1.2"}
TS = re.compile(r"^(\d{4,14})(\.\d+)?([+-]\d{4})?$")


@dataclass(frozen=True)
class Finding:
    element: str
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


@dataclass(frozen=True)
class Locator:
    """Where an element's value is: a context, a path from it (alternatives split by `|`;
    a step `name{CODE}` keeps the elements whose child `code` has that @code), and what
    holds the value (`@attribute`, `@attribute` after a URL scheme such as `mailto:`, or
    `text`)."""

    context: str
    path: str
    value: str = "text"
    scheme: str = ""


def _steps(node: ET.Element, path: str) -> list[ET.Element]:
    found = [node]
    for step in path.split("/"):
        code = None
        if "{" in step:
            step, code = step[:-1].split("{")
        nodes = []
        for parent in found:
            for child in parent.findall("h:" + step, NS):
                code_element = child.find("h:code", NS)
                if code is None or (code_element is not None and code_element.get("code") == code):
                    nodes.append(child)
        found = nodes
    return found


def select(node: ET.Element | None, path: str) -> list[ET.Element]:
    if node is None:
        return []
    for alternative in path.split("|"):
        found = _steps(node, alternative)
        if found:
            return found
    return []


_MESSAGE = "PORR_IN049016UV"
_CASE = "controlActProcess/subject/investigationEvent"
_PATIENT = "component/adverseEventAssessment/subject1/primaryRole"
_PERSON = "relatedInvestigation/subjectOf2/controlActEvent/author/assignedEntity"
_DOSAGE = "outboundRelationship2/substanceAdministration"


def _contexts(batch: ET.Element) -> Iterator[tuple[str, ET.Element | None]]:
    """(context name, element) for every context of the batch, in document order. A drug
    whose role (G.k.1) is missing yields `("drug_role", None)`, so the element is reported."""
    yield "batch", batch
    for message in batch.findall("h:" + _MESSAGE, NS):
        yield "message", message
        for case in select(message, _CASE):
            yield "case", case
            for relation in select(case, "outboundRelationship"):
                code = relation.find("h:relatedInvestigation/h:code", NS)
                if code is not None and code.get("code") == "2":
                    yield "source", relation
            for sender in select(case, "subjectOf1/controlActEvent/author/assignedEntity"):
                yield "sender", sender
            for patient in select(case, _PATIENT):
                yield "patient", patient
                for reaction in select(patient, "subjectOf2/observation{29}"):
                    yield "reaction", reaction
                roles = select(
                    case, "component/adverseEventAssessment/component/causalityAssessment{20}"
                )
                for drug in select(
                    patient, "subjectOf2/organizer{4}/component/substanceAdministration"
                ):
                    yield "drug", drug
                    drug_id = drug.find("h:id", NS)
                    matching = [
                        role
                        for role in roles
                        if drug_id is not None
                        and role.find("h:subject2/h:productUseReference/h:id", NS) is not None
                        and role.find("h:subject2/h:productUseReference/h:id", NS).get("root")
                        == drug_id.get("root")
                    ]
                    yield "drug_role", matching[0] if matching else None
            for causality in select(
                case, "component/adverseEventAssessment/component/causalityAssessment{39}"
            ):
                yield "causality", causality


LOCATORS: dict[str, Locator] = {
    "N.1.1": Locator("batch", "name", "@code"),
    "N.1.2": Locator("batch", "id", "@extension"),
    "N.1.3": Locator("batch", "sender/device/id", "@extension"),
    "N.1.4": Locator("batch", "receiver/device/id", "@extension"),
    "N.1.5": Locator("batch", "creationTime", "@value"),
    "N.2.r.1": Locator("message", "id", "@extension"),
    "N.2.r.2": Locator("message", "sender/device/id", "@extension"),
    "N.2.r.3": Locator("message", "receiver/device/id", "@extension"),
    "N.2.r.4": Locator("message", "creationTime", "@value"),
    "C.1.1": Locator("case", "id[@root='2.16.840.1.113883.3.989.2.1.3.1']", "@extension"),
    "C.1.2": Locator("message", "controlActProcess/effectiveTime", "@value"),
    "C.1.3": Locator("case", "subjectOf2/investigationCharacteristic{1}/value", "@code"),
    "C.1.4": Locator("case", "effectiveTime/low", "@value"),
    "C.1.5": Locator("case", "availabilityTime", "@value"),
    "C.1.6.1": Locator("case", "component/observationEvent{1}/value", "@value"),
    "C.1.7": Locator("case", "component/observationEvent{23}/value", "@value"),
    "FDA.C.1.7.1": Locator("case", "component/observationEvent{C54588}/value", "@code"),
    "C.1.8.1": Locator("case", "id[@root='2.16.840.1.113883.3.989.2.1.3.2']", "@extension"),
    "C.1.8.2": Locator(
        "case",
        "outboundRelationship/relatedInvestigation{1}/subjectOf2/controlActEvent/author/"
        "assignedEntity/code",
        "@code",
    ),
    "C.1.9.1": Locator("case", "subjectOf2/investigationCharacteristic{2}/value", "@value"),
    "FDA.C.1.12": Locator("case", "component/observationEvent{C156384}/value", "@value"),
    "C.2.r.1.2": Locator("source", f"{_PERSON}/assignedPerson/name/given"),
    "C.2.r.1.4": Locator("source", f"{_PERSON}/assignedPerson/name/family"),
    "C.2.r.2.1": Locator(
        "source", f"{_PERSON}/representedOrganization/assignedEntity/representedOrganization/name"
    ),
    "FDA.C.2.r.2.8": Locator("source", f"{_PERSON}/telecom", "@value", "mailto:"),
    "C.2.r.3": Locator(
        "source", f"{_PERSON}/assignedPerson/asLocatedEntity/location/code", "@code"
    ),
    "C.2.r.4": Locator("source", f"{_PERSON}/assignedPerson/asQualifiedEntity/code", "@code"),
    "C.2.r.5": Locator("source", "priorityNumber", "@value"),
    "C.3.1": Locator("sender", "code", "@code"),
    "C.3.2": Locator(
        "sender", "representedOrganization/assignedEntity/representedOrganization/name"
    ),
    "C.3.3.1": Locator("sender", "representedOrganization/name"),
    "C.3.3.2": Locator("sender", "assignedPerson/name/prefix"),
    "C.3.3.3": Locator("sender", "assignedPerson/name/given"),
    "C.3.3.5": Locator("sender", "assignedPerson/name/family"),
    "C.3.4.1": Locator("sender", "addr/streetAddressLine"),
    "C.3.4.2": Locator("sender", "addr/city"),
    "C.3.4.3": Locator("sender", "addr/state"),
    "C.3.4.4": Locator("sender", "addr/postalCode"),
    "C.3.4.5": Locator("sender", "assignedPerson/asLocatedEntity/location/code", "@code"),
    "C.3.4.6": Locator("sender", "telecom", "@value", "tel:"),
    "C.3.4.7": Locator("sender", "telecom", "@value", "fax:"),
    "C.3.4.8": Locator("sender", "telecom", "@value", "mailto:"),
    "D.1": Locator("patient", "player1/name"),
    "D.2.2a": Locator("patient", "subjectOf2/observation{3}/value", "@value"),
    "D.2.2b": Locator("patient", "subjectOf2/observation{3}/value", "@unit"),
    "D.2.3": Locator("patient", "subjectOf2/observation{4}/value", "@code"),
    "D.3": Locator("patient", "subjectOf2/observation{7}/value", "@value"),
    "D.5": Locator("patient", "player1/administrativeGenderCode", "@code"),
    "D.7.2": Locator("patient", "subjectOf2/organizer{1}/component/observation{18}/value"),
    "FDA.D.11.r.1": Locator("patient", "subjectOf2/observation{C17049}/value", "@code"),
    "FDA.D.12": Locator("patient", "subjectOf2/observation{C16564}/value", "@code"),
    "E.i.1.1a": Locator("reaction", "value/originalText"),
    "E.i.1.1b": Locator("reaction", "value/originalText", "@language"),
    "E.i.2.1a": Locator("reaction", "value", "@codeSystemVersion"),
    "E.i.2.1b": Locator("reaction", "value", "@code"),
    "E.i.3.2a": Locator("reaction", "outboundRelationship2/observation{34}/value", "@value"),
    "E.i.3.2b": Locator("reaction", "outboundRelationship2/observation{21}/value", "@value"),
    "E.i.3.2c": Locator("reaction", "outboundRelationship2/observation{33}/value", "@value"),
    "E.i.3.2d": Locator("reaction", "outboundRelationship2/observation{35}/value", "@value"),
    "E.i.3.2e": Locator("reaction", "outboundRelationship2/observation{12}/value", "@value"),
    "E.i.3.2f": Locator("reaction", "outboundRelationship2/observation{26}/value", "@value"),
    "FDA.E.i.3.2h": Locator("reaction", "outboundRelationship2/observation{7}/value", "@value"),
    "E.i.4": Locator("reaction", "effectiveTime/low|effectiveTime/comp/low", "@value"),
    "E.i.5": Locator("reaction", "effectiveTime/comp/high|effectiveTime/high", "@value"),
    "E.i.7": Locator("reaction", "outboundRelationship2/observation{27}/value", "@code"),
    "E.i.9": Locator("reaction", "location/locatedEntity/locatedPlace/code", "@code"),
    "G.k.1": Locator("drug_role", "value", "@code"),
    "G.k.2.2": Locator("drug", "consumable/instanceOfKind/kindOfProduct/name"),
    "G.k.2.3.r.1": Locator(
        "drug", "consumable/instanceOfKind/kindOfProduct/ingredient/ingredientSubstance/name"
    ),
    "G.k.4.r.1a": Locator("drug", f"{_DOSAGE}/doseQuantity", "@value"),
    "G.k.4.r.1b": Locator("drug", f"{_DOSAGE}/doseQuantity", "@unit"),
    "G.k.4.r.4": Locator(
        "drug", f"{_DOSAGE}/effectiveTime/comp/low|{_DOSAGE}/effectiveTime/low", "@value"
    ),
    "G.k.4.r.5": Locator(
        "drug", f"{_DOSAGE}/effectiveTime/comp/high|{_DOSAGE}/effectiveTime/high", "@value"
    ),
    "G.k.4.r.7": Locator(
        "drug", f"{_DOSAGE}/consumable/instanceOfKind/productInstanceInstance/lotNumberText"
    ),
    "G.k.4.r.8": Locator("drug", f"{_DOSAGE}/text"),
    "G.k.4.r.10.1": Locator("drug", f"{_DOSAGE}/routeCode/originalText"),
    "G.k.4.r.10.2b": Locator("drug", f"{_DOSAGE}/routeCode", "@code"),
    "G.k.7.r.1": Locator("drug", "inboundRelationship/observation{19}/value/originalText"),
    "G.k.8": Locator("drug", "inboundRelationship/act/code", "@code"),
    "G.k.9.i.3.1a": Locator("drug", "outboundRelationship1/pauseQuantity", "@value"),
    "G.k.9.i.3.1b": Locator("drug", "outboundRelationship1/pauseQuantity", "@unit"),
    "G.k.11": Locator("drug", "outboundRelationship2/observation{2}/value"),
    "G.k.9.i.2.r.1": Locator("causality", "author/assignedEntity/code/originalText"),
    "G.k.9.i.2.r.2": Locator("causality", "methodCode/originalText"),
    "G.k.9.i.2.r.3": Locator("causality", "value"),
    "H.1": Locator("case", "text"),
    "H.4": Locator(
        "case", "component/adverseEventAssessment/component1/observationEvent{10}/value"
    ),
}


def _value(node: ET.Element, locator: Locator) -> str | None:
    if locator.value == "text":
        return (node.text or "").strip() or None
    value = node.get(locator.value[1:])
    if value is not None and locator.scheme:
        return value[len(locator.scheme) :] if value.startswith(locator.scheme) else None
    return value


def _found(context: ET.Element | None, locator: Locator) -> list[tuple[ET.Element, str | None]]:
    """(element, value) for each element the locator finds; a telecom of another scheme is
    not this element, one with a nullFlavor stands for any scheme."""
    pairs = [(node, _value(node, locator)) for node in select(context, locator.path)]
    if locator.scheme:
        pairs = [
            (node, value) for node, value in pairs if value is not None or node.get("nullFlavor")
        ]
    return pairs


class E2bValidator:
    """Validates batches against the table; `validate` returns the findings, [] when valid."""

    def __init__(self, now: datetime | None = None):
        self.elements = e2b_table.load()
        self.now = now or datetime.now(UTC)
        unknown = set(LOCATORS) - set(self.elements)
        assert not unknown, f"Locators for elements the table does not define: {unknown}"

    def validate(self, document: bytes | ET.Element) -> list[Finding]:
        # Our own export, parsed in the test suite only.
        batch = ET.fromstring(document) if isinstance(document, bytes) else document  # noqa: S314
        if batch.tag != f"{{{HL7}}}MCCI_IN200100UV01":
            return [Finding("N.1", "the batch wrapper MCCI_IN200100UV01 is missing")]
        findings: list[Finding] = []
        # What each element holds (a value, or "nullFlavor:X"), for the business rules: the
        # batch's elements, then each message's.
        batch_values: dict[str, list[str]] = {}
        messages: list[dict[str, list[str]]] = []
        current = batch_values
        for context_name, context in _contexts(batch):
            if context_name == "message":
                current = {}
                messages.append(current)
            for number, locator in LOCATORS.items():
                if locator.context != context_name:
                    continue
                found = _found(context, locator)
                findings += self._check(self.elements[number], found)
                held = current.setdefault(number, [])
                for node, value in found:
                    if value is not None:
                        held.append(value)
                    elif node.get("nullFlavor"):
                        held.append(f"nullFlavor:{node.get('nullFlavor')}")
        for values in messages:
            findings += _business_rules({**batch_values, **values})
        return findings

    def _check(
        self, element: e2b_table.Element, found: list[tuple[ET.Element, str | None]]
    ) -> list[Finding]:
        number = element.number
        if not found or all(value is None and not node.get("nullFlavor") for node, value in found):
            return [Finding(number, "Data value required for tag")] if element.is_required else []
        findings = []
        for node, value in found:
            null_flavor = node.get("nullFlavor")
            if value is None:
                if null_flavor and null_flavor not in element.null_flavors:
                    findings.append(Finding(number, f"nullFlavor {null_flavor} is not allowed"))
                elif not null_flavor and element.is_required:
                    findings.append(Finding(number, "Data value required for tag"))
                continue
            findings += [
                Finding(number, message) for message in self._value_problems(element, value)
            ]
            # The table's OIDs name the code's system, and for most coded observations the
            # generic observation code list too; that one alone says nothing of the value.
            system = node.get("codeSystem")
            if system and element.oids - {OBSERVATION_OID} and system not in element.oids:
                findings.append(Finding(number, f"code system {system} is not the table's"))
        return findings

    def _value_problems(self, element: e2b_table.Element, value: str) -> Iterator[str]:
        if element.max_length is not None and len(value) > element.max_length:
            yield f"Maximum length exceeds ({len(value)} > {element.max_length})"
        if element.data_type == "Boolean":
            if value not in ("true", "false") or value not in element.values_allowed:
                yield f"contains invalid value {value!r}"
        elif element.data_type == "Date/Time":
            yield from self._date_problems(element.number, value)
        elif not _allowed(element, value):
            yield f"contains invalid value {value!r}"

    def _date_problems(self, number: str, value: str) -> Iterator[str]:
        match = TS.match(value)
        if not match or len(match.group(1)) % 2:
            yield f"contains invalid value {value!r} (date/time)"
            return
        digits = match.group(1)
        if number in FULL_PRECISION and len(digits) < 14:
            yield "does not contain full precision date"
        elif len(digits) < 8:
            yield "does not contain minimum precision of CCYYMMDD"
        if len(digits) >= 8:
            stamp = datetime.strptime(digits[:8], "%Y%m%d").replace(tzinfo=UTC)
            if stamp.date() > (self.now + timedelta(days=1)).date():
                yield "contains Future date"


def _allowed(element: e2b_table.Element, value: str) -> bool:
    """Whether the table allows the value: its code list, UCUM units, ISO country or
    language code, MedDRA version (N.N) or, for a numeric element, a number."""
    allowed = element.values_allowed
    if element.codes:
        return value in element.codes
    if element.ucum_units:
        return value in element.ucum_units
    if "ISO 3166" in allowed:
        return bool(re.fullmatch(r"[A-Z]{2}", value))
    if "ISO 639" in allowed:
        return bool(re.fullmatch(r"[a-z]{3}", value))
    if allowed == "N.N":
        return bool(re.fullmatch(r"\d+\.\d+", value))
    if element.data_type == "N":
        return bool(re.fullmatch(r"-?\d+(\.\d+)?", value))
    return True


def _business_rules(values: dict[str, list[str]]) -> list[Finding]:
    """FDA business rules that tie elements together (business-rules.csv, by error id)."""

    def first(number: str) -> str | None:
        return values.get(number, [None])[0] if values.get(number) else None

    rules: list[tuple[str, str, Callable[[], bool]]] = [
        (
            "N.1.4",
            "R0004: ICSR to the postmarket route does not have the value ZZFDA",
            lambda: first("N.1.4") in ("ZZFDA", "ZZFDA_PREMKT"),
        ),
        (
            "N.2.r.3",
            'R0006: N.1.4 = "ZZFDA" but N.2.r.3 is not "CDER"',
            lambda: first("N.1.4") != "ZZFDA" or first("N.2.r.3") == "CDER",
        ),
        (
            "N.2.r.2",
            "R0100: N.2.r.2 does not match N.1.3",
            lambda: first("N.2.r.2") == first("N.1.3"),
        ),
        (
            "FDA.C.1.7.1",
            "R0014: must be 1 when FDA.C.1.12 = false and C.1.7 = true",
            lambda: (
                not (first("C.1.7") == "true" and first("FDA.C.1.12") != "true")
                or first("FDA.C.1.7.1") == "1"
            ),
        ),
        (
            "FDA.C.1.7.1",
            "R0015: must be 2 when FDA.C.1.12 = false and C.1.7 = false",
            lambda: (
                not (first("C.1.7") != "true" and first("FDA.C.1.12") != "true")
                or first("FDA.C.1.7.1") == "2"
            ),
        ),
        (
            "C.2.r.5",
            "R0021: at least one reporter must be provided with C.2.r.5 = 1",
            lambda: "1" in values.get("C.2.r.5", []),
        ),
        (
            "C.2.r.3",
            "R0019: C.2.r.3 must be provided when C.2.r.5 = 1",
            lambda: "1" not in values.get("C.2.r.5", []) or bool(values.get("C.2.r.3")),
        ),
        (
            "C.2.r.4",
            "R0020: C.2.r.4 must be provided when C.2.r.5 = 1",
            lambda: "1" not in values.get("C.2.r.5", []) or bool(values.get("C.2.r.4")),
        ),
        (
            "C.3.2",
            "R0022: C.3.2 must be provided when C.3.1 is not 7",
            lambda: first("C.3.1") == "7" or bool(values.get("C.3.2")),
        ),
        (
            "D.2.2b",
            "R0030: D.2.2b must be provided when D.2.2a is provided",
            lambda: len(values.get("D.2.2a", [])) == len(values.get("D.2.2b", [])),
        ),
        (
            "E.i.1.1b",
            "R0058: E.i.1.1b must be provided when E.i.1.1a is provided",
            lambda: len(values.get("E.i.1.1a", [])) <= len(values.get("E.i.1.1b", [])),
        ),
        (
            "G.k.4.r.1b",
            "R0075: G.k.4.r.1b must be provided when G.k.4.r.1a is provided",
            lambda: len(values.get("G.k.4.r.1a", [])) <= len(values.get("G.k.4.r.1b", [])),
        ),
        (
            "G.k.9.i.3.1b",
            "R0089: G.k.9.i.3.1b must be provided when G.k.9.i.3.1a is provided",
            lambda: len(values.get("G.k.9.i.3.1a", [])) == len(values.get("G.k.9.i.3.1b", [])),
        ),
        (
            "G.k.1",
            'R0069: G.k.1 must be provided with 1, 3 or 4 when N.2.r.3 = "CDER"',
            lambda: (
                first("N.2.r.3") != "CDER" or bool({"1", "3", "4"} & set(values.get("G.k.1", [])))
            ),
        ),
        (
            "E.i",
            "at least one reaction / event is required",
            lambda: bool(values.get("E.i.7")) or bool(values.get("E.i.3.2a")),
        ),
    ]
    return [Finding(element, message) for element, message, holds in rules if not holds()]
