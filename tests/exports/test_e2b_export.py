"""A signed-off event exports as an E2B(R3) ICSR (HL7 v3 XML in an MCCI_IN200100UV01 batch)
that passes the validator of FDA's data-element table, from the event page, the API and a
batch job; others are refused by role, site and review status."""

from xml.etree import ElementTree as ET

import pytest
from django.test import override_settings
from django.urls import reverse

from audit.models import AccessLog
from audit.services import audited_save
from events.models import EventTerm
from exports.models import ExportJob, ExportJobStatus, ExportKind
from tests.exports.e2b_validator import LOCATORS, E2bValidator, _contexts, _found
from tests.exports.helpers import body, exported

MEDDRA = override_settings(E2B_MEDDRA_VERSION="27.1")


def code_terms(actor) -> None:
    """What a clinic with a MedDRA licence does: record a code on every term (these numbers
    are placeholders of the right shape, not MedDRA's)."""
    for index, term in enumerate(EventTerm.objects.order_by("pk")):
        term.meddra_code = str(10_000_000 + index)
        audited_save(term, actor=actor, reason="MedDRA code recorded")


def values(document: bytes, number: str) -> list[str | None]:
    """What the validator's locator finds for an element, across the batch."""
    root = ET.fromstring(document)  # noqa: S314 (our own export)
    locator = LOCATORS[number]
    return [
        value if value is not None else f"nullFlavor:{node.get('nullFlavor')}"
        for name, context in _contexts(root)
        if name == locator.context
        for node, value in _found(context, locator)
    ]


@MEDDRA
def test_a_signed_off_event_is_an_icsr_that_passes_the_validator(client, director, dataset):
    code_terms(director)
    client.force_login(director)

    response = client.get(reverse("event-e2b", args=[dataset.e2.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert 'filename="safety-ledger-e2b-event-' in response["Content-Disposition"]
    document = response.content
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert E2bValidator().validate(document) == []
    e2 = dataset.e2
    expected = {
        "C.1.1": [f"US-SAFETYLEDGER-{e2.pk}"],
        "C.1.7": ["true"],  # serious and unexpected
        "FDA.C.1.7.1": ["1"],  # 15-day
        "C.2.r.4": ["3"],  # Alice, staff: other health professional
        "D.1": ["nullFlavor:MSK"],
        "D.2.2a": ["42"],  # onset in 2026, born 1984
        "D.2.3": ["5"],  # adult
        "E.i.1.1a": ["Hypertension"],
        "E.i.2.1a": ["27.1"],
        "E.i.3.2c": ["true"],  # hospitalisation
        "E.i.3.2a": ["nullFlavor:NI"],
        "E.i.4": ["20260105093000-0600"],  # onset in the site's time, with its offset
        "E.i.7": ["2"],  # recovering
        "G.k.1": ["1"],  # suspect
        "G.k.2.2": ["Ketamine hydrochloride"],
        "G.k.4.r.7": ["LOT-42"],
        "G.k.4.r.10.2b": ["C38276"],  # intravenous
        "G.k.8": ["1"],  # drug withdrawn
        "G.k.9.i.2.r.3": ["Possible"],
        "G.k.9.i.3.1a": ["30"],  # minutes from the start of the infusion
        "G.k.9.i.3.1b": ["min"],
    }
    assert {number: values(document, number) for number in expected} == expected
    (narrative,) = values(document, "H.1")
    assert narrative.startswith("Hypertension (CTCAE v5 grade 3), onset 2026-01-05 09:30")
    assert "<script>alert(1)</script> Labetalol given." in narrative  # text, escaped in XML
    assert b"<script>" not in document
    (comment,) = values(document, "H.4")
    assert comment.startswith("Reviewed and approved by Dana Director")


def test_without_meddra_codes_the_term_goes_as_text_and_only_the_codes_are_missing(
    client, director, dataset
):
    client.force_login(director)
    document = client.get(reverse("event-e2b", args=[dataset.e2.pk])).content

    findings = E2bValidator().validate(document)

    assert [str(finding) for finding in findings] == [
        "E.i.2.1a: Data value required for tag",
        "E.i.2.1b: Data value required for tag",
    ]
    assert values(document, "E.i.1.1a") == ["Hypertension"]
    assert values(document, "E.i.1.1b") == ["eng"]


def test_the_export_is_written_to_the_access_log(client, director, dataset):
    client.force_login(director)
    client.get(reverse("event-e2b", args=[dataset.e2.pk]))

    entry = AccessLog.objects.get(action="export")
    assert (entry.user, entry.object_type, entry.object_id) == (
        director,
        "events.adverseevent",
        str(dataset.e2.pk),
    )
    assert entry.detail["kind"] == "e2b_icsr" and entry.row_count == 1


def test_only_signed_off_events_export_and_only_to_readers_of_reports_at_their_sites(
    client, api_client, director, nurse, auditor, dataset
):
    client.force_login(director)
    assert client.get(reverse("event-e2b", args=[dataset.e1.pk])).status_code == 409
    assert client.get(reverse("event-e2b", args=[dataset.e5.pk])).status_code == 409  # voided
    assert client.get(reverse("event-e2b", args=[dataset.e7.pk])).status_code == 404  # south
    client.force_login(nurse)
    assert client.get(reverse("event-e2b", args=[dataset.e2.pk])).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("event-e2b", args=[dataset.e2.pk])).status_code == 200
    api_client.force_authenticate(director)
    refused = api_client.get(f"/api/v1/events/{dataset.e1.pk}/e2b/")
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Only a signed-off event exports as an E2B(R3) case report."
    }
    assert api_client.get(f"/api/v1/events/{dataset.e7.pk}/e2b/").status_code == 404
    api_client.force_authenticate(nurse)
    assert api_client.get(f"/api/v1/events/{dataset.e2.pk}/e2b/").status_code == 403
    assert not AccessLog.objects.filter(action="export", user=nurse).exists()


@MEDDRA
def test_the_api_returns_the_event_as_xml_and_documents_it(api_client, director, dataset):
    code_terms(director)
    api_client.force_authenticate(director)

    response = api_client.get(f"/api/v1/events/{dataset.e2.pk}/e2b/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert E2bValidator().validate(response.content) == []
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/events/{id}/e2b/"]["get"]
    assert "application/xml" in operation["responses"]["200"]["content"]
    assert {"403", "404", "409"} <= set(operation["responses"])
    assert "/api/v1/exports/e2b/" in schema["paths"]


def test_the_event_page_offers_the_e2b_download_for_a_signed_off_event_only(
    client, director, dataset
):
    client.force_login(director)
    link = reverse("event-e2b", args=[dataset.e2.pk])

    signed_off = client.get(reverse("event-detail", args=[dataset.e2.pk])).content.decode()
    submitted = client.get(reverse("event-detail", args=[dataset.e1.pk])).content.decode()

    assert f'href="{link}"' in signed_off and "E2B(R3) XML" in signed_off
    assert "E2B(R3) XML" not in submitted


@pytest.mark.parametrize("via", ["web", "api"])
@MEDDRA
def test_a_period_exports_its_signed_off_events_as_one_batch_through_a_job(
    client, api_client, director, dataset, django_capture_on_commit_callbacks, via
):
    code_terms(director)
    query = {"date_from": "2026-01-01", "date_to": "2026-01-31"}
    with django_capture_on_commit_callbacks(execute=True):
        if via == "web":
            client.force_login(director)
            response = exported(client, reverse("events-e2b"), query)
        else:
            api_client.force_authenticate(director)
            response = exported(api_client, "/api/v1/exports/e2b/", query)

    document = body(response)
    job = ExportJob.objects.get()
    assert (job.kind, job.status, job.row_count) == (ExportKind.E2B_BATCH, ExportJobStatus.DONE, 1)
    assert job.filters["review"] == "signed_off"
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert E2bValidator().validate(document) == []
    # e2 is the one signed-off event of January that the director's sites hold.
    assert values(document, "C.1.1") == [f"US-SAFETYLEDGER-{dataset.e2.pk}"]
    assert values(document, "N.1.2") == [f"job-{job.pk}"]
    entry = AccessLog.objects.get(action="export")
    assert entry.detail["kind"] == "e2b_batch" and entry.row_count == 1


def test_a_batch_job_can_be_created_by_kind_and_staff_cannot(
    api_client, director, nurse, dataset, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(director)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            "/api/v1/exports/jobs/", {"kind": "e2b_batch", "filters": {}}, format="json"
        )
    assert created.status_code == 202
    assert api_client.get(created["Location"]).json()["row_count"] == 1
    api_client.force_authenticate(nurse)
    assert api_client.get("/api/v1/exports/e2b/").status_code == 403
