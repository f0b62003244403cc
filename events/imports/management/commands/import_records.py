"""`manage.py import_records FILE --site CODE --user NAME [--commit] [--map HEADER=COLUMN]`:
the web page's import from the command line, run in this process.

Without `--commit` it is a dry run: every row is checked and nothing is written. With it, a
dry run runs first, and the file is written only when that found no problem. `--report PATH`
writes the problems as CSV (row, column, value, message). Exit status 1 when the file was
refused or has problems.
"""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.imports.models import ImportJob, ImportStatus
from events.imports.reading import FileRefused
from events.imports.services import (
    import_job_commit,
    import_job_map,
    import_job_run,
    import_report_csv,
    import_upload,
)
from events.models import Site


class Command(BaseCommand):
    help = "Check (and with --commit, import) a CSV file of a clinic's history for one site."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--site", required=True, help="the site's code")
        parser.add_argument("--user", required=True, help="a medical director of the site")
        parser.add_argument("--commit", action="store_true", help="write the records")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=COLUMN",
            help="map a file header to a column (empty column: ignore it)",
        )
        parser.add_argument("--report", type=Path, help="write the problems here (CSV)")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(code=options["site"]).first()
        if site is None:
            raise CommandError(f"No site with the code {options['site']!r}.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        choices = dict(item.partition("=")[::2] for item in options["map"])
        path: Path = options["file"]
        try:
            job = import_upload(
                actor=user, site=site, content=path.read_bytes(), file_name=path.name
            )
            if job.status == ImportStatus.MAPPING:
                job = import_job_map(actor=user, job=job, choices=choices)
            job = self._run(job)
            self._summarise(job, options["report"])
            if options["commit"]:
                job = self._run(import_job_commit(actor=user, dry_run=job))
                self._summarise(job, options["report"])
        except (FileRefused, OSError, PermissionDenied) as error:
            raise CommandError(str(error) or "Only a medical director may import.") from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

    def _run(self, job: ImportJob) -> ImportJob:
        import_job_run(job.pk)
        job.refresh_from_db()
        return job

    def _summarise(self, job: ImportJob, report: Path | None) -> None:
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.error)
        result = job.result
        self.stdout.write(
            f"{job.get_mode_display()} #{job.pk}: {result['rows']} rows; new {result['new']}; "
            f"already on file {result['on_file']}; problems {result['problem_count']}"
        )
        if report is not None:
            Path(report).write_bytes(import_report_csv(job))
        if job.problem_count:
            for row, column, value, message in job.problems[:20]:
                self.stdout.write(f"  row {row} {column} {value!r}: {message}")
            raise CommandError(f"{job.problem_count} problems: nothing was written.")
