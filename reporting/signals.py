"""Stale marks: every save that can change a rollup's counts marks its partitions stale.

The receivers run inside the saving transaction (every audited save is atomic,
`audit.models.make_saves_atomic`), so a mark is committed, or rolled back, with the write
itself, whatever path the write took: services, corrections, voids, the admin. They run before
the row is written (pre_save), so that they are done before the history row takes the ledger
lock, which is then held only for that row and the commit. A save that moves a session to
another month (or site), or an event to another session, marks the partition it left as well
as the one it joined.

Nothing stored in a rollup depends on a patient's own fields (a report filtered by indication
is not read from rollups, see `reporting.rollups`), so patient saves mark nothing.

The counted-events table (`reporting.counted_events`) is rewritten after each save (post_save:
its rows are recomputed from the stored record, so the record must be written first), in the
same transaction.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from events.imports.signals import records_imported
from events.models import AdverseEvent, EventTerm, InfusionSession, Patient
from reporting.counted_events import counted_events_refresh, counted_events_refresh_partitions
from reporting.models import StalePartition


def mark_stale(partitions: Iterable[tuple[Any, ...]], using: str) -> None:
    """Insert one mark per (site id, month); planned sessions (no month) belong to none."""
    marks = [StalePartition(site_id=site_id, month=month) for site_id, month in set(partitions)]
    marks = [mark for mark in marks if mark.site_id and mark.month]
    if marks:
        StalePartition.objects.using(using).bulk_create(marks)


def _stored_partition(
    queryset: QuerySet[Any], pk: object, fields: tuple[str, str]
) -> tuple[Any, ...] | None:
    return queryset.filter(pk=pk).values_list(*fields).first() if pk is not None else None


@receiver(pre_save, sender=InfusionSession)
def mark_session_partitions(
    sender: type[Model], instance: InfusionSession, using: str, **kwargs: Any
) -> None:
    before = _stored_partition(
        InfusionSession.objects.using(using), instance.pk, ("site_id", "month")
    )
    mark_stale([p for p in (before, (instance.site_id, instance.month)) if p], using)


@receiver(pre_save, sender=AdverseEvent)
def mark_event_partitions(
    sender: type[Model], instance: AdverseEvent, using: str, **kwargs: Any
) -> None:
    before = _stored_partition(
        AdverseEvent.objects.using(using), instance.pk, ("session__site_id", "session__month")
    )
    # The session's stored partition, not the in-memory one the caller may hold.
    after = _stored_partition(
        InfusionSession.objects.using(using), instance.session_id, ("site_id", "month")
    )
    mark_stale([p for p in (before, after) if p], using)


@receiver(pre_save, sender=EventTerm)
def mark_term_partitions(
    sender: type[Model], instance: EventTerm, using: str, **kwargs: Any
) -> None:
    # A term's category is a column of the events cube; a new term has no events yet.
    if instance._state.adding:
        return
    partitions = (
        AdverseEvent.objects.using(using)
        .filter(term_id=instance.pk)
        .values_list("session__site_id", "session__month")
        .distinct()
    )
    mark_stale(list(partitions), using)


# The counted-events table: rewritten from the record after each save, in its transaction.
_COUNTED_EVENT_KEYS: dict[type[Model], str] = {
    AdverseEvent: "event",
    InfusionSession: "session",
    Patient: "patient",
}


@receiver(post_save, sender=AdverseEvent)
@receiver(post_save, sender=InfusionSession)
@receiver(post_save, sender=Patient)
def refresh_counted_events(sender: type[Model], instance: Model, using: str, **kwargs: Any) -> None:
    counted_events_refresh(key=_COUNTED_EVENT_KEYS[sender], record_id=instance.pk, using=using)


@receiver(post_save, sender=EventTerm)
def refresh_counted_events_of_term(
    sender: type[Model], instance: EventTerm, using: str, created: bool, **kwargs: Any
) -> None:
    if not created:  # a new term has no events yet
        counted_events_refresh(key="term", record_id=instance.pk, using=using)


@receiver(records_imported)
def mark_imported_partitions(
    sender: object, site_id: int, months: Iterable[str], **kwargs: Any
) -> None:
    # Imports write in bulk, without save signals: they name the months they filled, whose
    # rollups go stale and whose counted events are recomputed, in the importing transaction.
    mark_stale([(site_id, month) for month in months], "default")
    counted_events_refresh_partitions(site_id=site_id, months=months)
