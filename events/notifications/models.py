"""Notifications (the in-app list and the e-mail outbox) and each person's choices.

A notification is a message about records, not a record: it is not in the history ledger
(like API tokens), and it holds no patient data beyond an event number and a link. The
choices a person makes are audited (who stopped receiving serious-event e-mails, and when).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.models import AuditedModel
from events.models import AdverseEvent, history
from events.notifications.choices import EmailStatus, NotificationKind


class Notification(models.Model):
    """One message to one person: an entry in their in-app list and, when they have an
    address, an e-mail in the outbox.

    `key` names what the message is about (e.g. `serious_event:42`); a person gets at most
    one notification per key (unique constraint), so a repeated trigger, a retried task or
    two workers never send the same message twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    key = models.CharField(max_length=200)
    event = models.ForeignKey(
        AdverseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, help_text="A path on this site.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt may start: now for a new message, later after a failure
    # (backoff) or while a worker holds it (a claim that lapses if the worker dies).
    email_due_at = models.DateTimeField(default=timezone.now)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_status", "email_due_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class NotificationPreference(AuditedModel):
    """Whether a person receives one kind of notification (no row: they do)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    is_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'on' if self.is_enabled else 'off'}"
