"""Delivery: a failed e-mail is retried later and sent once the server is back; no message
is sent twice, whoever tries; after the last attempt it is marked failed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from events.notifications.choices import EmailStatus, NotificationKind
from events.notifications.delivery import Delivery, notification_deliver, retry_delay
from events.notifications.models import Notification
from events.notifications.services import notify
from events.notifications.tasks import deliver_notification
from tests.notifications.mailbox import SmtpServer

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _notify(user, key="test:1") -> Notification:
    [notification] = notify(
        NotificationKind.SERIOUS_EVENT,
        recipients=[user],
        key=key,
        subject="Serious adverse event #7 submitted at North Clinic",
        body="A serious adverse event, #7, was submitted.",
        link="/events/7/",
    )
    return notification


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_a_failed_email_stays_pending_and_goes_out_when_the_server_is_back(
    smtp_down, director, frozen
):
    notification = _notify(director)

    assert notification_deliver(notification.pk) == Delivery.RETRY
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.PENDING
    assert notification.email_attempts == 1
    assert notification.email_due_at == START + retry_delay(1)
    assert "ConnectionRefusedError" in notification.email_error

    server = SmtpServer(smtp_down.port).start()
    try:
        assert notification_deliver(notification.pk) == Delivery.NOT_MINE  # not due yet
        frozen.shift(retry_delay(1))
        call_command("send_notifications")
    finally:
        server.stop()

    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 2
    assert len(server.mailbox.to(director.email)) == 1


def test_an_eager_task_does_not_retry_inside_the_request(smtp_down, director, frozen):
    notification = _notify(director)

    assert deliver_notification.delay(notification.pk).get() == "retry"

    notification.refresh_from_db()
    assert notification.email_attempts == 1


def test_after_the_last_attempt_the_email_is_marked_failed(smtp_down, director, frozen, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = _notify(director)

    outcomes = []
    for attempt in range(1, 4):
        outcomes.append(notification_deliver(notification.pk))
        frozen.shift(retry_delay(attempt))
    outcomes.append(notification_deliver(notification.pk))

    assert outcomes == [Delivery.RETRY, Delivery.RETRY, Delivery.GAVE_UP, Delivery.NOT_MINE]
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED


def test_no_message_goes_twice(smtp, director, frozen):
    notification = _notify(director)

    first = notification_deliver(notification.pk)
    second = notification_deliver(notification.pk)
    call_command("send_notifications")
    again = notify(
        NotificationKind.SERIOUS_EVENT,
        recipients=[director],
        key="test:1",
        subject="Serious adverse event #7 submitted at North Clinic",
        body="Again.",
        link="/events/7/",
    )

    assert (first, second, again) == (Delivery.SENT, Delivery.NOT_MINE, [])
    assert len(smtp.mailbox.to(director.email)) == 1
    assert Notification.objects.filter(recipient=director).count() == 1


def test_a_sender_that_died_leaves_a_claim_that_lapses(smtp, director, frozen):
    notification = _notify(director)
    # A worker claimed the message and died before sending it.
    Notification.objects.filter(pk=notification.pk).update(
        email_due_at=timezone.now() + timedelta(minutes=5)
    )

    call_command("send_notifications")
    assert smtp.mailbox.messages == []
    frozen.shift(timedelta(minutes=5))
    call_command("send_notifications")

    assert len(smtp.mailbox.to(director.email)) == 1


def test_retry_delays_grow_and_are_capped():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == timedelta(hours=1)
