"""What the benchmark writers file (rows 7 and H4): one event per filing, at the chair.

A writer files into its site's sessions in turn, each onset a duplicate window past the one
before it in the same session, so every filing costs what a clinic's filing costs. Filing
one event into one session again and again would not: the session's counted rows are rebuilt
with each of its events, and the duplicate check reads every earlier copy, so the writers
would slow down as the copies piled up, and the first measurement would beat the last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

TERM = "headache"
SESSIONS_PER_WRITER = 400
FIRST_ONSET = timedelta(minutes=30)  # after the session's start


@dataclass(frozen=True)
class Slot:
    session: int
    started_at: datetime


def writer_slots(site_code: str) -> list[Slot]:
    """The sessions a writer at `site_code` files into: the site's earliest completed sessions
    with no `TERM` event on file, so no filing looks like a duplicate, and none from the last
    month, so a month of onsets lies before any in the future. Needs Django set up."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from events.choices import SessionStatus
    from events.models import AdverseEvent, InfusionSession

    on_file = AdverseEvent.objects.filter(session=OuterRef("pk"), term__code=TERM)
    rows = (
        InfusionSession.objects.filter(
            site__code=site_code,
            status=SessionStatus.COMPLETED,
            started_at__lt=timezone.now() - timedelta(days=30),
        )
        .exclude(Exists(on_file))
        .order_by("started_at", "id")
        .values_list("pk", "started_at")[:SESSIONS_PER_WRITER]
    )
    if not rows:
        raise RuntimeError(f"no completed session at {site_code} older than a month to file into")
    return [Slot(pk, started_at) for pk, started_at in rows]


def nth_filing(slots: list[Slot], n: int, onset_step: timedelta) -> tuple[int, datetime]:
    """The session and onset of a writer's `n`th filing (`onset_step`: longer than the
    duplicate window)."""
    slot = slots[n % len(slots)]
    return slot.session, slot.started_at + FIRST_ONSET + (n // len(slots)) * onset_step
