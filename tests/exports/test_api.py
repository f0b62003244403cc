"""The exports API: the same files as the web, jobs to create, watch and download."""

import csv
import io

from audit.models import AccessLog
from exports.models import ExportJobStatus
from tests.exports.helpers import body, exported


def test_the_api_exports_the_listing_csv_for_a_director_through_a_job(
    api_client, director, dataset
):
    api_client.force_authenticate(director)
    response = exported(api_client, "/api/v1/exports/listing.csv", {"grade": "2"})

    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert sorted(int(r["event_id"]) for r in rows) == sorted([dataset.e3.pk, dataset.e4.pk])
    assert AccessLog.objects.get(action="export").row_count == 2


def test_the_api_refuses_bad_filters_and_staff(api_client, director, nurse, dataset):
    api_client.force_authenticate(director)
    assert api_client.get("/api/v1/exports/listing.csv", {"drug": "lsd"}).status_code == 400
    api_client.force_authenticate(nurse)
    assert api_client.get("/api/v1/exports/summary.pdf").status_code == 403


def test_a_job_is_created_watched_and_downloaded_through_the_api(
    api_client, director, other_site_nurse, dataset, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(director)
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            "/api/v1/exports/jobs/",
            {"kind": "listing_csv", "filters": {"serious": "true"}},
            format="json",
        )

    assert created.status_code == 202
    job = api_client.get(created["Location"]).json()
    assert job["status"] == ExportJobStatus.DONE and job["row_count"] == 1
    download = api_client.get(job["download_url"])
    assert download.status_code == 200
    assert str(dataset.e2.pk) in b"".join(download.streaming_content).decode()
    api_client.force_authenticate(other_site_nurse)
    assert api_client.get(created["Location"]).status_code == 404


def test_a_listing_of_any_size_answers_202_with_the_queued_job(api_client, director, dataset):
    api_client.force_authenticate(director)
    response = api_client.get("/api/v1/exports/fhir/")

    assert response.status_code == 202
    assert response.json()["kind"] == "fhir_bundle" and response["Location"].endswith("/")
    assert response.json()["status"] == ExportJobStatus.QUEUED


def test_the_export_endpoints_are_in_the_openapi_schema(api_client, director):
    api_client.force_authenticate(director)
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    for path in ("listing.csv", "summary.pdf", "fhir/", "jobs/", "jobs/{id}/download/"):
        assert f"/api/v1/exports/{path}" in schema["paths"]
