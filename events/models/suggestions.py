"""Alert suggestions raised by out-of-threshold vital signs."""

from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.choices import (
    Grade,
    SuggestionStatus,
)
from events.models.adverse_events import AdverseEvent, EventTerm
from events.models.base import history
from events.models.sessions import InfusionSession
from events.models.vitals import VitalSign


class AlertSuggestion(AuditedModel):
    """A suggested event raised by a reading past a site threshold, until staff confirm it
    (a draft event is created) or dismiss it with a reason. One open per term per session."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="suggestions"
    )
    term = models.ForeignKey(EventTerm, on_delete=models.PROTECT, related_name="+")
    vital_sign = models.ForeignKey(VitalSign, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    summary = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    dismiss_reason = models.TextField(blank=True)
    event = models.ForeignKey(
        AdverseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["session", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "term"],
                condition=Q(status=SuggestionStatus.OPEN),
                name="suggestion_one_open_per_term",
            ),
        ]

    @property
    def ledger_site_id(self) -> int:
        """The site whose ledger chain this record's history joins (see `audit.chain`)."""
        return self.session.site_id

    def __str__(self) -> str:
        return self.summary
