"""The default demo looks like a real clinic (shared DEMO-CALIBRATION figures) and its
dashboard shows the one planted signal, found by the signal engine, and little else."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from events.choices import EventStatus
from events.demo import PLANTED_SIGNAL
from events.models import AdverseEvent, Membership, VitalSign
from events.rules import hypertension_grade
from tests.conftest import login

User = get_user_model()
NOW = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The default demo (2,000 sessions, seed 42), seeded once for this module inside a
    transaction that is rolled back at the end; each test runs in a savepoint within it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def summary_of(client, username: str) -> dict:
    login(client, User.objects.get(username=username))
    return client.get("/api/v1/reporting/summary/").json()


def test_the_demo_rates_are_in_the_published_ranges(client, demo, db):
    data = summary_of(client, "auditor")
    sessions = data["sessions"]
    assert 0.30 <= data["events_per_100"]["estimate"] / 100 <= 0.70
    assert 0.20 <= data["sessions_with_event_rate"]["estimate"] <= 0.40
    assert data["serious_events"] / sessions < 1.5 / 1000
    by_term = {row["term_code"]: row for row in data["tables"]["by_term"]}
    leaders = {row["term_code"] for row in data["tables"]["by_term"][:5]}
    assert {"dissociation", "dizziness", "nausea"} <= leaders
    assert by_term["dissociation"]["proportion"] == max(r["proportion"] for r in by_term.values())
    # Blood pressure past the alert threshold: a few % of sessions, planted rise included.
    assert 0.01 <= by_term["hypertension"]["proportion"] <= 0.06
    grades = data["grade_distribution"]
    events = sum(grades.values())
    assert (grades["1"] + grades["2"]) / events >= 0.75
    assert grades["4"] / events <= 0.01 and grades["5"] == 0


def test_a_reading_at_the_patients_baseline_is_never_an_event(demo, db):
    events = AdverseEvent.objects.filter(term__code="hypertension").select_related("source_vital")
    assert events.exists()
    for event in events:
        readings = list(VitalSign.objects.filter(session_id=event.session_id).order_by("taken_at"))
        baseline = readings[0]
        assert baseline.minutes_from_start < 0
        assert event.source_vital_id != baseline.pk
        if event.source_vital_id is None:  # noted by staff: a rise of a grade or more
            worst = max(hypertension_grade(v.systolic, v.diastolic) or 0 for v in readings)
            assert worst > (hypertension_grade(baseline.systolic, baseline.diastolic) or 0)
    # Pre-infusion readings are those of people fit to start: below 160/100.
    baselines = VitalSign.objects.filter(minutes_from_start__lt=0)
    assert not baselines.filter(systolic__gte=160).exists()
    assert not baselines.filter(diastolic__gte=100).exists()


def test_each_directors_queue_holds_a_realistic_handful(demo, db):
    now = NOW
    for username in ("director", "director2"):
        sites = Membership.objects.filter(user__username=username).values("site_id")
        waiting = AdverseEvent.objects.filter(status=EventStatus.SUBMITTED, site_id__in=sites)
        overdue = [
            now - due
            for due in waiting.filter(review_due_at__lt=now).values_list("review_due_at", flat=True)
        ]
        assert 3 <= waiting.count() <= 40, username
        assert len(overdue) <= 3 and all(late < timedelta(days=14) for late in overdue)
    old = AdverseEvent.objects.filter(review_due_at__lt=now - timedelta(days=14))
    assert set(old.values_list("status", flat=True)) <= {EventStatus.SIGNED_OFF, EventStatus.VOIDED}


def test_the_default_dashboard_shows_the_planted_signal_and_at_most_one_other(client, demo, db):
    for username in ("auditor", "director"):  # the director runs the planted site
        with time_machine.travel(NOW, tick=False):
            signals = summary_of(client, username)["signals"]
        labels = Counter(signal["label"] for signal in signals)
        assert labels["Hypertension"] == 1, (username, signals)
        assert len(signals) <= 2, (username, signals)
        [planted] = [s for s in signals if s["label"] == "Hypertension"]
        assert any("rate ratio" in finding for finding in planted["findings"])
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/reports/signals/{planted['key']}/")
    assert page.status_code == 200
    doses = {event.session.dose_mg_per_kg for event in page.context["events"]}
    assert PLANTED_SIGNAL.dose in doses
    assert timezone.now() > NOW  # the clock runs again outside the travel
