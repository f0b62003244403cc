"""Each rule of the clinical record refuses a wrong value with a message naming the field,
and nothing is written: no row, no history row."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import AdverseEvent, EventTerm, InfusionSession, Patient, VitalSign
from events.services.adverse_events import adverse_event_create, adverse_event_update
from events.services.patients import patient_create
from events.services.sessions import infusion_session_start
from events.services.vitals import vital_sign_record
from tests.factories import PatientFactory


def _refused(call, field: str, model) -> ValidationError:
    rows, history = model.objects.count(), model.history.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.message_dict, caught.value.message_dict
    assert model.objects.count() == rows
    assert model.history.count() == history
    return caught.value


@pytest.mark.parametrize(
    ("reading", "field"),
    [
        ({"systolic": 320, "diastolic": 90}, "systolic"),
        ({"systolic": 400, "diastolic": 20}, "systolic"),
        ({"systolic": 120, "diastolic": 130}, "diastolic"),
        ({"systolic": 120}, "diastolic"),
        ({"heart_rate": 15}, "heart_rate"),
        ({"heart_rate": 260}, "heart_rate"),
        ({"spo2": 101}, "spo2"),
        ({"spo2": 40}, "spo2"),
        ({"respiratory_rate": 61}, "respiratory_rate"),
        ({"moaas": 6}, "moaas"),
        ({"cadss6": 25}, "cadss6"),
        ({}, "__all__"),
    ],
)
def test_vital_signs_outside_physiological_bounds_are_refused(session, nurse, reading, field):
    _refused(
        lambda: vital_sign_record(session=session, actor=nurse, data=reading), field, VitalSign
    )


def test_vitals_outside_the_session_window_are_refused(session, nurse):
    too_early = session.started_at - timedelta(minutes=31)
    _refused(
        lambda: vital_sign_record(
            session=session, actor=nurse, data={"heart_rate": 80, "taken_at": too_early}
        ),
        "taken_at",
        VitalSign,
    )


def _session_data(**overrides):
    data = {
        "drug": "ketamine",
        "route": "iv",
        "dose_mg_per_kg": Decimal("0.5"),
        "weight_kg": Decimal("80"),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_dose_mg": Decimal("80")}, "total_dose_mg"),
        ({"dose_mg_per_kg": Decimal("50")}, "dose_mg_per_kg"),
        ({"dose_mg_per_kg": Decimal("-1")}, "dose_mg_per_kg"),
        ({"weight_kg": Decimal("5")}, "weight_kg"),
        ({"drug": "lsd"}, "drug"),
    ],
)
def test_inconsistent_or_impossible_doses_are_refused(patient, nurse, overrides, field):
    _refused(
        lambda: infusion_session_start(
            actor=nurse, patient=patient, data=_session_data(**overrides)
        ),
        field,
        InfusionSession,
    )


def test_the_session_site_cannot_be_set_apart_from_the_patient(patient, nurse, south):
    _refused(
        lambda: infusion_session_start(
            actor=nurse, patient=patient, data=_session_data(site=south)
        ),
        "site",
        InfusionSession,
    )


def test_a_session_whose_site_differs_from_the_patients_fails_validation(session, south):
    session.site = south
    with pytest.raises(ValidationError) as caught:
        session.full_clean(validate_constraints=False)
    assert "site" in caught.value.message_dict


def test_chart_numbers_are_unique_per_site(north, south, nurse, other_site_nurse):
    PatientFactory(site=north, chart_number="DUP-1")
    data = {"chart_number": "DUP-1", "birth_year": 1970, "sex": "male", "indication": "mdd"}
    _refused(lambda: patient_create(actor=nurse, site=north, data=data), "chart_number", Patient)
    # The same number at another site is another patient.
    patient_create(actor=other_site_nurse, site=south, data=data)


def _event_data(session, **overrides):
    data = {
        "term": EventTerm.objects.get(code="nausea"),
        "onset_at": session.started_at + timedelta(minutes=20),
        "grade": 1,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"onset_offset": timedelta(hours=-2)}, "onset_at"),
        ({"onset_future": True}, "onset_at"),
        ({"resolved_offset": timedelta(minutes=-5)}, "resolved_at"),
        ({"grade": 5}, "grade"),
        ({"outcome": "fatal"}, "grade"),
        ({"is_death": True}, "grade"),
        ({"is_hospitalisation": True}, "narrative"),
        ({"term_code": "other"}, "other_term_text"),
    ],
)
def test_event_rules_refuse_wrong_values(frozen_clock, session, nurse, overrides, field):
    data = _event_data(session)
    if "onset_offset" in overrides:
        data["onset_at"] = session.started_at + overrides.pop("onset_offset")
    if overrides.pop("onset_future", False):
        data["onset_at"] = timezone.now() + timedelta(hours=1)
    if "resolved_offset" in overrides:
        data["resolved_at"] = data["onset_at"] + overrides.pop("resolved_offset")
    if "term_code" in overrides:
        data["term"] = EventTerm.objects.get(code=overrides.pop("term_code"))
    data.update(overrides)
    _refused(
        lambda: adverse_event_create(actor=nurse, session=session, data=data), field, AdverseEvent
    )


def test_a_refused_edit_leaves_the_stored_event_unchanged(session, nurse):
    event = adverse_event_create(actor=nurse, session=session, data=_event_data(session))
    _refused(
        lambda: adverse_event_update(
            event=event, actor=nurse, data={"grade": 5}, expected_version=event.version
        ),
        "grade",
        AdverseEvent,
    )
    event.refresh_from_db()
    assert event.grade == 1 and event.version == 1


def test_read_only_fields_are_refused_by_name(session, nurse):
    _refused(
        lambda: adverse_event_create(
            actor=nurse, session=session, data=_event_data(session, status="signed_off")
        ),
        "status",
        AdverseEvent,
    )
