"""Sending a notification's e-mail: at most once, with retries on failure.

A sender first claims the message (one conditional UPDATE: still pending and due), so two
workers, or a worker and the sweep, never send the same message; the claim lapses after
`CLAIM` if the sender dies, and the sweep (`notifications_deliver_due`) picks the message up
again. A failure schedules the next attempt with a growing delay; after
`NOTIFICATION_MAX_ATTEMPTS` the message is marked failed.
"""

import enum
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from events.notifications.choices import EmailStatus
from events.notifications.models import Notification

logger = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
SEND_ERRORS = (smtplib.SMTPException, OSError)


class Delivery(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed; another attempt is scheduled
    GAVE_UP = "gave_up"
    NOT_MINE = "not_mine"  # sent, claimed by another sender, not due, or no such message


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1, 2, 4 ... minutes after the first, second, third ... failure (at most 1 h)."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=1))


def _claim(notification_id: int) -> bool:
    now = timezone.now()
    return bool(
        Notification.objects.filter(
            pk=notification_id, email_status=EmailStatus.PENDING, email_due_at__lte=now
        ).update(email_due_at=now + CLAIM)
    )


def email_for(notification: Notification) -> EmailMessage:
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    body = (
        f"{notification.body}\n\nOpen: {base}{notification.link}\n\n"
        "You receive this because of your role in Safety Ledger. Choose which notifications "
        f"you receive on your account page: {base}/accounts/#notifications\n"
    )
    return EmailMessage(
        subject=f"[Safety Ledger] {notification.subject}",
        body=body,
        to=[notification.recipient.email],
        headers={"X-Safety-Ledger-Notification": notification.key},
    )


def notification_deliver(notification_id: int) -> Delivery:
    """Send one notification's e-mail if it is pending, due and not claimed by another
    sender; record the outcome."""
    if not _claim(notification_id):
        return Delivery.NOT_MINE
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    notification.email_attempts += 1
    try:
        email_for(notification).send()
    except SEND_ERRORS as error:
        logger.warning("Notification %s not sent: %s", notification_id, error)
        notification.email_error = f"{type(error).__name__}: {error}"[:300]
        if notification.email_attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.email_status = EmailStatus.FAILED
            outcome = Delivery.GAVE_UP
        else:
            notification.email_due_at = timezone.now() + retry_delay(notification.email_attempts)
            outcome = Delivery.RETRY
    else:
        notification.email_status = EmailStatus.SENT
        notification.email_sent_at = timezone.now()
        notification.email_error = ""
        outcome = Delivery.SENT
    notification.save(
        update_fields=[
            "email_attempts",
            "email_status",
            "email_due_at",
            "email_sent_at",
            "email_error",
        ]
    )
    return outcome


def notifications_deliver_due(limit: int = 500) -> int:
    """Send every pending e-mail that is due (new ones whose task was lost, ones waiting
    for a retry, claims that lapsed). Returns how many were sent."""
    due = Notification.objects.filter(
        email_status=EmailStatus.PENDING, email_due_at__lte=timezone.now()
    ).order_by("email_due_at", "id")
    ids = list(due.values_list("pk", flat=True)[:limit])
    return sum(notification_deliver(pk) == Delivery.SENT for pk in ids)
