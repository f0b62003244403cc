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

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from events.models import AdverseEvent, EventTerm, InfusionSession, Patient
from reporting.counted_events import counted_events_refresh
from reporting.models import StalePartition


def mark_stale(partitions, using: str) -> None:
    """Insert one mark per (site id, month); planned sessions (no month) belong to none."""
    marks = [StalePartition(site_id=site_id, month=month) for site_id, month in set(partitions)]
    marks = [mark for mark in marks if mark.site_id and mark.month]
    if marks:
        StalePartition.objects.using(using).bulk_create(marks)


def _stored_partition(queryset, pk, fields: tuple[str, str]):
    return queryset.filter(pk=pk).values_list(*fields).first() if pk is not None else None


@receiver(pre_save, sender=InfusionSession)
def mark_session_partitions(sender, instance, using, **kwargs):
    before = _stored_partition(
        InfusionSession.objects.using(using), instance.pk, ("site_id", "month")
    )
    mark_stale([p for p in (before, (instance.site_id, instance.month)) if p], using)


@receiver(pre_save, sender=AdverseEvent)
def mark_event_partitions(sender, instance, using, **kwargs):
    before = _stored_partition(
        AdverseEvent.objects.using(using), instance.pk, ("session__site_id", "session__month")
    )
    # The session's stored partition, not the in-memory one the caller may hold.
    after = _stored_partition(
        InfusionSession.objects.using(using), instance.session_id, ("site_id", "month")
    )
    mark_stale([p for p in (before, after) if p], using)


@receiver(pre_save, sender=EventTerm)
def mark_term_partitions(sender, instance, using, **kwargs):
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
_COUNTED_EVENT_KEYS = {AdverseEvent: "event", InfusionSession: "session", Patient: "patient"}


@receiver(post_save, sender=AdverseEvent)
@receiver(post_save, sender=InfusionSession)
@receiver(post_save, sender=Patient)
def refresh_counted_events(sender, instance, using, **kwargs):
    counted_events_refresh(key=_COUNTED_EVENT_KEYS[sender], record_id=instance.pk, using=using)


@receiver(post_save, sender=EventTerm)
def refresh_counted_events_of_term(sender, instance, using, created, **kwargs):
    if not created:  # a new term has no events yet
        counted_events_refresh(key="term", record_id=instance.pk, using=using)
