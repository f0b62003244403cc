"""The E2B(R3) validator can fail: it reports a missing required element, a value outside
its code list, a value too long, an imprecise or future date and a foreign code system, each
by element number; it accepts FDA's own example instances; and its table is FDA's."""

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from audit.services import audited_save
from tests.exports import e2b_table
from tests.exports.e2b_validator import HL7, E2bValidator, select

NS = {"h": HL7}
CASE = "h:PORR_IN049016UV/h:controlActProcess/h:subject/h:investigationEvent"
REACTION = (
    "PORR_IN049016UV/controlActProcess/subject/investigationEvent/component/"
    "adverseEventAssessment/subject1/primaryRole/subjectOf2/observation{29}"
)
EXAMPLES = e2b_table.SOURCE.parent
needs_reference = pytest.mark.skipif(
    not EXAMPLES.is_dir(), reason="FDA's reference folder (shared/reference/e2b-r3) is absent"
)


@pytest.fixture
def exported_case(client, director, dataset) -> ET.Element:
    """e2's message, parsed, with a MedDRA code so that it starts out valid."""
    term = dataset.e2.term
    term.meddra_code = "10020772"
    audited_save(term, actor=director, reason="MedDRA code recorded")
    client.force_login(director)
    with override_settings(E2B_MEDDRA_VERSION="27.1"):
        content = client.get(reverse("event-e2b", args=[dataset.e2.pk])).content
    root = ET.fromstring(content)  # noqa: S314 (our own export)
    assert E2bValidator().validate(root) == []
    return root


def reported(root: ET.Element) -> list[str]:
    return [str(finding) for finding in E2bValidator().validate(root)]


def test_a_missing_required_element_is_reported_by_its_number(exported_case):
    case = exported_case.find(CASE, NS)
    case.remove(case.find("h:id[@root='2.16.840.1.113883.3.989.2.1.3.1']", NS))
    case.remove(case.find("h:text", NS))

    assert reported(exported_case) == [
        "C.1.1: Data value required for tag",
        "H.1: Data value required for tag",
    ]


def test_a_value_outside_its_code_list_is_reported(exported_case):
    (reaction,) = select(exported_case, REACTION)
    for observation in reaction.findall("h:outboundRelationship2/h:observation", NS):
        if observation.find("h:code", NS).get("code") == "27":
            observation.find("h:value", NS).set("code", "7")  # E.i.7 has 0-5
    exported_case.find("h:name", NS).set("code", "2")  # N.1.1: 1=ichicsr only

    assert reported(exported_case) == [
        "N.1.1: contains invalid value '2'",
        "E.i.7: contains invalid value '7'",
    ]


def test_a_value_too_long_is_reported(client, director, dataset):
    client.force_login(director)
    long_name = "Clinic " + "x" * 94  # C.3.2 holds 100 characters
    sender = {**settings.E2B_SENDER, "organisation": long_name}
    with override_settings(E2B_SENDER=sender):
        content = client.get(reverse("event-e2b", args=[dataset.e2.pk])).content

    assert "C.3.2: Maximum length exceeds (101 > 100)" in reported(ET.fromstring(content))  # noqa: S314


def test_imprecise_and_future_dates_a_disallowed_null_flavor_and_a_foreign_code_system(
    exported_case,
):
    exported_case.find("h:creationTime", NS).set("value", "202601051530")  # N.1.5 to seconds
    case = exported_case.find(CASE, NS)
    case.find("h:availabilityTime", NS).set("value", "209901011200+0000")
    player = case.find(
        "h:component/h:adverseEventAssessment/h:subject1/h:primaryRole/h:player1", NS
    )
    player.find("h:name", NS).set("nullFlavor", "NI")  # D.1 allows MSK, ASKU, NASK, UNK, NA
    (reaction,) = select(exported_case, REACTION)
    reaction.find("h:value", NS).set("codeSystem", "2.16.840.1.113883.6.96")  # SNOMED CT

    assert reported(exported_case) == [
        "N.1.5: does not contain full precision date",
        "C.1.5: contains Future date",
        "D.1: nullFlavor NI is not allowed",
        "E.i.2.1b: code system 2.16.840.1.113883.6.96 is not the table's",
    ]


def test_a_business_rule_tying_elements_together_is_reported(exported_case):
    exported_case.find("h:receiver/h:device/h:id", NS).set("extension", "ZZFDA")
    message = exported_case.find("h:PORR_IN049016UV", NS)
    message.find("h:receiver/h:device/h:id", NS).set("extension", "CBER")

    assert reported(exported_case) == ['N.2.r.3: R0006: N.1.4 = "ZZFDA" but N.2.r.3 is not "CDER"']


@needs_reference
@pytest.mark.parametrize("name", ["FAERS2022Scenario1.xml", "FAERS2022Scenario3.xml"])
def test_fda_example_instances_pass(name):
    document = (EXAMPLES / name).read_bytes()

    assert E2bValidator(now=datetime(2026, 1, 1, tzinfo=UTC)).validate(document) == []


@needs_reference
def test_the_checked_in_extract_is_fda_table():
    assert e2b_table.read_extract() == e2b_table.extract()
