"""Import jobs: one file checked (a dry run) or written (a commit) outside the request.

A job records who imported what into which site, the file's sha256 (the history rows it
writes carry `import:<sha256>` as their source), how its headers map to the import's
columns, how far it got and what it found. Its status changes are audited saves.
"""

from django.conf import settings
from django.db import models

from audit.models import AuditedModel
from events.models import Site
from events.models.base import history


class ImportMode(models.TextChoices):
    DRY_RUN = "dry_run", "Dry run"
    COMMIT = "commit", "Import"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Columns to map"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(AuditedModel):
    """One run of one file for one site by a director."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=ImportMode.choices)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField()
    # File header -> import column ("" = read past), as chosen in the mapping step.
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    # rows, new and on_file counts per record, problem_count, written (see services).
    result = models.JSONField(default=dict, blank=True)
    # The first problems found: [row, column, value, message] (the report's lines).
    problems = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["site", "file_sha256"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="import_job_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} of {self.file_name} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def problem_count(self) -> int:
        return int(self.result.get("problem_count", 0))

    @property
    def passed(self) -> bool:
        """Done with no problem: a dry run that may be committed, or a commit that wrote."""
        return self.status == ImportStatus.DONE and self.problem_count == 0
