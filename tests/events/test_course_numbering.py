"""A session's number is its place among the patient's started, non-voided sessions in start
time order; voids and back-dated entries renumber the others with history. A session cannot
start in the future, and a patient has at most one session in progress."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from audit import chain
from audit.live_rows import verify_live_rows
from events.choices import SessionStatus
from events.models import InfusionSession
from events.rules import CourseEntry, course_numbers
from events.services.sessions import (
    infusion_session_finish,
    infusion_session_start,
    infusion_session_update,
    infusion_session_void,
)
from tests.api.conftest import Api
from tests.audit_helpers import assert_audited
from tests.factories import InfusionSessionFactory

DOSE = {"drug": "ketamine", "route": "iv", "dose_mg_per_kg": "0.5", "weight_kg": "80"}
MIGRATION = ("events", "0005_one_session_in_progress_and_course_numbers")


def day(n: int) -> datetime:
    return datetime(2026, 3, n, 15, 0, tzinfo=UTC)


def start(nurse, patient, when: datetime, *, finish: bool = True) -> InfusionSession:
    session = infusion_session_start(
        actor=nurse, patient=patient, data={**DOSE, "started_at": when}
    )
    if finish:
        session = infusion_session_finish(
            session=session,
            actor=nurse,
            status=SessionStatus.COMPLETED,
            expected_version=session.version,
            ended_at=when + timedelta(minutes=40),
        )
    return session


def numbers(patient) -> dict[int, int]:
    rows = InfusionSession.objects.filter(patient=patient).values_list("pk", "sequence_number")
    return dict(rows)


def test_the_numbering_rule_orders_started_sessions_by_time_then_planned_ones():
    entries = [
        CourseEntry(7, True, day(9)),
        CourseEntry(3, True, day(20)),
        CourseEntry(5, False, day(25)),
        CourseEntry(None, True, day(1)),  # being added, back-dated
        CourseEntry(4, True, day(9)),  # same start as 7: the lower id first
    ]
    assert course_numbers(entries) == {None: 1, 4: 2, 7: 3, 3: 4, 5: 5}


def test_voiding_a_session_moves_the_later_ones_up_with_history(nurse, patient):
    first, second, third = (start(nurse, patient, day(n)) for n in (2, 9, 16))

    infusion_session_void(
        session=first, actor=nurse, reason="Wrong patient", expected_version=first.version
    )

    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.sequence_number, third.sequence_number) == (1, 2)
    reason = f"Course renumbered: session 1 (id {first.pk}) was voided"
    assert_audited(second, actor=nurse, reason=reason, history_type="~")
    assert_audited(third, actor=nurse, reason=reason, history_type="~")
    # The voided session keeps the number it had, in its record and its history.
    first.refresh_from_db()
    assert first.sequence_number == 1 and first.is_voided
    # The next session takes the next free place: no two share a number.
    fourth = start(nurse, patient, day(23))
    live = InfusionSession.objects.filter(patient=patient, is_voided=False)
    assert sorted(live.values_list("sequence_number", flat=True)) == [1, 2, 3]
    assert fourth.sequence_number == 3


def test_a_back_dated_session_takes_its_place_in_time(nurse, patient):
    later, latest = start(nurse, patient, day(10)), start(nurse, patient, day(20))

    earliest = start(nurse, patient, day(3))

    assert numbers(patient) == {earliest.pk: 1, later.pk: 2, latest.pk: 3}
    later.refresh_from_db()
    assert later.version == 3  # started, finished, renumbered
    assert later.history.order_by("-history_id")[0].history_change_reason.startswith(
        "Course renumbered: a session starting 2026-03-03 15:00 UTC was entered"
    )


def test_correcting_a_start_time_renumbers_the_course(nurse, patient):
    a, b, c = (start(nurse, patient, day(n)) for n in (2, 9, 16))

    moved = infusion_session_update(
        session=c,
        actor=nurse,
        data={"started_at": day(1)},
        expected_version=c.version,
        reason="Start time was typed wrongly",
    )

    assert moved.sequence_number == 1
    assert numbers(patient) == {c.pk: 1, a.pk: 2, b.pk: 3}
    assert_audited(moved, actor=nurse, reason="Start time was typed wrongly")


def test_a_session_cannot_start_in_the_future_but_may_be_planned_for_it(
    frozen_clock, nurse, patient
):
    tomorrow = timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        infusion_session_start(actor=nurse, patient=patient, data={**DOSE, "started_at": tomorrow})
    assert "started_at" in refused.value.message_dict
    assert not InfusionSession.objects.filter(patient=patient).exists()

    planned = infusion_session_start(
        actor=nurse,
        patient=patient,
        data={**DOSE, "status": SessionStatus.PLANNED, "started_at": tomorrow},
    )
    assert planned.status == SessionStatus.PLANNED


def test_the_api_refuses_a_future_start_naming_the_field(frozen_clock, nurse, patient):
    future = (timezone.now() + timedelta(days=400)).isoformat()
    response = Api(nurse).post(
        "/api/v1/sessions/", {"patient": patient.pk, **DOSE, "started_at": future}
    )
    assert response.status_code == 400 and "started_at" in response.json()
    assert not InfusionSession.objects.exists()


def test_a_patient_cannot_have_two_sessions_in_progress(nurse, patient):
    open_session = start(nurse, patient, timezone.now() - timedelta(minutes=20), finish=False)

    with pytest.raises(ValidationError) as refused:
        infusion_session_start(actor=nurse, patient=patient, data=DOSE)
    assert "already has a session in progress" in refused.value.message_dict["status"][0]

    # Once it is finished, the next one can start.
    infusion_session_finish(
        session=open_session,
        actor=nurse,
        status=SessionStatus.COMPLETED,
        expected_version=open_session.version,
    )
    assert infusion_session_start(actor=nurse, patient=patient, data=DOSE).sequence_number == 2


def test_the_api_and_the_form_refuse_a_second_session_in_progress(client, nurse, patient):
    start(nurse, patient, timezone.now() - timedelta(minutes=20), finish=False)

    response = Api(nurse).post("/api/v1/sessions/", {"patient": patient.pk, **DOSE})
    assert response.status_code == 400 and "status" in response.json()

    client.force_login(nurse)
    page = client.get(reverse("session-new", args=[patient.pk]))
    token = page.context["form"].initial["form_token"]
    form = {**DOSE, "form_token": token, "planned_duration_min": 40}
    response = client.post(reverse("session-new", args=[patient.pk]), form)
    assert response.status_code == 200
    assert "already has a session in progress" in response.content.decode()
    assert InfusionSession.objects.filter(patient=patient).count() == 1


def test_the_database_refuses_a_second_session_in_progress(patient):
    InfusionSessionFactory(patient=patient, status=SessionStatus.IN_PROGRESS)
    with pytest.raises(IntegrityError), transaction.atomic():
        InfusionSessionFactory(patient=patient, status=SessionStatus.IN_PROGRESS)
    # A voided one does not count.
    InfusionSessionFactory(
        patient=patient, status=SessionStatus.IN_PROGRESS, is_voided=True, void_reason="Error"
    )


def test_the_migration_repairs_numbers_with_history_that_keeps_the_chain_intact(patient):
    # Numbers as the old code gave them: by entry order, a void leaving a duplicate.
    late = InfusionSessionFactory(patient=patient, status="completed", started_at=day(20))
    early = InfusionSessionFactory(patient=patient, status="completed", started_at=day(5))
    InfusionSessionFactory(
        patient=patient, status="completed", started_at=day(1), is_voided=True, void_reason="x"
    )
    assert numbers(patient)[late.pk] == 1 and numbers(patient)[early.pk] == 2

    executor = MigrationExecutor(connection)
    state_apps = executor.loader.project_state(MIGRATION).apps
    migration = executor.loader.get_migration(*MIGRATION)
    repair = migration.operations[0].code
    with transaction.atomic():
        repair(state_apps, SimpleNamespace(connection=connection))

    late.refresh_from_db()
    early.refresh_from_db()
    assert (early.sequence_number, late.sequence_number) == (1, 2)
    assert (early.version, late.version) == (2, 2)
    row = early.history.order_by("-history_id").first()
    assert row.history_type == "~" and row.version == 2 and row.sequence_number == 1
    assert row.history_change_reason.startswith("Course renumbered")
    assert row.source == "command:migrate"
    report = chain.verify_chain(type(row))
    assert report.is_intact, report.problem
    # Every live session still equals its latest history version.
    live = verify_live_rows(InfusionSession, type(row))
    assert live.is_intact, live.problems
