"""FHIR R4 AdverseEvent bundles validate against the R4 models and carry the mapped codes."""

import json

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from audit.models import AccessLog
from tests.exports.helpers import body, exported


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_one_event_is_a_valid_r4_bundle_with_seriousness_severity_outcome_and_causality(
    client, director, dataset
):
    client.force_login(director)
    response = client.get(reverse("event-fhir", args=[dataset.e2.pk]))
    bundle = json.loads(response.content)

    assert response["Content-Type"] == "application/fhir+json"
    Bundle.model_validate(bundle)
    (event,) = resources(bundle, "AdverseEvent")
    (patient,) = resources(bundle, "Patient")
    (encounter,) = resources(bundle, "Encounter")
    assert event["actuality"] == "actual"
    assert event["seriousness"]["coding"][0]["code"] == "Serious"
    assert event["severity"]["coding"][0]["code"] == "severe"
    assert {"url": "urn:safety-ledger:fhir:StructureDefinition:ctcae-grade", "valueInteger": 3} in (
        event["extension"]
    )
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


def test_a_filtered_set_is_one_bundle_with_each_patient_once(client, director, dataset):
    client.force_login(director)
    bundle = json.loads(body(exported(client, reverse("events-fhir"))))

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
