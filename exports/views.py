"""Downloads of the safety reports: line listing CSV, summary PDF and table CSVs, FHIR
bundles, case reports, and the pages of export jobs.

Exports are for medical directors and auditors (`reporting.selectors.require_report_reader`),
over the sites they can see. Every download writes one access-log row (kind, filters, row
count). A listing over `settings.EXPORT_JOB_THRESHOLD` rows, and every FHIR bundle of a filtered
set (building and validating resources is slow even for a few thousand events), becomes an
export job: the browser is sent to the job's page at once, which shows its progress and then
its download link.
"""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import access_log_export
from events.selectors import adverse_event_get
from exports import selectors
from exports.case_report import case_report_pdf
from exports.csv_listing import listing_csv_chunks
from exports.fhir import FHIR_MEDIA_TYPE, adverse_event_bundle
from exports.jobs import export_job_download, export_job_request
from exports.models import ExportKind
from exports.summary_pdf import AGGREGATE_TABLES, aggregate_csv, safety_summary_pdf
from reporting.filters import InvalidFilters, ReportFilters
from reporting.selectors import require_report_reader, safety_summary

CSV = "text/csv; charset=utf-8"


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M")


def _report_filters(request) -> ReportFilters | HttpResponse:
    """The filters of the request, or a 400 response naming each unreadable parameter."""
    require_report_reader(request.user)
    try:
        return ReportFilters.from_query(request.GET, user=request.user)
    except InvalidFilters as error:
        return JsonResponse({"errors": error.errors}, status=400)


@login_required
@require_GET
def events_csv(request):
    """The event line listing as CSV, streamed (or as a job when it is large)."""
    filters = _report_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    count = selectors.listing_size(request.user, filters)
    if count > settings.EXPORT_JOB_THRESHOLD:
        job = export_job_request(
            actor=request.user, kind=ExportKind.LISTING_CSV, filters=filters, expected_rows=count
        )
        return redirect("export-job", pk=job.pk)
    access_log_export(
        user=request.user,
        kind="listing_csv",
        filters=filters.as_dict(),
        row_count=count,
        request=request,
        object_type="events.adverseevent",
    )
    chunks = listing_csv_chunks(request.user, filters)
    return _attachment(
        StreamingHttpResponse(chunks, content_type=CSV), f"safety-ledger-events-{_stamp()}.csv"
    )


@login_required
@require_GET
def summary_pdf(request):
    """The safety summary as PDF (aggregates and the serious events: always small)."""
    filters = _report_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    summary = safety_summary(request.user, filters)
    content = safety_summary_pdf(
        request.user,
        filters,
        summary,
        generated_at=timezone.now(),
        link_base=request.build_absolute_uri("/").rstrip("/"),
    )
    access_log_export(
        user=request.user,
        kind="safety_summary_pdf",
        filters=filters.as_dict(),
        row_count=summary.events,
        request=request,
        object_type="reporting.safety_summary",
    )
    response = HttpResponse(content, content_type="application/pdf")
    return _attachment(response, f"safety-summary-{_stamp()}.pdf")


@login_required
@require_GET
def summary_table_csv(request, name: str):
    """One table of the safety summary (key figures, by term, by month...) as CSV."""
    if name not in AGGREGATE_TABLES:
        raise Http404("No such table.")
    filters = _report_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    summary = safety_summary(request.user, filters)
    content = aggregate_csv(summary, name)
    access_log_export(
        user=request.user,
        kind=f"summary_table_csv:{name}",
        filters=filters.as_dict(),
        row_count=content.count(b"\n") - 1,
        request=request,
        object_type="reporting.safety_summary",
    )
    return _attachment(HttpResponse(content, content_type=CSV), f"safety-summary-{name}.csv")


@login_required
@require_GET
def events_fhir(request):
    """The filtered events as a FHIR R4 Bundle: always a job, so the page answers at once."""
    filters = _report_filters(request)
    if isinstance(filters, HttpResponse):
        return filters
    job = export_job_request(
        actor=request.user,
        kind=ExportKind.FHIR_BUNDLE,
        filters=filters,
        expected_rows=selectors.listing_size(request.user, filters),
    )
    return redirect("export-job", pk=job.pk)


@login_required
@require_GET
def event_case_report(request, pk: int):
    """One event's case report laid out like MedWatch 3500."""
    require_report_reader(request.user)
    event = adverse_event_get(request.user, pk)
    content = case_report_pdf(event, generated_by=request.user, generated_at=timezone.now())
    access_log_export(
        user=request.user,
        kind="case_report_pdf",
        row_count=1,
        request=request,
        object_type="events.adverseevent",
        object_id=event.pk,
        site_id=event.site_id,
    )
    response = HttpResponse(content, content_type="application/pdf")
    return _attachment(response, f"case-report-event-{event.pk}.pdf")


@login_required
@require_GET
def event_fhir(request, pk: int):
    """One event as a FHIR R4 Bundle."""
    require_report_reader(request.user)
    event = selectors.fhir_event_get(request.user, pk)
    bundle = adverse_event_bundle([event], generated_at=timezone.now())
    access_log_export(
        user=request.user,
        kind="fhir_bundle",
        row_count=1,
        request=request,
        object_type="events.adverseevent",
        object_id=event.pk,
        site_id=event.site_id,
    )
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False), content_type=FHIR_MEDIA_TYPE)
    return _attachment(response, f"adverse-event-{event.pk}.json")


@login_required
@require_GET
def job_detail(request, pk: int):
    job = selectors.export_job_get(request.user, pk)
    with timezone.override(selectors.export_job_zone(job)):
        return render(request, "exports/job_detail.html", {"job": job})


@login_required
@require_GET
def job_status(request, pk: int):
    """The job's status panel; HTMX polls it until the job is finished."""
    job = selectors.export_job_get(request.user, pk)
    with timezone.override(selectors.export_job_zone(job)):
        return render(request, "exports/_job_status.html", {"job": job})


@login_required
@require_GET
def job_download(request, pk: int):
    return export_job_download(request, selectors.export_job_get(request.user, pk))
