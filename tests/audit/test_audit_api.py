"""The read-only audit API: history, logs by cursor, verification status; refusals."""

import pytest

from audit.models import AccessLog, VerificationRun
from audit.services import verification_run_perform
from events.models import Patient
from events.services.patients import patient_update
from tests.factories import PatientFactory

ENDPOINTS = [
    "/api/v1/audit/log/",
    "/api/v1/audit/access/",
    "/api/v1/audit/verification/",
]


def history_url(obj) -> str:
    return f"/api/v1/audit/history/{obj._meta.label_lower}/{obj.pk}/"


def test_an_auditor_reads_a_records_history_with_changes(api_client, auditor, patient, nurse):
    patient_update(
        patient=patient, actor=nurse, data={"birth_year": 1985}, expected_version=1, reason="Typo"
    )
    api_client.force_authenticate(auditor)

    response = api_client.get(history_url(patient))

    assert response.status_code == 200
    body = response.json()
    assert body["site_timezone"] == "America/Chicago"
    latest = body["versions"][-1]
    assert (latest["version"], latest["user"], latest["reason"]) == (2, "alice", "Typo")
    assert {"field": "birth_year", "label": "birth year", "old": "1980", "new": "1985"} in latest[
        "changes"
    ]
    assert latest["at_site"].endswith("-06:00") or latest["at_site"].endswith("-05:00")


def test_the_log_pages_by_cursor_until_the_end(api_client, auditor, north, nurse):
    for number in range(3):
        PatientFactory(site=north, chart_number=f"P-{number}", actor=nurse)
    api_client.force_authenticate(auditor)

    seen, url = [], "/api/v1/audit/log/?model=events.patient&user=alice"
    while url:
        body = api_client.get(url).json()
        seen.extend(body["results"])
        url = body["next"]
        assert "offset" not in (url or "") and "count" not in body

    assert len(seen) == 3 and {e["record"] for e in seen} == {"events.patient"}


def test_the_log_pages_by_two_entries(api_client, auditor, north, nurse):
    for number in range(5):
        PatientFactory(site=north, chart_number=f"Q-{number}", actor=nurse)
    api_client.force_authenticate(auditor)

    first = api_client.get("/api/v1/audit/log/", {"model": "events.patient", "page_size": 2})
    second = api_client.get(first.json()["next"]).json()
    first = first.json()

    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {e["history_id"] for e in first["results"]} & {
        e["history_id"] for e in second["results"]
    }


def test_a_bad_cursor_or_filter_is_a_400(api_client, auditor):
    api_client.force_authenticate(auditor)
    assert api_client.get("/api/v1/audit/log/", {"cursor": "%%%"}).status_code == 400
    assert api_client.get("/api/v1/audit/log/", {"since": "yesterday"}).status_code == 400
    assert api_client.get("/api/v1/audit/access/", {"action": "hack"}).status_code == 400
    assert api_client.get("/api/v1/audit/log/", {"page_size": 0}).status_code == 400


def test_the_access_log_shows_who_viewed_what(api_client, auditor, patient):
    api_client.force_authenticate(auditor)
    api_client.get(history_url(patient))

    body = api_client.get("/api/v1/audit/access/", {"action": "view"}).json()

    assert body["results"][0]["object_type"] == "events.patient"
    assert body["results"][0]["object_id"] == str(patient.pk)


def test_verification_status_shows_the_last_run_and_heads(api_client, auditor, patient):
    verification_run_perform(user=auditor)
    api_client.force_authenticate(auditor)

    body = api_client.get("/api/v1/audit/verification/").json()

    assert body["last_run"]["is_intact"] is True
    tables = {head["table"] for head in body["heads"]}
    assert {"audit_accesslog", "events_historicalpatient"} <= tables
    chains = {table["table"] for table in body["last_run"]["tables"]}
    assert "events_historicalpatient" in chains and "events_patient" not in chains
    live = {table["table"]: table for table in body["last_run"]["live_tables"]}
    assert live["events_patient"]["status"] == "intact" and live["events_patient"]["rows"] == 1


@pytest.mark.parametrize("url", ENDPOINTS)
def test_staff_are_refused(api_client, nurse, url):
    api_client.force_authenticate(nurse)
    assert api_client.get(url).status_code == 403


def test_a_director_sees_only_their_sites_records(api_client, director, patient, south):
    elsewhere = PatientFactory(site=south, chart_number="S-9")
    api_client.force_authenticate(director)

    assert api_client.get(history_url(patient)).status_code == 200
    assert api_client.get(history_url(elsewhere)).status_code == 404
    entries = api_client.get("/api/v1/audit/log/", {"model": "events.patient"}).json()
    assert {e["record_id"] for e in entries["results"]} == {str(patient.pk)}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [*ENDPOINTS, "history"])
def test_every_write_method_is_refused(api_client, auditor, nurse, patient, method, url):
    url = history_url(patient) if url == "history" else url
    rows = (Patient.history.count(), AccessLog.objects.count(), VerificationRun.objects.count())
    for user, refused in ((auditor, 405), (nurse, 403)):
        api_client.force_authenticate(user)
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == refused, (user, response.status_code)
    assert (
        Patient.history.count(),
        AccessLog.objects.count(),
        VerificationRun.objects.count(),
    ) == rows


def test_anonymous_requests_are_refused(api_client):
    assert api_client.get("/api/v1/audit/log/").status_code in (401, 403)


def test_the_schema_documents_the_audit_api(api_client, auditor):
    api_client.force_authenticate(auditor)
    response = api_client.get("/api/schema/", {"format": "json"})
    paths = response.json()["paths"]
    assert "/api/v1/audit/log/" in paths and "get" in paths["/api/v1/audit/log/"]
    assert "post" not in paths["/api/v1/audit/log/"]
    assert "/api/v1/audit/history/{label}/{id}/" in paths
