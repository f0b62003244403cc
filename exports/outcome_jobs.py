"""The outcome exports as export jobs: the scores listing (CSV), the scores as a FHIR R4
Bundle, and the benefit-risk table (CSV, across sites or split by site).

Their size grows with the record, so, like the event listing, each request answers at once
with an `ExportJob` and a worker writes the file (`exports.services.export_job_run`, which
also writes the access-log row when the file is done). `exports.services.JOB_WRITERS` names
the writers below and imports this module when a job first needs one.
"""

from __future__ import annotations

from typing import IO

from django.http import HttpRequest

from audit.services import Actor
from exports.fhir_measures import scores_bundle_entries
from exports.models import ExportJob, ExportKind
from exports.outcomes import benefit_risk_csv, frame_csv, scores_frame, scores_measures
from exports.services import export_job_request
from exports.services.job_writers import FHIR_PAGE, job_report_filters, write_fhir_bundle
from exports.services.jobs import ProgressRecorder
from reporting.benefit_risk import benefit_risk
from reporting.filters import ReportFilters
from reporting.selectors import require_report_reader


def scores_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The scores listing as CSV, as a job (directors and auditors)."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.SCORES_CSV, filters=filters)


def scores_fhir_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportJob:
    """The scores of the filtered sessions as one FHIR R4 Bundle, as a job."""
    require_report_reader(actor)
    return export_job_request(actor=actor, kind=ExportKind.SCORES_FHIR, filters=filters)


def benefit_risk_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None, by_site: bool = False
) -> ExportJob:
    """The benefit-risk table as CSV, as a job; `by_site` splits each protocol by site (a kind
    of its own, so the job's filters stay the report's filters)."""
    require_report_reader(actor)
    kind = ExportKind.BENEFIT_RISK_BY_SITE if by_site else ExportKind.BENEFIT_RISK_CSV
    return export_job_request(actor=actor, kind=kind, filters=filters)


# --- The writers, run by the worker as the requester ------------------------------------------


def write_scores_csv(out: IO[bytes], job: ExportJob, progress: ProgressRecorder) -> None:
    # The worker reads as the requester, who may have lost the role since asking.
    require_report_reader(job.requested_by)
    frame = scores_frame(job.requested_by, job_report_filters(job))
    out.write(frame_csv(frame))
    progress.rows = len(frame)


def write_scores_fhir(out: IO[bytes], job: ExportJob, progress: ProgressRecorder) -> None:
    require_report_reader(job.requested_by)
    measures = scores_measures(job.requested_by, job_report_filters(job))
    progress.expect(measures.count())
    selected = measures.select_related("session__patient__site")
    entries = scores_bundle_entries(selected.iterator(chunk_size=FHIR_PAGE))
    # One session's scores follow its Encounter: rows count the sets of measures.
    write_fhir_bundle(out, entries, counted="Encounter", progress=progress)


def write_benefit_risk(out: IO[bytes], job: ExportJob, progress: ProgressRecorder) -> None:
    require_report_reader(job.requested_by)
    by_site = job.kind == ExportKind.BENEFIT_RISK_BY_SITE
    result = benefit_risk(job.requested_by, job_report_filters(job), by_site=by_site)
    out.write(benefit_risk_csv(result))
    progress.rows = len(result.table)
