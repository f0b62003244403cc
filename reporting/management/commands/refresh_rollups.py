"""`manage.py refresh_rollups`: recompute the monthly rollups the safety summary reads."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting.rollups import rollups_refresh


class Command(BaseCommand):
    help = (
        "Recompute the monthly rollups of the safety summary that are marked stale or missing. "
        "Runs every few minutes from Celery beat; without a broker, run it from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Recompute every month of every site, e.g. after rows were loaded without "
            "save() (bulk_create), which marks nothing stale.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = rollups_refresh(every_partition=options["all"])
        elapsed = time.monotonic() - started
        self.stdout.write(f"Refreshed {count:,} monthly rollups in {elapsed:.1f} s.")
