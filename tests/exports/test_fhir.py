"""FHIR R4 AdverseEvent bundles validate against the R4 models and carry the mapped codes."""

import json

from django.test import override_settings
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from audit.models import AccessLog
from exports.jobs import export_job_file
from exports.models import ExportJob, ExportJobStatus


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_one_event_is_a_valid_r4_bundle_with_seriousness_severity_outcome_and_causality(
    client, director, dataset
):
    client.force_login(director)
    response = client.get(reverse("event-fhir", args=[dataset.e2.pk]))
    bundle = json.loads(response.content)

    assert response["Content-Type"] == "application/fhir+json; fhirVersion=4.0"
    Bundle.model_validate(bundle)
    assert bundle["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/Bundle|4.0.1"]
    (event,) = resources(bundle, "AdverseEvent")
    (patient,) = resources(bundle, "Patient")
    (encounter,) = resources(bundle, "Encounter")
    assert event["actuality"] == "actual"
    assert event["seriousness"]["coding"][0]["code"] == "Serious"
    assert event["severity"]["coding"][0]["code"] == "severe"
    assert event["meta"]["profile"] == [
        "http://hl7.org/fhir/StructureDefinition/AdverseEvent|4.0.1"
    ]
    assert {
        "url": "https://safety-ledger.example.org/fhir/StructureDefinition/ctcae-grade",
        "valueInteger": 3,
    } in event["extension"]
    assert event["outcome"]["coding"][0]["code"] == "recovering"
    assert event["date"] == "2026-01-05T15:30:00+00:00"
    assert event["recorder"]["identifier"]["value"] == "alice"
    assert patient["identifier"][0]["value"] == "N-1001" and patient["birthDate"] == "1984"
    by_url = {entry["resource"]["resourceType"]: entry["fullUrl"] for entry in bundle["entry"]}
    assert event["subject"]["reference"] == by_url["Patient"]
    assert event["encounter"]["reference"] == by_url["Encounter"]
    assert encounter["status"] == "finished"
    (suspect,) = event["suspectEntity"]
    (causality,) = suspect["causality"]
    assert causality["assessment"]["coding"][0]["code"] == "Possible"
    assert causality["author"]["display"] == "Dana Director"
    assert "WHO-UMC" in causality["method"]["text"]
    contained = {resource["id"]: resource for resource in event["contained"]}
    assert contained["suspect-medication"]["code"]["coding"][0]["display"] == "ketamine"
    assert contained["suspect-administration"]["dosage"]["dose"]["value"] == 35.0


def test_extension_urls_live_under_the_configured_canonical_base(client, director, dataset):
    client.force_login(director)
    with override_settings(FHIR_CANONICAL_BASE="https://fhir.clinic.example/ig/"):
        bundle = json.loads(client.get(reverse("event-fhir", args=[dataset.e2.pk])).content)

    (event,) = resources(bundle, "AdverseEvent")
    assert {extension["url"] for extension in event["extension"]} == {
        "https://fhir.clinic.example/ig/StructureDefinition/ctcae-grade",
        "https://fhir.clinic.example/ig/StructureDefinition/infusion-session",
    }


def test_a_filtered_set_is_a_job_at_once_whose_file_is_one_bundle_with_each_patient_once(
    client, director, dataset, django_capture_on_commit_callbacks
):
    client.force_login(director)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(reverse("events-fhir"))
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "export-job", args=[job.pk]
    )
    assert job.status == ExportJobStatus.QUEUED and job.expected_rows == 4

    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ExportJobStatus.DONE
    bundle = json.loads(export_job_file(job).read_bytes())
    download = client.get(reverse("export-job-download", args=[job.pk]))
    assert download["Content-Type"] == "application/fhir+json; fhirVersion=4.0"

    Bundle.model_validate(bundle)
    events = resources(bundle, "AdverseEvent")
    assert sorted(int(e["id"]) for e in events) == sorted(e.pk for e in dataset.counted_events)
    assert len(resources(bundle, "Patient")) == 2
    outcomes = {int(e["id"]): e["outcome"]["coding"][0]["code"] for e in events}
    assert outcomes[dataset.e3.pk] == "ongoing" and outcomes[dataset.e1.pk] == "resolved"
    severities = {int(e["id"]): e["severity"]["coding"][0]["code"] for e in events}
    assert severities[dataset.e1.pk] == "mild" and severities[dataset.e4.pk] == "moderate"
    assert all(
        e["seriousness"]["coding"][0]["code"] == "Non-serious"
        for e in events
        if int(e["id"]) != dataset.e2.pk
    )
    entry = AccessLog.objects.filter(action="export").latest("id")
    assert entry.row_count == 4 and entry.detail["kind"] == "fhir_bundle"


def test_another_sites_event_and_a_voided_event_are_not_found(
    client, director, other_site_nurse, dataset
):
    client.force_login(director)
    assert client.get(reverse("event-fhir", args=[dataset.e7.pk])).status_code == 404
    assert client.get(reverse("event-fhir", args=[dataset.e5.pk])).status_code == 404
