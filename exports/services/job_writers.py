"""What the file of each kind of export job holds, written in chunks with progress
(`JOB_WRITERS`, used by `exports.services.jobs`)."""

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import IO, TYPE_CHECKING, Any

from django.utils import timezone

from audit import selectors as ledger
from audit.policy import ledger_policy
from events.choices import EventStatus
from exports import audit_trail
from exports.csv_listing import listing_csv_chunks, listing_row_count
from exports.e2b import e2b_event_queryset
from exports.e2b.builder import IcsrBuilder, Sender
from exports.fhir import bundle_entries, bundle_header, fhir_event_queryset
from exports.models import ExportJob, ExportKind
from reporting.filters import ReportFilters
from reporting.selectors import event_listing

if TYPE_CHECKING:
    from exports.services.jobs import ProgressRecorder

FHIR_PAGE = 500
# A PDF of more rows than this is unreadable and slow to lay out: it is printed as an extract,
# titled "first N of M entries", and the CSV of the same filters holds the rest.
LOG_PDF_ROW_LIMIT = 500
LOG_CSV_ROW_LIMIT = 200_000


def job_report_filters(job: ExportJob) -> ReportFilters:
    """`ReportFilters.as_dict()` back into query parameters for `ReportFilters.from_query`."""
    query: dict[str, Any] = {}
    for name, value in job.filters.items():
        parameter = ReportFilters.PARAMETERS[name]
        if isinstance(value, bool):
            value = "true" if value else "false"
        query[parameter] = [str(item) for item in value] if isinstance(value, list) else value
    return ReportFilters.from_query(query, user=job.requested_by)


def _write_listing_csv(out: IO[bytes], job: ExportJob, progress: "ProgressRecorder") -> None:
    filters = job_report_filters(job)
    progress.expect(listing_row_count(job.requested_by, filters))
    for chunk in listing_csv_chunks(job.requested_by, filters, on_progress=progress):
        out.write(chunk)


def _write_fhir_bundle(out: IO[bytes], job: ExportJob, progress: "ProgressRecorder") -> None:
    filters = job_report_filters(job)
    progress.expect(listing_row_count(job.requested_by, filters))
    events = fhir_event_queryset(event_listing(job.requested_by, filters).order_by("id"))
    entries = bundle_entries(events.iterator(chunk_size=FHIR_PAGE))
    write_fhir_bundle(out, entries, counted="AdverseEvent", progress=progress)


def write_fhir_bundle(
    out: IO[bytes], entries: Iterable[dict[str, Any]], *, counted: str, progress: "ProgressRecorder"
) -> None:
    """Stream a FHIR collection Bundle of `entries`; its rows (and progress) count the
    entries whose resource type is `counted`."""
    header = json.dumps(bundle_header(generated_at=timezone.now()))
    out.write(header[:-1].encode() + b', "entry": [')
    rows = 0
    for index, entry in enumerate(entries):
        out.write((b",\n" if index else b"\n") + json.dumps(entry).encode())
        if entry["resource"]["resourceType"] == counted:
            rows += 1
            if rows % FHIR_PAGE == 0:
                progress(rows)
    out.write(b"\n]}\n")
    progress.rows = rows


def _write_e2b_batch(out: IO[bytes], job: ExportJob, progress: "ProgressRecorder") -> None:
    filters = job_report_filters(job)
    events = event_listing(job.requested_by, filters).filter(status=EventStatus.SIGNED_OFF)
    progress.expect(events.count())
    builder = IcsrBuilder(sender=Sender.from_settings(), created_at=timezone.now())
    out.write(builder.batch_head(f"job-{job.pk}"))
    rows = 0
    for event in e2b_event_queryset(events.order_by("id")).iterator(chunk_size=FHIR_PAGE):
        out.write(builder.message_bytes(event))
        rows += 1
        if rows % FHIR_PAGE == 0:
            progress(rows)
    out.write(builder.batch_tail())
    progress.rows = rows


def _write_audit_log(out: IO[bytes], job: ExportJob, progress: "ProgressRecorder") -> None:
    actor = job.requested_by
    ledger.require_ledger_reader(actor)
    stored: dict[str, Any] = {
        name: date.fromisoformat(value) if name in ("since", "until") else value
        for name, value in job.filters.items()
    }
    filters = ledger.LogFilters(**stored)
    is_csv = job.kind == ExportKind.AUDIT_LOG_CSV
    limit = LOG_CSV_ROW_LIMIT if is_csv else LOG_PDF_ROW_LIMIT
    entries = ledger.audit_log_entries(actor, filters, limit=limit)
    zones = ledger_policy().site_timezones()
    if is_csv:
        out.write(audit_trail.frame_csv(audit_trail.log_frame(entries, zones=zones)))
    else:
        out.write(
            audit_trail.log_pdf(
                entries,
                total=ledger.audit_log_count(actor, filters),
                csv_limit=LOG_CSV_ROW_LIMIT,
                filters=filters.as_dict(),
                zones=zones,
                generated_by=actor.get_username(),
            )
        )
    progress.rows = len(entries)


JobWriter = Callable[[IO[bytes], ExportJob, "ProgressRecorder"], None]


def _outcome_writer(name: str) -> JobWriter:
    """A writer of `exports.outcome_jobs`, imported when a job first needs it. That module
    reads the outcome reports (pandas, scipy); imported at start-up, it loaded them, with
    weasyprint, into every process, doubling the memory of one that never needs them."""

    def write(out: IO[bytes], job: ExportJob, progress: "ProgressRecorder") -> None:
        from exports import outcome_jobs  # it imports this module: resolved when called

        writer: JobWriter = getattr(outcome_jobs, name)
        writer(out, job, progress)

    return write


JOB_WRITERS: dict[ExportKind, JobWriter] = {
    ExportKind.LISTING_CSV: _write_listing_csv,
    ExportKind.FHIR_BUNDLE: _write_fhir_bundle,
    ExportKind.AUDIT_LOG_CSV: _write_audit_log,
    ExportKind.AUDIT_LOG_PDF: _write_audit_log,
    ExportKind.E2B_BATCH: _write_e2b_batch,
    ExportKind.SCORES_CSV: _outcome_writer("write_scores_csv"),
    ExportKind.SCORES_FHIR: _outcome_writer("write_scores_fhir"),
    ExportKind.BENEFIT_RISK_CSV: _outcome_writer("write_benefit_risk"),
    ExportKind.BENEFIT_RISK_BY_SITE: _outcome_writer("write_benefit_risk"),
}
