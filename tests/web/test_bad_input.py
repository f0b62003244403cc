"""The bad inputs of DESIGN section 2, typed into the web forms: the message appears next to
the right field, everything typed is still there, and nothing is stored."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import AdverseEvent, EventTerm, InfusionSession, Patient, VitalSign


def _nothing_stored(model):
    rows, history = model.objects.count(), model.history.count()

    def check():
        assert model.objects.count() == rows
        assert model.history.count() == history

    return check


def _error_next_to(response, field: str) -> str:
    marker = f'id="id_{field}_error"' if field != "__all__" else 'class="alert alert-danger"'
    assert marker in response.text, response.text[:3000]
    return response.text


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"systolic": "320", "diastolic": "90"}, "systolic"),
        ({"systolic": "120", "diastolic": "130"}, "diastolic"),
        ({"systolic": "120"}, "diastolic"),
        ({"heart_rate": "15"}, "heart_rate"),
        ({"spo2": "101"}, "spo2"),
        ({"respiratory_rate": "61"}, "respiratory_rate"),
        ({"moaas": "6"}, "moaas"),
        ({"cadss6": "25"}, "cadss6"),
        ({}, "__all__"),
        ({"heart_rate": "80", "minutes_from_start": "-45"}, "minutes_from_start"),
        ({"heart_rate": "eighty"}, "heart_rate"),
    ],
)
def test_a_wrong_reading_is_refused_next_to_its_field_in_the_htmx_panel(
    signed_in, nurse, session, typed, field
):
    unchanged = _nothing_stored(VitalSign)
    response = signed_in(nurse).post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "bad-1", **typed},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = _error_next_to(response, field)
    for value in typed.values():
        assert f'value="{value}"' in text
    unchanged()


def test_without_htmx_a_wrong_reading_shows_the_whole_page_with_the_error(
    signed_in, nurse, session
):
    unchanged = _nothing_stored(VitalSign)
    response = signed_in(nurse).post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "bad-2", "spo2": "101"},
    )
    assert response.status_code == 200
    assert "<!doctype html>" in response.text
    _error_next_to(response, "spo2")
    unchanged()


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"dose_mg_per_kg": "5"}, "dose_mg_per_kg"),
        ({"weight_kg": "12"}, "weight_kg"),
        ({"total_dose_mg": "90"}, "total_dose_mg"),
        ({"dose_mg_per_kg": "half"}, "dose_mg_per_kg"),
    ],
)
def test_a_wrong_dose_is_refused_next_to_its_field(signed_in, nurse, patient, typed, field):
    unchanged = _nothing_stored(InfusionSession)
    data = {
        "form_token": "bad-3",
        "drug": "ketamine",
        "route": "iv",
        "dose_mg_per_kg": "0.5",
        "weight_kg": "80",
        "planned_duration_min": "40",
        "lot_number": "LOT-9",
        **typed,
    }
    response = signed_in(nurse).post(reverse("session-new", args=[patient.pk]), data)
    text = _error_next_to(response, field)
    assert 'value="LOT-9"' in text and f'value="{typed[field]}"' in text
    unchanged()


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"chart_number": "N-1001"}, "chart_number"),
        ({"birth_year": "1850"}, "birth_year"),
    ],
)
def test_a_wrong_patient_is_refused_next_to_its_field(
    signed_in, nurse, north, patient, typed, field
):
    unchanged = _nothing_stored(Patient)
    data = {
        "form_token": "bad-4",
        "site": north.pk,
        "chart_number": "N-3003",
        "birth_year": "1990",
        "sex": "female",
        "indication": "mdd",
        **typed,
    }
    response = signed_in(nurse).post(reverse("patient-new"), data)
    text = _error_next_to(response, field)
    assert f'value="{typed[field]}"' in text
    unchanged()


def _onset(session, minutes: int) -> str:
    moment = session.started_at + timedelta(minutes=minutes)
    return timezone.localtime(moment, session.site.zone).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"grade": "5"}, "grade"),
        ({"outcome": "fatal"}, "grade"),
        ({"is_life_threatening": "on", "narrative": ""}, "narrative"),
        ({"term": "other", "other_term_text": ""}, "other_term_text"),
        ({"onset_at": "future"}, "onset_at"),
        ({"onset_at": "too-early"}, "onset_at"),
        ({"resolved_at": "before-onset"}, "resolved_at"),
        ({"onset_at": "not a date"}, "onset_at"),
    ],
)
def test_a_wrong_event_is_refused_next_to_its_field_and_keeps_the_typing(
    frozen_clock, signed_in, nurse, session, typed, field
):
    unchanged = _nothing_stored(AdverseEvent)
    special = {
        "future": _onset(session, 24 * 60),
        "too-early": _onset(session, -90),
        "before-onset": _onset(session, 5),
        "other": str(EventTerm.objects.get(code="other").pk),
    }
    typed = {name: special.get(value, value) for name, value in typed.items()}
    data = {
        "form_token": "bad-5",
        "term": EventTerm.objects.get(code="nausea").pk,
        "onset_at": _onset(session, 20),
        "grade": "2",
        "outcome": "recovering",
        "action_taken": "drug_interrupted",
        "rescue_medication": "Ondansetron 4 mg IV",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "narrative": "Nausea with one episode of retching.",
        "intent": "submit",
        **typed,
    }
    response = signed_in(nurse).post(reverse("event-new", args=[session.pk]), data)
    assert response.status_code == 200
    text = _error_next_to(response, field) if field != "grade" else response.text
    if field == "grade":
        assert 'id="grade-error"' in text
    assert 'value="Ondansetron 4 mg IV"' in text
    if data["narrative"]:
        assert "Nausea with one episode of retching." in text
    unchanged()
