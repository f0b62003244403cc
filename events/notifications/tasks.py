"""Celery tasks of notifications: one e-mail (retried on failure), the sweep of due
e-mails (beat, every minute) and the daily review digest (beat)."""

from celery import Task, shared_task

from events.notifications.delivery import (
    Delivery,
    notification_deliver,
    notifications_deliver_due,
    retry_delay,
)
from events.notifications.services import review_digests_send


@shared_task(name="notifications.deliver", bind=True, acks_late=True, ignore_result=True)
def deliver_notification(self: Task, notification_id: int) -> str:
    """Send one notification's e-mail; on failure retry after the delivery's own delay.

    Run eagerly (no broker), a failure is not retried inside the request: the message stays
    pending and `manage.py send_notifications` (cron) sends it."""
    outcome = notification_deliver(notification_id)
    if outcome == Delivery.RETRY and not self.request.is_eager:
        attempts = self.request.retries + 1
        raise self.retry(countdown=retry_delay(attempts).total_seconds(), max_retries=None)
    return outcome.value


@shared_task(name="notifications.deliver_due", ignore_result=True)
def deliver_due_notifications() -> int:
    return notifications_deliver_due()


@shared_task(name="notifications.review_digest", ignore_result=True)
def send_review_digests() -> int:
    return review_digests_send()
