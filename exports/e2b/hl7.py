"""HL7 v3 building blocks of the E2B(R3) messages: elements in the HL7 namespace, points in
time, stable identifiers, and the class codes the messages repeat."""

import uuid
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from xml.etree import ElementTree as ET

from exports.e2b import codes as C

ET.register_namespace("", C.HL7_NAMESPACE)
ET.register_namespace("xsi", C.XSI_NAMESPACE)

XSI_TYPE = f"{{{C.XSI_NAMESPACE}}}type"
SCHEMA_LOCATION = "urn:hl7-org:v3 MCCI_IN200100UV01.xsd"
_NAMESPACE = uuid.UUID("0b7f4d55-2f0e-4b7c-9a36-52c1e0d6a2b9")


def tag(name: str) -> str:
    return f"{{{C.HL7_NAMESPACE}}}{name}"


def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element in the HL7 namespace; `xsi_type` becomes `xsi:type`."""
    if "xsi_type" in attributes:
        attributes[XSI_TYPE] = attributes.pop("xsi_type")
    child = ET.SubElement(parent, tag(name), attributes)
    if text is not None:
        child.text = text
    return child


def ts(moment: datetime, zone: tzinfo = UTC) -> str:
    """An HL7 point in time to the second with its UTC offset: CCYYMMDDhhmmss+ZZzz."""
    return moment.astimezone(zone).strftime("%Y%m%d%H%M%S%z")


def stable_uuid(kind: str, pk: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{pk}"))


def period(parent: ET.Element, start: datetime, end: datetime | None, zone: tzinfo) -> None:
    """A start alone as an interval (IVL_TS low); a start and an end as one component of a
    set expression (SXPR_TS), where FDA's table looks for an end."""
    if end is None:
        sub(sub(parent, "effectiveTime", xsi_type="IVL_TS"), "low", value=ts(start, zone))
        return
    period = sub(sub(parent, "effectiveTime", xsi_type="SXPR_TS"), "comp", xsi_type="IVL_TS")
    sub(period, "low", value=ts(start, zone))
    sub(period, "high", value=ts(end, zone))


DEVICE = {"classCode": "DEV", "determinerCode": "INSTANCE"}
INVESTIGATION = {"classCode": "INVSTG", "moodCode": "EVN"}
OBSERVATION = {"classCode": "OBS", "moodCode": "EVN"}
CONTROL = {"classCode": "CACT", "moodCode": "EVN"}
PERSON = {"classCode": "PSN", "determinerCode": "INSTANCE"}
ORGANISATION = {"classCode": "ORG", "determinerCode": "INSTANCE"}
ADDRESS_PARTS = (
    ("streetAddressLine", "street"),
    ("city", "city"),
    ("state", "state"),
    ("postalCode", "postcode"),
)


def plain_number(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 0.500 -> "0.5", 35.00 -> "35"."""
    return f"{value.normalize():f}"
