"""The export service, each function named and called on its own (the web and API views are
thin callers of these): what each returns, and the access-log row or job it leaves."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from audit.models import AccessAction, AccessLog
from exports.models import ExportJob, ExportJobStatus, ExportKind
from exports.selectors import can_download
from exports.services import (
    audit_log_export,
    audit_trail_export,
    case_report_export,
    event_fhir_export,
    export_job_download,
    export_job_request,
    export_job_run,
    export_jobs_resume,
    fhir_bundle_export,
    listing_csv_export,
    summary_pdf_export,
    summary_table_export,
)
from reporting.filters import ReportFilters
from tests.audit_helpers import assert_audited

pytestmark = pytest.mark.usefixtures("_manual_runner")


@pytest.fixture
def _manual_runner():
    with override_settings(EXPORT_JOB_RUNNER="manual"):
        yield


def _filters(user, **query):
    return ReportFilters.from_query(query, user=user)


def _export_row() -> AccessLog:
    return AccessLog.objects.filter(action=AccessAction.EXPORT).latest("pk")


@pytest.mark.parametrize(
    ("service", "kind"),
    [(listing_csv_export, ExportKind.LISTING_CSV), (fhir_bundle_export, ExportKind.FHIR_BUNDLE)],
    ids=["listing_csv_export", "fhir_bundle_export"],
)
def test_a_listing_export_is_a_queued_job_of_the_sites_the_director_sees(
    director, north, dataset, service, kind
):
    job = service(actor=director, filters=_filters(director), request=None)

    assert (job.kind, job.status, job.requested_by) == (kind, ExportJobStatus.QUEUED, director)
    assert job.site_ids == [north.pk] and not job.all_sites
    assert_audited(job, actor=director, reason="Export requested")


def test_the_summary_pdf_is_a_pdf_and_logged_as_an_export(director, dataset):
    exported = summary_pdf_export(actor=director, filters=_filters(director), request=None)

    assert exported.content.startswith(b"%PDF")
    assert exported.filename.endswith(".pdf") and exported.content_type == "application/pdf"
    row = _export_row()
    assert (row.user, row.object_type, row.row_count) == (director, "reporting.safety_summary", 4)
    assert row.detail["kind"] == "safety_summary_pdf"


def test_a_summary_table_is_a_csv_and_an_unknown_table_a_404(director, dataset):
    exported = summary_table_export(
        actor=director, filters=_filters(director), request=None, table="key_figures"
    )
    assert exported.filename.endswith(".csv") and len(exported.content.splitlines()) > 1
    assert _export_row().detail["kind"] == "summary_table_csv:key_figures"
    with pytest.raises(Http404):
        summary_table_export(
            actor=director, filters=_filters(director), request=None, table="nonsense"
        )


def test_a_case_report_is_one_events_pdf_logged_against_that_event(director, dataset):
    exported = case_report_export(actor=director, event=dataset.e2, request=None)

    assert exported.content.startswith(b"%PDF")
    assert f"event-{dataset.e2.pk}" in exported.filename
    row = _export_row()
    assert (row.object_type, row.object_id) == ("events.adverseevent", str(dataset.e2.pk))


def test_one_events_fhir_bundle_holds_that_event(director, dataset):
    exported = event_fhir_export(actor=director, event=dataset.e1, request=None)

    bundle = json.loads(exported.content)
    assert bundle["resourceType"] == "Bundle"
    assert _export_row().detail["kind"] == "fhir_bundle"


@pytest.mark.parametrize(("fmt", "magic"), [("csv", b""), ("pdf", b"%PDF")])
def test_a_record_trail_exports_as_csv_or_pdf_and_another_format_is_a_404(
    auditor, dataset, fmt, magic
):
    exported = audit_trail_export(
        actor=auditor, label="events.adverseevent", pk=dataset.e1.pk, fmt=fmt, request=None
    )

    assert exported.content.startswith(magic) and exported.filename.endswith(f".{fmt}")
    assert _export_row().detail["kind"] == f"audit_trail_{fmt}"
    with pytest.raises(Http404):
        audit_trail_export(
            actor=auditor, label="events.adverseevent", pk=dataset.e1.pk, fmt="xls", request=None
        )


def test_the_audit_log_export_is_a_job_and_an_unknown_filter_is_refused_by_name(auditor):
    job = audit_log_export(actor=auditor, query={"user": "alice"}, fmt="csv", request=None)
    assert (job.kind, job.filters) == (ExportKind.AUDIT_LOG_CSV, {"username": "alice"})

    with pytest.raises(ValidationError) as refused:
        audit_log_export(actor=auditor, query={"colour": "red"}, fmt="pdf", request=None)
    assert "colour" in refused.value.message_dict


def test_a_job_requested_with_plain_filters_keeps_them_and_is_its_requesters_alone(
    auditor, director
):
    job = export_job_request(actor=auditor, kind=ExportKind.AUDIT_LOG_CSV, filters={"a": "1"})

    assert job.filters == {"a": "1"} and job.site_ids == [] and not job.all_sites
    assert can_download(auditor, job)
    assert not can_download(director, job)


def test_a_directors_job_can_be_downloaded_by_another_director_of_its_sites_only(
    director, other_site_nurse, dataset
):
    job = listing_csv_export(actor=director, filters=_filters(director), request=None)
    assert can_download(director, job)
    assert not can_download(other_site_nurse, job)


def test_a_download_before_the_file_exists_is_a_404_and_after_it_a_logged_view(director, dataset):
    job = listing_csv_export(actor=director, filters=_filters(director), request=None)
    with pytest.raises(Http404):
        export_job_download(actor=director, job=job, request=None)

    done = export_job_run(job.pk)
    exported = export_job_download(actor=director, job=done, request=None)

    with exported.content as stream:
        assert stream.read().count(b"\n") == 5  # a header and the four counted events
    row = AccessLog.objects.filter(action=AccessAction.VIEW).latest("pk")
    assert row.detail["download"] is True and row.object_id == str(job.pk)


def test_resuming_queues_again_only_the_jobs_whose_worker_stopped(director, dataset, settings):
    job = listing_csv_export(actor=director, filters=_filters(director), request=None)
    claimed_at = timezone.now()
    with time_machine.travel(claimed_at, tick=False):
        from exports.services.jobs import _claim

        _claim(job.pk)
    stale = timedelta(seconds=settings.EXPORT_JOB_STALE_SECONDS)

    with time_machine.travel(claimed_at + stale - timedelta(seconds=1), tick=False):
        assert export_jobs_resume() == []
    with time_machine.travel(claimed_at + stale + timedelta(seconds=1), tick=False):
        [resumed] = export_jobs_resume()

    assert resumed.pk == job.pk
    assert ExportJob.objects.get(pk=job.pk).status == ExportJobStatus.QUEUED
    assert job.history.latest("history_id").history_change_reason == (
        "Export interrupted; queued again"
    )
