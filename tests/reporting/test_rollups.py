"""Monthly rollups: every write marks the months it changes stale, in its own transaction; the
refresh recomputes them and clears only the marks it read; the summary reads fresh months
from the rollups and counts the rest from the records."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from audit.services import audited_save
from config.celery import app
from events.choices import SessionStatus, TermCategory
from events.models import EventTerm, InfusionSession
from events.services.adverse_events import adverse_event_create, adverse_event_void
from events.services.sessions import infusion_session_start, infusion_session_update
from reporting import rollups
from reporting.filters import ReportFilters
from reporting.models import MonthlyRollup, StalePartition
from reporting.rollups import rollups_refresh
from reporting.selectors import safety_summary
from tests.conftest import login
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory
from tests.reporting.dataset import make_series

SUMMARY_URL = "/api/v1/reporting/summary/"
START = {"drug": "ketamine", "route": "iv", "dose_mg_per_kg": "0.5", "weight_kg": "70.0"}


def marks() -> list[tuple[int, str]]:
    return sorted(StalePartition.objects.values_list("site_id", "month"))


def session_in(patient, month: str, **extra) -> InfusionSession:
    started = datetime.fromisoformat(f"{month}-10").replace(hour=15, tzinfo=UTC)
    return InfusionSessionFactory(
        patient=patient, status=SessionStatus.COMPLETED, started_at=started, **extra
    )


def event_data(session, minutes: int = 20) -> dict:
    nausea = EventTerm.objects.get(code="nausea")
    return {"term": nausea, "grade": 2, "onset_at": session.started_at + timedelta(minutes=minutes)}


# --- marks -----------------------------------------------------------------------------


def test_filing_an_event_marks_the_month_of_its_session_stale(nurse, patient, north):
    session = session_in(patient, "2025-03")
    StalePartition.objects.all().delete()

    adverse_event_create(actor=nurse, session=session, data=event_data(session), submit=True)

    assert marks() == [(north.pk, "2025-03")]


def test_voiding_an_event_marks_its_month_stale(director, patient, north):
    session = session_in(patient, "2025-03")
    event = AdverseEventFactory(session=session, status="submitted")
    StalePartition.objects.all().delete()

    adverse_event_void(event=event, actor=director, reason="Duplicate", expected_version=1)

    assert marks() == [(north.pk, "2025-03")]


def test_a_corrected_start_marks_the_month_left_and_the_month_joined(nurse, patient, north):
    session = session_in(patient, "2025-03")
    StalePartition.objects.all().delete()

    infusion_session_update(
        session=session,
        actor=nurse,
        data={"started_at": session.started_at - timedelta(days=31)},
        expected_version=session.version,
        reason="Start time corrected",
    )

    assert marks() == [(north.pk, "2025-02"), (north.pk, "2025-03")]


def test_a_planned_session_belongs_to_no_month_and_marks_nothing(nurse, patient):
    StalePartition.objects.all().delete()

    infusion_session_start(actor=nurse, patient=patient, data={**START, "status": "planned"})

    assert marks() == []


def test_a_term_moved_to_another_category_marks_the_months_of_its_events(
    patient, north, south, auditor
):
    north_event = AdverseEventFactory(session=session_in(patient, "2025-01"))
    south_patient = PatientFactory(site=south)
    AdverseEventFactory(session=session_in(south_patient, "2025-02"), term=north_event.term)
    StalePartition.objects.all().delete()

    term = north_event.term
    term.category = TermCategory.CARDIOVASCULAR
    audited_save(term, actor=auditor, reason="Recategorised")

    assert marks() == [(north.pk, "2025-01"), (south.pk, "2025-02")]


def test_a_write_that_rolls_back_leaves_no_mark(nurse, patient):
    session = session_in(patient, "2025-03")
    StalePartition.objects.all().delete()

    with pytest.raises(ValueError), transaction.atomic():
        adverse_event_create(actor=nurse, session=session, data=event_data(session))
        raise ValueError("the request failed after filing")

    assert marks() == []


# --- refresh ---------------------------------------------------------------------------


def test_the_refresh_computes_every_month_with_sessions_and_clears_the_marks(north, south):
    make_series(north, [("2025-01", 3, 1), ("2025-02", 2, 2)])
    make_series(south, [("2025-02", 4, 0)])
    InfusionSessionFactory(
        patient=PatientFactory(site=south), status=SessionStatus.PLANNED, started_at=None
    )

    assert rollups_refresh() == 3

    stored = {(r.site_id, r.month): r for r in MonthlyRollup.objects.all()}
    assert set(stored) == {(north.pk, "2025-01"), (north.pk, "2025-02"), (south.pk, "2025-02")}
    assert marks() == []
    january = stored[(north.pk, "2025-01")]
    assert len(january.patient_ids) == 1 and len(january.patient_with_event_ids) == 1
    assert rollups_refresh() == 0  # nothing stale, nothing missing


def test_a_write_committed_during_the_refresh_keeps_its_mark(north, patient, monkeypatch):
    session = session_in(patient, "2025-03")
    rollups_refresh()
    AdverseEventFactory(session=session)  # marks March
    compute = rollups.PartitionFrames.of

    def compute_while_another_event_is_filed(sessions, events, using):
        AdverseEventFactory(session=session)  # committed after the refresh read the marks
        return compute(sessions, events, using)

    monkeypatch.setattr(rollups.PartitionFrames, "of", compute_while_another_event_is_filed)
    rollups_refresh()

    assert marks() == [(north.pk, "2025-03")]


def test_the_command_refreshes_and_with_all_recomputes_every_month(north):
    make_series(north, [("2025-01", 2, 1), ("2025-02", 2, 0)])
    out = StringIO()

    call_command("refresh_rollups", stdout=out)
    call_command("refresh_rollups", stdout=out)
    call_command("refresh_rollups", "--all", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Refreshed 2 monthly rollups")
    assert lines[1].startswith("Refreshed 0 monthly rollups")
    assert lines[2].startswith("Refreshed 2 monthly rollups")


def test_celery_beat_runs_the_refresh_task_every_few_minutes(north):
    make_series(north, [("2025-01", 2, 1)])
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-monthly-rollups"]
    app.loader.import_default_modules()  # what a worker does at start: find every app's tasks

    app.tasks[entry["task"]].delay()

    assert entry["schedule"] <= 600
    assert MonthlyRollup.objects.filter(site=north, month="2025-01").exists()


def test_seed_demo_leaves_every_month_rolled_up(db):
    call_command("seed_demo", sessions=40, stdout=StringIO())

    with_sessions = set(
        InfusionSession.objects.exclude(month="").values_list("site_id", "month").distinct()
    )
    assert set(MonthlyRollup.objects.values_list("site_id", "month")) == with_sessions
    assert marks() == []


# --- reading ---------------------------------------------------------------------------


def test_an_event_filed_after_the_refresh_is_counted_at_once(client, nurse, director, patient):
    session = session_in(patient, "2025-03")
    AdverseEventFactory(session=session, status="submitted")
    rollups_refresh()
    login(client, director)
    query = "date_from=2025-01-01&date_to=2025-03-31"
    before = client.get(f"{SUMMARY_URL}?{query}").json()["events"]

    adverse_event_create(actor=nurse, session=session, data=event_data(session), submit=True)

    after = client.get(f"{SUMMARY_URL}?{query}").json()["events"]
    assert (before, after) == (1, 2)


def test_fresh_months_are_read_from_the_rollups_and_stale_ones_from_the_records(
    auditor, north, django_assert_num_queries
):
    make_series(north, [("2025-01", 2, 1), ("2025-02", 3, 1), ("2025-03", 1, 1)])
    rollups_refresh()
    live = safety_summary(auditor, ReportFilters(grades=(1, 2, 3, 4, 5)))  # event filter: live

    # Expect 6 queries:
    # * the user's memberships (scoping)
    # * the sites the report covers
    # * the monthly rollups of the period that are up to date (all three)
    # * the first and last month holding sessions (no month is left to count)
    # * the event terms
    # * sessions left in progress past their planned end (data quality)
    auditor._membership_cache = None
    with django_assert_num_queries(6):
        summary = safety_summary(auditor, ReportFilters())
    assert (summary.sessions, summary.events) == (live.sessions, live.events) == (6, 3)

    AdverseEventFactory(session=InfusionSession.objects.filter(month="2025-02").first())
    # Expect 9: the same six, and for February alone the sessions cube, its patients and its
    # events (one statement: the cube, the term/month/worst-grade rows and the patients with
    # an event come from the same rows); and on PostgreSQL the counting settings.
    auditor._membership_cache = None
    with django_assert_num_queries(9 + (connection.vendor == "postgresql")):
        summary = safety_summary(auditor, ReportFilters())
    assert summary.events == 4


def test_a_report_filtered_by_route_is_counted_from_the_records(auditor, north):
    make_series(north, [("2025-01", 2, 1)])
    rollups_refresh()

    assert not rollups.is_answerable(ReportFilters(routes=("iv",)))
    assert not rollups.is_answerable(ReportFilters(date_from=datetime(2025, 1, 2).date()))
    assert rollups.is_answerable(ReportFilters(site_ids=(north.pk,)))
