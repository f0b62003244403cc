"""Run the queued export jobs now (and queue again those a stopped worker left running)."""

from django.core.management.base import BaseCommand

from exports.services import export_jobs_drain


class Command(BaseCommand):
    help = "Run every queued export job, oldest first, then exit."

    def handle(self, *args, **options):
        jobs = export_jobs_drain()
        self.stdout.write(f"Ran {len(jobs)} export job(s).")
