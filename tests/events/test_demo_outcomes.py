"""The default demo's depression scores look like a real clinic's (DEMO-CALIBRATION.md,
"Outcomes"): a PHQ-9 at most sessions, about half the patients responding by session 6 and a
third remitting, a few positive item-9 answers in the directors' queues, and dose bands that
differ in benefit as well as in risk."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from audit.chain import verify_chain
from events.models import AlertStatus, InfusionSession, OutcomeMeasure, SuicidalityAlert
from reporting.benefit_risk import benefit_risk
from reporting.filters import ReportFilters

User = get_user_model()
NOW = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_most_sessions_have_a_valid_phq9(demo, db):
    sessions = InfusionSession.objects.count()
    measures = list(OutcomeMeasure.objects.select_related("session"))
    assert 0.8 * sessions <= len(measures) <= sessions
    for measure in measures[:500]:
        measure.full_clean(validate_constraints=False)
        assert measure.phq9_total == sum(measure.items)
        start = measure.session.started_at
        assert measure.recorded_at < start


def test_about_half_respond_and_a_third_remit_by_session_6(demo, db):
    director = User.objects.get(username="auditor")
    table = benefit_risk(director, ReportFilters()).table
    evaluable = table["evaluable"].sum()
    assert evaluable >= 100
    assert 0.38 <= table["responders"].sum() / evaluable <= 0.62
    assert 0.22 <= table["remitters"].sum() / evaluable <= 0.45


def test_a_few_positive_screens_reach_the_queue_and_older_ones_were_reviewed(demo, db):
    alerts = list(SuicidalityAlert.objects.all())
    assert 1 <= len(alerts) <= 40
    assert any(a.status == AlertStatus.CONFIRMED for a in alerts)
    for alert in alerts:
        assert alert.measure.raises_alert
        # The trail ends in the alert as it stands: raised (open), then reviewed.
        trail = list(alert.history.order_by("history_id"))
        assert trail[0].status == AlertStatus.OPEN
        assert (trail[-1].status, trail[-1].version) == (alert.status, alert.version)
    assert verify_chain(SuicidalityAlert.history.model).is_intact
    assert verify_chain(OutcomeMeasure.history.model).is_intact
