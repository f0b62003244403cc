"""`manage.py rebuild_counted_events`: recompute the counted tables (sessions and events) from
the record."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from reporting.counted_events import counted_events_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the counted sessions and events the filtered safety summary reads, after rows "
        "were written without save() (the demo's bulk loader, a data migration). Saves "
        "keep it current on their own."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        count = counted_events_rebuild()
        elapsed = time.monotonic() - started
        self.stdout.write(f"Rebuilt {count:,} counted events in {elapsed:.1f} s.")
