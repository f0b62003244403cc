"""Electronic signatures of a director's sign-off."""

from django.conf import settings
from django.db import models

from audit.models import AuditedModel
from events.models.adverse_events import AdverseEvent
from events.models.base import history


class ElectronicSignature(AuditedModel):
    """A director's sign-off, bound to the hash of the exact event version it approved."""

    MEANING = "Reviewed and approved"

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="signatures")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=100, default=MEANING)
    signed_at = models.DateTimeField()
    event_version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    superseded_at = models.DateTimeField(null=True, blank=True)

    history = history()

    class Meta:
        ordering = ["-signed_at"]

    @property
    def ledger_site_id(self) -> int:
        """The site whose ledger chain this record's history joins (see `audit.chain`)."""
        return self.event.site_id

    def __str__(self) -> str:
        return f"{self.signer_name}, {self.meaning}, v{self.event_version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None
