"""The building blocks every service shares, each named and checked on its own: optimistic
locking, field assignment, reasons, idempotent creation, and the baseline reading and
threshold alerts a recorded vital sign is judged by."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audited_save
from events.services.common import (
    StaleVersionError,
    assign,
    lock_current,
    optional_reason,
    require_reason,
)
from events.services.idempotency import (
    IdempotencyKeyReused,
    idempotent_call,
    request_fingerprint,
)
from events.services.vitals import baseline_reading, vital_alerts
from tests.factories import VitalSignFactory


def test_lock_current_returns_the_row_when_its_version_is_the_one_read(patient):
    with transaction.atomic():
        locked = lock_current(patient, patient.version)
    assert locked.pk == patient.pk and locked is not patient


def test_lock_current_refuses_a_moved_version_naming_who_moved_it(patient, nurse):
    read = patient.version
    patient.birth_year = 1970
    patient.version += 1
    audited_save(patient, actor=nurse, reason="Year corrected")

    with pytest.raises(StaleVersionError) as stale, transaction.atomic():
        lock_current(patient, read)
    assert stale.value.current_version == read + 1
    assert stale.value.changed_by in (nurse.get_full_name(), nurse.get_username())
    assert f"you edited version {read}" in stale.value.message


def test_assign_copies_the_allowed_fields_and_names_what_changed(patient):
    changed = assign(patient, {"birth_year": 1961, "sex": patient.sex}, ("birth_year", "sex"))
    assert changed == ["birth_year"] and patient.birth_year == 1961


def test_assign_refuses_a_field_that_is_not_allowed_naming_it(patient):
    with pytest.raises(ValidationError) as refused:
        assign(patient, {"site": 1, "version": 9}, ("birth_year",))
    assert set(refused.value.message_dict) == {"site", "version"}


def test_a_required_reason_is_refused_when_blank_and_stripped_when_given():
    with pytest.raises(ValidationError) as refused:
        require_reason("   ", "void a reading")
    assert refused.value.message_dict["reason"] == ["A reason is required to void a reading."]
    assert require_reason("  Wrong chair ", "void a reading") == "Wrong chair"


def test_an_optional_reason_may_be_empty_but_never_markup():
    assert optional_reason("") == ""
    with pytest.raises(ValidationError) as refused:
        optional_reason("<script>alert(1)</script>")
    assert "reason" in refused.value.message_dict


def test_a_request_fingerprint_ignores_key_order_and_tells_bodies_apart():
    assert request_fingerprint({"a": 1, "b": [2]}) == request_fingerprint({"b": [2], "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})


def test_an_idempotent_call_runs_once_and_replays_its_response(nurse):
    calls = []

    def perform():
        calls.append(1)
        return 201, {"id": len(calls)}

    fingerprint = request_fingerprint({"chart_number": "N-1"})
    first = idempotent_call(user=nurse, key="k-1", fingerprint=fingerprint, perform=perform)
    again = idempotent_call(user=nurse, key="k-1", fingerprint=fingerprint, perform=perform)

    assert (first.status, first.body, first.replayed) == (201, {"id": 1}, False)
    assert (again.status, again.body, again.replayed) == (201, {"id": 1}, True)
    assert calls == [1]
    with pytest.raises(IdempotencyKeyReused):
        idempotent_call(user=nurse, key="k-1", fingerprint="other", perform=perform)


def test_the_baseline_is_the_last_blood_pressure_taken_before_the_start(session):
    start = session.started_at
    VitalSignFactory(session=session, taken_at=start - timedelta(minutes=20))
    baseline = VitalSignFactory(session=session, taken_at=start - timedelta(minutes=5))
    VitalSignFactory(session=session, taken_at=start + timedelta(minutes=10))
    VitalSignFactory(session=session, taken_at=start - timedelta(minutes=1), is_voided=True)

    assert baseline_reading(session) == baseline


def test_a_reading_past_the_sites_threshold_raises_an_alert_and_a_normal_one_none(session):
    high = VitalSignFactory(
        session=session,
        taken_at=session.started_at + timedelta(minutes=30),
        systolic=186,
        diastolic=112,
    )
    normal = VitalSignFactory(
        session=session,
        taken_at=session.started_at + timedelta(minutes=35),
        systolic=124,
        diastolic=78,
    )
    [alert] = vital_alerts(high, baseline=None)
    assert (alert.term_code, alert.grade) == ("hypertension", 3)
    assert vital_alerts(normal, baseline=None) == []
