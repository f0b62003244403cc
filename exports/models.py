"""Export jobs: exports whose size grows with the records, produced outside the request.

A job records who asked for what (kind and filters), how far it got, where the file is and
why it failed, if it did. Its status changes are audited saves like any other record.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from audit.models import AuditedModel, HistoryBase
from exports.e2b import E2B_MEDIA_TYPE
from exports.fhir import FHIR_MEDIA_TYPE
from exports.filenames import CSV, PDF, export_filename


class ExportKind(models.TextChoices):
    LISTING_CSV = "listing_csv", "Event line listing (CSV)"
    FHIR_BUNDLE = "fhir_bundle", "FHIR R4 AdverseEvent bundle (JSON)"
    AUDIT_LOG_CSV = "audit_log_csv", "Audit log (CSV)"
    AUDIT_LOG_PDF = "audit_log_pdf", "Audit log (PDF)"
    E2B_BATCH = "e2b_batch", "E2B(R3) ICSR batch of signed-off events (XML)"
    SCORES_CSV = "scores_csv", "Outcome scores listing (CSV)"
    SCORES_FHIR = "scores_fhir", "FHIR R4 outcome scores bundle (JSON)"
    BENEFIT_RISK_CSV = "benefit_risk_csv", "Benefit and risk by protocol (CSV)"
    BENEFIT_RISK_BY_SITE = "benefit_risk_by_site", "Benefit and risk by protocol and site (CSV)"


JOB_FILES = {
    ExportKind.LISTING_CSV: ("events", "csv", CSV),
    ExportKind.FHIR_BUNDLE: ("adverse-events", "json", FHIR_MEDIA_TYPE),
    ExportKind.AUDIT_LOG_CSV: ("audit-log", "csv", CSV),
    ExportKind.AUDIT_LOG_PDF: ("audit-log", "pdf", PDF),
    ExportKind.E2B_BATCH: ("e2b-icsr", "xml", E2B_MEDIA_TYPE),
    ExportKind.SCORES_CSV: ("scores", "csv", CSV),
    ExportKind.SCORES_FHIR: ("scores-fhir", "json", FHIR_MEDIA_TYPE),
    ExportKind.BENEFIT_RISK_CSV: ("benefit-risk", "csv", CSV),
    ExportKind.BENEFIT_RISK_BY_SITE: ("benefit-risk-by-site", "csv", CSV),
}


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ExportJob(AuditedModel):
    """One background export: produced as `requested_by` sees the record, stored under
    `settings.EXPORTS_DIR`, downloadable by the requester and by directors who can see every
    site the file may contain (`site_ids`; empty list with `all_sites` for every site)."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    filters = models.JSONField(default=dict, blank=True)
    # Sites whose records the file may contain, fixed when the job is requested.
    site_ids = models.JSONField(default=list, blank=True)
    all_sites = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ExportJobStatus.choices, default=ExportJobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    row_count = models.IntegerField(null=True, blank=True)
    expected_rows = models.IntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)  # relative to EXPORTS_DIR
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set on every status or progress save; a running job whose heartbeat stops is resumed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HistoryBase], cascade_delete_history=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="export_job_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportJobStatus.DONE, ExportJobStatus.FAILED)

    @property
    def file_type(self) -> tuple[str, str, str]:
        """What the file is called in its name, its extension and its content type."""
        return JOB_FILES[ExportKind(self.kind)]

    @property
    def download_name(self) -> str:
        subject, extension, _ = self.file_type
        return export_filename(f"{subject}-{self.pk}", extension, at=self.created_at)
