"""Exports of the safety reports: the line listing, FHIR and E2B batches (as jobs), the
summary PDF and its tables, and one event's case report, FHIR bundle or E2B message."""

import dataclasses
import json
import secrets

from django.http import Http404, HttpRequest
from django.utils import timezone

from audit.services import Actor, access_log_export
from events.models import AdverseEvent
from exports.case_report import case_report_pdf
from exports.e2b import E2B_MEDIA_TYPE
from exports.e2b.builder import IcsrBuilder, Sender
from exports.fhir import FHIR_MEDIA_TYPE, adverse_event_bundle
from exports.filenames import CSV, PDF, ExportFile, export_filename
from exports.models import ExportJob, ExportKind
from exports.services.jobs import export_job_request
from exports.summary_pdf import AGGREGATE_TABLES, aggregate_csv, safety_summary_pdf
from reporting.filters import ReportFilters
from reporting.selectors import require_report_reader, safety_summary


def listing_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The event line listing as CSV, as a job."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.LISTING_CSV, filters=filters)


def fhir_bundle_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The filtered events as one FHIR R4 Bundle, as a job."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.FHIR_BUNDLE, filters=filters)


def summary_pdf_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportFile:
    """The safety summary as PDF: aggregates and at most 50 serious events, always small."""
    require_report_reader(actor)
    summary = safety_summary(actor, filters)
    content = safety_summary_pdf(
        actor,
        filters,
        summary,
        generated_at=timezone.now(),
        link_base=request.build_absolute_uri("/").rstrip("/") if request else "",
    )
    access_log_export(
        actor=actor,
        request=request,
        object_type="reporting.safety_summary",
        row_count=summary.events,
        filters=filters.as_dict(),
        extra={"kind": "safety_summary_pdf"},
    )
    return ExportFile(content, export_filename("summary", "pdf"), PDF)


def summary_table_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None, table: str
) -> ExportFile:
    """One table of the safety summary (key figures, by term, by month...) as CSV."""
    require_report_reader(actor)
    if table not in AGGREGATE_TABLES:
        raise Http404("No such table.")
    content = aggregate_csv(safety_summary(actor, filters), table)
    access_log_export(
        actor=actor,
        request=request,
        object_type="reporting.safety_summary",
        row_count=content.count(b"\n") - 1,
        filters=filters.as_dict(),
        extra={"kind": f"summary_table_csv:{table}"},
    )
    return ExportFile(content, export_filename(f"summary-{table}", "csv"), CSV)


def case_report_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One event's case report, laid out like MedWatch 3500 (`event` from a scoped selector)."""
    require_report_reader(actor)
    content = case_report_pdf(event, generated_by=actor, generated_at=timezone.now())
    access_log_export(
        actor=actor,
        request=request,
        record=event,
        row_count=1,
        extra={"kind": "case_report_pdf"},
    )
    return ExportFile(content, export_filename(f"case-report-event-{event.pk}", "pdf"), PDF)


def event_fhir_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One event as a FHIR R4 Bundle (`event` from `exports.selectors.fhir_event_get`)."""
    require_report_reader(actor)
    bundle = adverse_event_bundle([event], generated_at=timezone.now())
    access_log_export(
        actor=actor, request=request, record=event, row_count=1, extra={"kind": "fhir_bundle"}
    )
    content = json.dumps(bundle, ensure_ascii=False).encode()
    return ExportFile(
        content, export_filename(f"adverse-event-{event.pk}", "json"), FHIR_MEDIA_TYPE
    )


def event_e2b_export(
    *, actor: Actor, event: AdverseEvent, request: HttpRequest | None
) -> ExportFile:
    """One signed-off event as an E2B(R3) ICSR batch of one message (`event` from
    `exports.selectors.e2b_event_get`)."""
    require_report_reader(actor)
    builder = IcsrBuilder(sender=Sender.from_settings(), created_at=timezone.now())
    content = b"".join(
        builder.batch([event], batch_number=f"event-{event.pk}-{secrets.token_hex(4)}")
    )
    access_log_export(
        actor=actor, request=request, record=event, row_count=1, extra={"kind": "e2b_icsr"}
    )
    return ExportFile(content, export_filename(f"e2b-event-{event.pk}", "xml"), E2B_MEDIA_TYPE)


def e2b_batch_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The signed-off events the filters select (a period, sites...) as one E2B(R3) batch,
    as a job. Only signed-off events are reported, whatever review status was asked for."""
    require_report_reader(actor)
    filters = dataclasses.replace(filters, review="signed_off")
    return export_job_request(actor=actor, kind=ExportKind.E2B_BATCH, filters=filters)
