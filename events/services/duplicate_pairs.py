"""A director's resolution of a pair of likely duplicates: void one as a duplicate of the
other, or mark the pair "not a duplicate" so it leaves the list."""

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import Actor, audited_save
from events.access import DIRECTORS, require_role
from events.choices import EventStatus
from events.duplicates import duplicate_window, likeness
from events.models import AdverseEvent, DuplicateDismissal
from events.rules import is_likely_duplicate
from events.services.adverse_events import adverse_event_void
from events.services.common import optional_reason


def _require_pair(a: AdverseEvent, b: AdverseEvent) -> None:
    if a.pk == b.pk:
        raise ValidationError({"second_event": "Name two different events."})
    if a.site_id != b.site_id or not is_likely_duplicate(
        likeness(a), likeness(b), window=duplicate_window()
    ):
        raise ValidationError(
            {"second_event": f"Events #{a.pk} and #{b.pk} are not a likely duplicate pair."}
        )
    for event in (a, b):
        if event.status == EventStatus.VOIDED:
            raise ValidationError({"status": f"Event #{event.pk} is already voided."})


def duplicate_pair_dismiss(
    *, actor: Actor, first: AdverseEvent, second: AdverseEvent, reason: str = ""
) -> DuplicateDismissal:
    """A director records that two look-alike events are distinct; the pair leaves the
    list of likely duplicates. Dismissing a pair twice is refused."""
    require_role(actor, first.site_id, *DIRECTORS)
    reason = optional_reason(reason)
    _require_pair(first, second)
    low, high = sorted((first, second), key=lambda event: event.pk)
    with transaction.atomic():
        if DuplicateDismissal.objects.filter(first_event=low, second_event=high).exists():
            raise ValidationError(
                {"second_event": f"Events #{low.pk} and #{high.pk} are already marked."}
            )
        dismissal = DuplicateDismissal(
            first_event=low,
            second_event=high,
            site_id=low.site_id,
            dismissed_by=actor,
            reason=reason,
        )
        dismissal.full_clean(validate_constraints=False)
        audited_save(dismissal, actor=actor, reason=reason or "Marked not a duplicate")
        return dismissal


def duplicate_resolve_by_void(
    *, actor: Actor, void: AdverseEvent, keep: AdverseEvent, expected_version: int | None
) -> AdverseEvent:
    """A director voids `void` as a duplicate of `keep`, through the event's own void
    (signatures superseded, the reason "duplicate of #N" in its history)."""
    require_role(actor, void.site_id, *DIRECTORS)
    _require_pair(void, keep)
    return adverse_event_void(
        event=void,
        actor=actor,
        reason=f"duplicate of #{keep.pk}",
        expected_version=expected_version,
    )
