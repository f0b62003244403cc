"""The daily digest: each director gets, once a day, the reviews at their sites that are
overdue or due within 48 hours; beat schedules it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from events.choices import EventStatus, Role
from events.notifications.choices import NotificationKind
from events.notifications.models import Notification
from events.notifications.services import notification_preferences_set
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
)

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _submitted(session, due):
    return AdverseEventFactory(
        session=session,
        status=EventStatus.SUBMITTED,
        submitted_at=NOW - timedelta(days=20),
        review_due_at=due,
        onset_at=session.started_at + timedelta(minutes=5),
    )


@pytest.fixture
def reviews(frozen, session):
    return {
        "overdue": _submitted(session, NOW - timedelta(days=2)),
        "due_tomorrow": _submitted(session, NOW + timedelta(hours=24)),
        "due_next_week": _submitted(session, NOW + timedelta(days=7)),
        "signed_off": AdverseEventFactory(
            session=session, status=EventStatus.SIGNED_OFF, review_due_at=NOW
        ),
    }


def test_the_digest_lists_overdue_reviews_and_those_due_within_48_hours(
    smtp, director, reviews, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_notifications", "--digest")

    [message] = smtp.mailbox.to(director.email)
    assert message["Subject"] == "[Safety Ledger] Reviews: 1 overdue, 1 due within 48 hours"
    body = message.get_content()
    assert f"#{reviews['overdue'].pk}: overdue since 2026-02-28 06:00 UTC" in body
    assert f"#{reviews['due_tomorrow'].pk}: due 2026-03-03 06:00 UTC" in body
    assert f"#{reviews['due_next_week'].pk}" not in body
    assert f"#{reviews['signed_off'].pk}" not in body
    assert f"https://ledger.clinic.example{reverse('review-queue')}" in body


def test_the_digest_goes_once_a_day(smtp, director, reviews, frozen):
    call_command("send_notifications", "--digest")
    call_command("send_notifications", "--digest")
    frozen.shift(timedelta(days=1))
    call_command("send_notifications", "--digest")

    assert Notification.objects.filter(kind=NotificationKind.REVIEW_DIGEST).count() == 2
    assert len(smtp.mailbox.to(director.email)) == 2


def test_a_director_with_nothing_due_gets_no_digest(smtp, director, frozen, south):
    other = UserFactory(username="sam", email="sam@clinic.example")
    MembershipFactory(user=other, site=south, role=Role.MEDICAL_DIRECTOR)
    session = InfusionSessionFactory(patient=PatientFactory(site=south))
    _submitted(session, NOW + timedelta(hours=3))

    call_command("send_notifications", "--digest")

    assert smtp.mailbox.to(director.email) == []
    assert len(smtp.mailbox.to(other.email)) == 1


def test_a_director_who_turned_the_digest_off_gets_none(smtp, director, reviews):
    notification_preferences_set(user=director, choices={NotificationKind.REVIEW_DIGEST: False})

    call_command("send_notifications", "--digest")

    assert smtp.mailbox.messages == []


def test_beat_schedules_the_digest_daily_and_the_sweep_every_minute():
    schedule = settings.CELERY_BEAT_SCHEDULE
    digest = schedule["review-digest"]
    assert digest["task"] == "notifications.review_digest"
    assert digest["schedule"].hour == {settings.REVIEW_DIGEST_HOUR_UTC}
    assert digest["schedule"].minute == {0}
    assert schedule["deliver-due-notifications"] == {
        "task": "notifications.deliver_due",
        "schedule": 60,
    }
