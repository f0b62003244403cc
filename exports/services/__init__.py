"""Every export, one function each: who may have it, what it holds, its file name, and its
access-log row. The web and API views only read the request and shape the answer.

An export whose size grows with the records (the event listing, the FHIR bundle, the audit
log) is always an `ExportJob`: the request answers at once, whatever the size, and a worker
writes the file (`exports.worker` in-process, or Celery with a broker; see `export_job_run`).
Exports of a bounded size (the safety summary, one of its tables, one event, one record's
trail) are returned as an `ExportFile` to send in the response.

One module per family: `reports` (the safety reports, one event), `ledger` (a record's trail,
the audit log), `jobs` (queueing, running and downloading jobs) and `job_writers` (what the
file of each kind of job holds). Import them from here.
"""

from exports.filenames import ExportFile
from exports.services.job_writers import JOB_WRITERS
from exports.services.jobs import (
    export_job_download,
    export_job_file,
    export_job_request,
    export_job_run,
    export_jobs_drain,
    export_jobs_resume,
)
from exports.services.ledger import audit_log_export, audit_trail_export
from exports.services.reports import (
    case_report_export,
    e2b_batch_export,
    event_e2b_export,
    event_fhir_export,
    fhir_bundle_export,
    listing_csv_export,
    summary_pdf_export,
    summary_table_export,
)

__all__ = [
    "JOB_WRITERS",
    "ExportFile",
    "audit_log_export",
    "audit_trail_export",
    "case_report_export",
    "e2b_batch_export",
    "event_e2b_export",
    "event_fhir_export",
    "export_job_download",
    "export_job_file",
    "export_job_request",
    "export_job_run",
    "export_jobs_drain",
    "export_jobs_resume",
    "fhir_bundle_export",
    "listing_csv_export",
    "summary_pdf_export",
    "summary_table_export",
]
