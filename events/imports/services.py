"""Imports: a director uploads a file for a site, maps its columns if they are not the
template's, runs a dry run, then commits it.

A job runs outside the request (`import_job_run`, by a Celery task with a broker, a thread
in the web process without one, or inline by `manage.py import_records`). A commit writes the
whole file in one transaction, under the site's row lock, or nothing: a file with any problem
writes nothing, and a failure rolls everything back. Progress lives in the cache while a job
runs (the commit's own transaction cannot show it), and on the job at each status change.
"""

import csv
import hashlib
import io
import logging
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from audit.context import audit_context
from audit.services import Actor, audited_save
from events.access import DIRECTORS, require_role
from events.imports.models import ImportJob, ImportMode, ImportStatus
from events.imports.planning import FORMULA_PREFIXES, Plan, import_plan
from events.imports.reading import FileRefused, Mapping, read_csv
from events.imports.writing import plan_write
from events.models import Site

logger = logging.getLogger(__name__)

REPORT_COLUMNS = ("row", "column", "value", "message")
_PROGRESS_KEY = "imports:progress:{}"


def imports_dir() -> Path:
    path = Path(settings.IMPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def import_file_path(job: ImportJob) -> Path:
    return imports_dir() / f"{job.file_sha256}.csv"


def import_upload(*, actor: Actor, site: Site, content: bytes, file_name: str) -> ImportJob:
    """Check and keep the file, and start its dry run (or wait for its column mapping).
    FileRefused says why a file cannot be imported at all; nothing is kept then."""
    require_role(actor, site, *DIRECTORS)
    csv_file = read_csv(content)
    sha256 = hashlib.sha256(content).hexdigest()
    mapping = Mapping.guess(csv_file.headers)
    job = ImportJob(
        site=site,
        requested_by=actor,
        mode=ImportMode.DRY_RUN,
        file_name=Path(file_name).name[:200] or "import.csv",
        file_sha256=sha256,
        file_size=len(content),
        mapping=mapping.columns,
        status=ImportStatus.MAPPING if mapping.problems() else ImportStatus.QUEUED,
    )
    path = imports_dir() / f"{sha256}.csv"
    if not path.exists():
        path.write_bytes(content)
    with transaction.atomic():
        audited_save(job, actor=actor, reason=f"File {job.file_name} uploaded for import")
        if job.status == ImportStatus.QUEUED:
            _dispatch_on_commit(job)
    return job


def import_job_headers(job: ImportJob) -> tuple[str, ...]:
    return read_csv(import_file_path(job).read_bytes()).headers


def import_job_map(*, actor: Actor, job: ImportJob, choices: dict[str, str]) -> ImportJob:
    """Set the columns' mapping; a complete one starts the dry run."""
    require_role(actor, job.site_id, *DIRECTORS)
    if job.status != ImportStatus.MAPPING:
        raise ValidationError({"mapping": "This file's columns are already mapped."})
    mapping = Mapping.chosen(import_job_headers(job), choices)
    problems = mapping.problems()
    if problems:
        raise ValidationError({"mapping": problems})
    with transaction.atomic():
        job.mapping = mapping.columns
        job.status = ImportStatus.QUEUED
        job.version += 1
        audited_save(job, actor=actor, reason="Columns mapped")
        _dispatch_on_commit(job)
    return job


def import_job_commit(*, actor: Actor, dry_run: ImportJob) -> ImportJob:
    """Queue the import of a file whose dry run found no problem (it is checked again)."""
    require_role(actor, dry_run.site_id, *DIRECTORS)
    if dry_run.mode != ImportMode.DRY_RUN or not dry_run.passed:
        raise ValidationError({"status": "Only a dry run that found no problem can be imported."})
    job = ImportJob(
        site_id=dry_run.site_id,
        requested_by=actor,
        mode=ImportMode.COMMIT,
        file_name=dry_run.file_name,
        file_sha256=dry_run.file_sha256,
        file_size=dry_run.file_size,
        mapping=dry_run.mapping,
    )
    with transaction.atomic():
        audited_save(job, actor=actor, reason=f"Import of dry run #{dry_run.pk} requested")
        _dispatch_on_commit(job)
    return job


def _dispatch_on_commit(job: ImportJob) -> None:
    job_id = job.pk
    transaction.on_commit(lambda: _dispatch(job_id))


def _dispatch(job_id: int) -> None:
    runner = settings.IMPORT_JOB_RUNNER
    if runner == "celery":
        from events.imports.tasks import run_import_job

        run_import_job.delay(job_id)
    elif runner == "thread":
        threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True).start()


def _run_in_thread(job_id: int) -> None:
    try:
        import_job_run(job_id)
    finally:
        close_old_connections()


def import_job_run(job_id: int) -> ImportJob | None:
    """Run a queued job; None when another worker took it. Problems in the file are the
    job's result; an unexpected failure is recorded on the job and nothing is written."""
    job = _claim(job_id)
    if job is None:
        return None
    try:
        plan, written = _execute(job)
    except (FileRefused, OSError, PermissionDenied, ValidationError) as error:
        _finish(job, ImportStatus.FAILED, "Import failed", error=_message(error))
        return job
    except Exception as error:
        logger.exception("Import job %s failed", job.pk)
        _finish(job, ImportStatus.FAILED, "Import failed", error=f"Unexpected error: {error}")
        return job
    result = {
        "rows": plan.rows,
        "new": plan.new,
        "on_file": plan.on_file,
        "renumbered": len(plan.renumbered),
        "problem_count": plan.problem_count,
        "written": written,
    }
    problems = [[p.row, p.column, p.value, p.message] for p in plan.problems]
    reason = "Import written" if written else "Dry run finished"
    _finish(job, ImportStatus.DONE, reason, result=result, problems=problems)
    return job


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def _claim(job_id: int) -> ImportJob | None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportStatus.QUEUED:
            return None
        job.status = ImportStatus.RUNNING
        job.started_at = timezone.now()
        job.version += 1
        audited_save(job, actor=job.requested_by, reason="Import job started")
    return job


def _finish(job: ImportJob, status: str, reason: str, **changes: Any) -> None:
    with transaction.atomic():
        job.refresh_from_db()
        for name, value in changes.items():
            setattr(job, name, value)
        job.status = status
        job.progress = 100
        job.finished_at = timezone.now()
        job.version += 1
        audited_save(job, actor=job.requested_by, reason=reason)
    cache.delete(_PROGRESS_KEY.format(job.pk))


def _execute(job: ImportJob) -> tuple[Plan, bool]:
    """Plan the file (a dry run), or plan and write it in one transaction (a commit)."""
    actor = job.requested_by
    require_role(actor, job.site_id, *DIRECTORS)
    csv_file = read_csv(import_file_path(job).read_bytes())
    mapping = Mapping.chosen(csv_file.headers, job.mapping)
    lines = max(csv_file.text.count("\n"), 1)

    def progress(rows: int) -> None:
        _set_progress(job, min(90, 90 * rows // lines))

    with audit_context(f"import:{job.file_sha256}"):
        if job.mode == ImportMode.DRY_RUN:
            site = Site.objects.get(pk=job.site_id)
            return import_plan(
                site=site, actor=actor, csv_file=csv_file, mapping=mapping, progress=progress
            ), False
        with transaction.atomic():
            # One import per site at a time: a second one sees the first one's records.
            site = Site.objects.select_for_update().get(pk=job.site_id)
            plan = import_plan(
                site=site, actor=actor, csv_file=csv_file, mapping=mapping, progress=progress
            )
            if plan.problem_count:
                return plan, False
            _set_progress(job, 92)
            plan_write(plan, actor=actor, reason=f"Imported from {job.file_name}")
        return plan, True


def _set_progress(job: ImportJob, percent: int) -> None:
    cache.set(_PROGRESS_KEY.format(job.pk), percent, timeout=3600)


def import_job_progress(job: ImportJob) -> int:
    """How far a job got, in percent: the running job's latest step, else the stored one."""
    if job.status == ImportStatus.RUNNING:
        return int(cache.get(_PROGRESS_KEY.format(job.pk), job.progress))
    return job.progress


def import_report_csv(job: ImportJob) -> bytes:
    """The dry run's report (row, column, value, message) as CSV; text that a spreadsheet
    would run as a formula is quoted as text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in job.problems:
        writer.writerow([_guard(cell) for cell in row])
    return out.getvalue().encode("utf-8")


def _guard(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell
