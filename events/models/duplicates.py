"""A director's finding that two events which look alike are distinct events."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from audit.models import AuditedModel
from events.models.adverse_events import AdverseEvent
from events.models.base import history
from events.models.sites import Site
from events.validators import validate_plain_text


class DuplicateDismissal(AuditedModel):
    """Two events marked "not a duplicate" by a director, so the pair leaves the list of
    likely duplicates for good. The pair is stored in id order (`first_event` has the lower
    id), so a pair can be dismissed once whichever way round it was named."""

    first_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="+")
    second_event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="+")
    # Copied from the events (a pair never spans sites) so the ledger can scope it.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000, validators=[validate_plain_text])
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["first_event", "second_event"], name="duplicate_dismissal_once_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(first_event__lt=F("second_event")),
                name="duplicate_dismissal_pair_in_id_order",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.first_event_id} and #{self.second_event_id}: not a duplicate"
