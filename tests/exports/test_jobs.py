"""Export jobs: large exports run as jobs with audited status changes, a progress page, a
download for the requester and same-site directors, and a reason when they fail."""

import csv
import io
import re

from django.urls import reverse

from audit.models import AccessLog
from exports.models import ExportJob, ExportJobStatus, ExportKind
from exports.services import export_job_file
from tests.audit_helpers import assert_audited
from tests.exports.helpers import body, exported
from tests.factories import MembershipFactory, UserFactory


def request_listing_job(client, user, django_capture_on_commit_callbacks, **query):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("events-csv"), query)
    assert response.status_code == 302
    return ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_a_listing_runs_as_a_job_and_is_downloaded(
    client, director, dataset, django_capture_on_commit_callbacks
):
    job = request_listing_job(client, director, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == (ExportJobStatus.DONE, 100, 4)
    assert job.kind == ExportKind.LISTING_CSV and job.expected_rows == 4
    row = assert_audited(job, actor=director, reason="Export finished")
    assert row.source == "task:export"
    assert [h.history_change_reason for h in job.history.order_by("history_id")] == [
        "Export requested",
        "Export started",
        "Export progress",  # after the one page of rows
        "Export finished",
    ]
    page = client.get(reverse("export-job", args=[job.pk]))
    assert b"Download" in page.content and b"4 rows" in page.content
    download = client.get(reverse("export-job-download", args=[job.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert sorted(int(r["event_id"]) for r in rows) == sorted(e.pk for e in dataset.counted_events)
    export = AccessLog.objects.get(action="export", object_type="exports.exportjob")
    assert export.user == director and export.row_count == 4
    assert export.detail["kind"] == "listing_csv" and export.detail["job_id"] == job.pk
    assert AccessLog.objects.filter(action="view", object_type="exports.exportjob").count() == 1


def test_a_running_job_page_polls_its_status_and_shows_progress(client, director, dataset):
    client.force_login(director)
    response = client.get(reverse("events-csv"))  # the commit callback never runs here
    job = ExportJob.objects.get()

    assert response["Location"] == reverse("export-job", args=[job.pk])
    status = client.get(reverse("export-job-status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 2s"' in status.content and b"Queued" in status.content
    assert client.get(reverse("export-job-download", args=[job.pk])).status_code == 404


def test_only_the_requester_and_directors_of_its_sites_see_a_job(
    client,
    director,
    auditor,
    other_site_nurse,
    dataset,
    north,
    django_capture_on_commit_callbacks,
):
    job = request_listing_job(client, director, django_capture_on_commit_callbacks)
    colleague = UserFactory(username="dr-north-2")
    MembershipFactory(user=colleague, site=north, role="medical_director")

    for user, expected in ((colleague, 200), (other_site_nurse, 404), (auditor, 404)):
        client.force_login(user)
        assert client.get(reverse("export-job-download", args=[job.pk])).status_code == expected


def test_an_auditors_job_over_every_site_is_theirs_alone(
    client, auditor, director, dataset, django_capture_on_commit_callbacks
):
    job = request_listing_job(client, auditor, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert job.all_sites and job.row_count == 5
    client.force_login(director)
    assert client.get(reverse("export-job", args=[job.pk])).status_code == 404


def test_a_fhir_bundle_runs_as_a_job(client, director, dataset, django_capture_on_commit_callbacks):
    import json

    from fhir.resources.R4B.bundle import Bundle

    client.force_login(director)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("events-fhir"))
    job = ExportJob.objects.get()

    assert job.status == ExportJobStatus.DONE and job.row_count == 4
    Bundle.model_validate(json.loads(export_job_file(job).read_bytes()))


def test_a_failed_job_says_why(
    client, director, dataset, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("exports.services.job_writers.listing_csv_chunks", broken)
    job = request_listing_job(client, director, django_capture_on_commit_callbacks)
    job.refresh_from_db()

    assert job.status == ExportJobStatus.FAILED
    assert job.error == "The export file could not be written (No space left on device)."
    assert_audited(job, actor=director, reason="Export failed")
    page = client.get(reverse("export-job", args=[job.pk]))
    assert b"The export failed: The export file could not be written" in page.content
    assert not AccessLog.objects.filter(action="export").exists()


def test_a_small_listing_is_a_job_too_with_one_export_row_and_one_download_row(
    client, director, dataset
):
    client.force_login(director)
    response = exported(client, reverse("events-csv"), {"serious": "false"})

    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="safety-ledger-events-\d+-\d{8}-\d{4}\.csv"',
        response["Content-Disposition"],
    )
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    assert len(rows) == 3
    (entry,) = AccessLog.objects.filter(action="export")
    job = ExportJob.objects.get()
    assert entry.row_count == 3 and entry.detail == {
        "view": "",
        "filters": {"serious": False},
        "kind": "listing_csv",
        "job_id": job.pk,
    }
    (download,) = AccessLog.objects.filter(action="view", object_type="exports.exportjob")
    assert download.detail["view"] == "export-job-download"
