"""Bad input through the API: every refusal is a 400 naming the field and why, and nothing
is stored, neither the record nor a history row. Never a 500.

The clinical rules are those of DESIGN section 2; the shapes are what a buggy or hostile
client sends (wrong types, arrays, unknown or read-only keys, NaN, NUL, lone surrogates,
huge strings, impossible dates, deeply nested JSON)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import AdverseEvent, InfusionSession, Patient, VitalSign
from tests.api.conftest import if_match
from tests.factories import AdverseEventFactory, PatientFactory


class Stored:
    """Counts of rows and history rows of some models, to show nothing was written."""

    def __init__(self, *models):
        self.models = models
        self.before = self.counts()

    def counts(self):
        return [(m.objects.count(), m.history.count()) for m in self.models]

    def unchanged(self) -> bool:
        return self.counts() == self.before


def _refused(response, field: str, stored: Stored):
    assert response.status_code == 400, (response.status_code, getattr(response, "data", None))
    body = response.json()
    assert field in body, body
    assert all(isinstance(message, str) and message for message in body[field]), body
    assert stored.unchanged()
    return body


# --- vital signs: physiological bounds and the session window ------------------------------


@pytest.mark.parametrize(
    ("reading", "field"),
    [
        ({"systolic": 320, "diastolic": 90}, "systolic"),
        ({"systolic": 120, "diastolic": 130}, "diastolic"),
        ({"systolic": 120}, "diastolic"),
        ({"heart_rate": 15}, "heart_rate"),
        ({"heart_rate": 260}, "heart_rate"),
        ({"spo2": 101}, "spo2"),
        ({"spo2": 40}, "spo2"),
        ({"respiratory_rate": 61}, "respiratory_rate"),
        ({"moaas": 6}, "moaas"),
        ({"cadss6": 25}, "cadss6"),
        ({}, "non_field_errors"),
        ({"heart_rate": "fast"}, "heart_rate"),
        ({"heart_rate": [80]}, "heart_rate"),
        ({"heart_rate": 80.5}, "heart_rate"),
        ({"heart_rate": True}, "heart_rate"),
        ({"heart_rate": 10**40}, "heart_rate"),
        ({"heart_rate": 80, "taken_at": "2026-02-30T10:00:00Z"}, "taken_at"),
        ({"heart_rate": 80, "taken_at": "yesterday"}, "taken_at"),
        ({"heart_rate": 80, "temperature": 38}, "temperature"),
        ({"heart_rate": 80, "recorded_by": 1}, "recorded_by"),
        ({"heart_rate": 80, "version": 5}, "version"),
    ],
)
def test_readings_that_cannot_be_true_are_refused(as_nurse, session, reading, field):
    stored = Stored(VitalSign)
    response = as_nurse.post(f"/api/v1/sessions/{session.pk}/vitals/", reading)
    _refused(response, field, stored)


def test_a_reading_outside_the_session_window_is_refused(as_nurse, session):
    stored = Stored(VitalSign)
    too_early = (session.started_at - timedelta(minutes=31)).isoformat()
    response = as_nurse.post(
        f"/api/v1/sessions/{session.pk}/vitals/", {"heart_rate": 80, "taken_at": too_early}
    )
    _refused(response, "taken_at", stored)


# --- sessions: doses that do not add up, read-only fields ---------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_dose_mg": "80"}, "total_dose_mg"),
        ({"dose_mg_per_kg": "50"}, "dose_mg_per_kg"),
        ({"dose_mg_per_kg": "-1"}, "dose_mg_per_kg"),
        ({"dose_mg_per_kg": "NaN"}, "dose_mg_per_kg"),
        ({"dose_mg_per_kg": "Infinity"}, "dose_mg_per_kg"),
        ({"weight_kg": "5"}, "weight_kg"),
        ({"weight_kg": ["80"]}, "weight_kg"),
        ({"drug": "lsd"}, "drug"),
        ({"route": {"iv": True}}, "route"),
        ({"lot_number": "L" * 41}, "lot_number"),
        ({"notes": "n" * 5001}, "notes"),
        ({"started_at": "2026-13-01T10:00:00Z"}, "started_at"),
        ({"status": "completed"}, "status"),
        ({"site": 1}, "site"),
        ({"sequence_number": 1}, "sequence_number"),
        ({"patient": 10**30}, "patient"),
        ({"patient": "one"}, "patient"),
    ],
)
def test_impossible_sessions_are_refused(as_nurse, patient, overrides, field):
    stored = Stored(InfusionSession)
    body = {
        "patient": patient.pk,
        "drug": "ketamine",
        "route": "iv",
        "dose_mg_per_kg": "0.5",
        "weight_kg": "80",
        **overrides,
    }
    _refused(as_nurse.post("/api/v1/sessions/", body), field, stored)


# --- patients --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"chart_number": "DUP-1"}, "chart_number"),
        ({"chart_number": "x" * 41}, "chart_number"),
        ({"chart_number": "N\x00-1"}, "chart_number"),
        ({"chart_number": ""}, "chart_number"),
        ({"birth_year": 1850}, "birth_year"),
        ({"sex": "yes"}, "sex"),
        ({"indication": ["trd"]}, "indication"),
        ({"version": 3}, "version"),
        ({"name": "Jane Doe"}, "name"),
    ],
)
def test_invalid_patients_are_refused(as_nurse, north, overrides, field):
    PatientFactory(site=north, chart_number="DUP-1")
    stored = Stored(Patient)
    body = {
        "site": north.pk,
        "chart_number": "N-5",
        "birth_year": 1980,
        "sex": "female",
        "indication": "trd",
        **overrides,
    }
    _refused(as_nurse.post("/api/v1/patients/", body), field, stored)


def test_the_site_of_a_patient_cannot_be_moved(as_nurse, patient, south):
    stored = Stored(Patient)
    response = as_nurse.patch(f"/api/v1/patients/{patient.pk}/", {"site": south.pk}, **if_match(1))
    assert _refused(response, "site", stored)["site"] == ["This field is read-only."]


# --- adverse events: the cross-field rules ---------------------------------------------------


def _event_body(session, **overrides):
    body = {
        "session": session.pk,
        "term": "nausea",
        "onset_at": (session.started_at + timedelta(minutes=20)).isoformat(),
        "grade": 1,
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"onset_at": "START-2h"}, "onset_at"),
        ({"onset_at": "NOW+1h"}, "onset_at"),
        ({"resolved_at": "START"}, "resolved_at"),
        ({"grade": 5}, "grade"),
        ({"grade": 6}, "grade"),
        ({"grade": "severe"}, "grade"),
        ({"outcome": "fatal"}, "grade"),
        ({"is_death": True}, "grade"),
        ({"is_hospitalisation": True}, "narrative"),
        ({"term": "other"}, "other_term_text"),
        ({"term": "not-a-term"}, "term"),
        ({"term": ["nausea"]}, "term"),
        ({"term": "nau\x00sea"}, "term"),
        ({"is_serious": False}, "is_serious"),
        ({"status": "signed_off"}, "status"),
        ({"site": 1}, "site"),
        ({"version": 9}, "version"),
        ({"reported_by": 1}, "reported_by"),
        ({"narrative": "n" * 20001}, "narrative"),
        ({"narrative": "\x00"}, "narrative"),
        ({"rescue_medication": ["a", "b"]}, "rescue_medication"),
        ({"onset_at": "2026-02-30T10:00:00Z"}, "onset_at"),
        ({"session": True}, "session"),
        ({"session": -4}, "session"),
        ({"submit": "maybe"}, "submit"),
        ({"source_vital": 999999}, "source_vital"),
    ],
)
def test_events_that_break_a_rule_are_refused(as_nurse, session, overrides, field):
    stored = Stored(AdverseEvent)
    for name, value in list(overrides.items()):
        if value == "START-2h":
            overrides[name] = (session.started_at - timedelta(hours=2)).isoformat()
        elif value == "NOW+1h":
            overrides[name] = (timezone.now() + timedelta(hours=1)).isoformat()
        elif value == "START":
            overrides[name] = session.started_at.isoformat()
    body = {**_event_body(session), **overrides}
    _refused(as_nurse.post("/api/v1/events/", body), field, stored)


def test_an_event_at_another_sites_session_reads_as_a_missing_session(as_outsider, session):
    stored = Stored(AdverseEvent)
    response = as_outsider.post("/api/v1/events/", _event_body(session))
    body = _refused(response, "session", stored)
    assert body["session"] == [f"No such record (id {session.pk})."]


def test_an_edit_with_a_bad_field_changes_nothing(as_nurse, session, nurse):
    event = AdverseEventFactory(session=session, reported_by=nurse)
    stored = Stored(AdverseEvent)
    response = as_nurse.patch(
        f"/api/v1/events/{event.pk}/", {"grade": 5, "narrative": "Died"}, **if_match(1)
    )
    _refused(response, "grade", stored)


def test_every_refused_field_is_named_at_once(as_nurse, session):
    stored = Stored(AdverseEvent)
    body = _event_body(session, grade="x", status="draft", colour="red")
    errors = _refused(as_nurse.post("/api/v1/events/", body), "grade", stored)
    assert errors["status"] == ["This field is read-only."]
    assert errors["colour"] == ["Unknown field."]


# --- bodies that are not what they claim -------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"heart_rate": NaN}', "detail"),
        (b'{"heart_rate": Infinity}', "detail"),
        (b'{"heart_rate": -Infinity}', "detail"),
        (b'{"heart_rate": 80,', "detail"),
        (b"\xff\xfe not utf-8", "detail"),
        (b"[" * 100_000 + b"]" * 100_000, "detail"),
        (b'{"heart_rate": 80, "x": ' + b"[" * 40 + b"]" * 40 + b"}", "detail"),
        (b'[{"heart_rate": 80}]', "non_field_errors"),
        (b'"heart_rate"', "non_field_errors"),
        (b"80", "non_field_errors"),
        (b'{"heart_rate": 80, "\\ud800": 1}', "?"),
    ],
    ids=[
        "nan",
        "infinity",
        "minus-infinity",
        "truncated",
        "not-utf8",
        "deeply-nested",
        "nested-over-32",
        "array-body",
        "string-body",
        "number-body",
        "surrogate-key",
    ],
)
def test_unreadable_bodies_are_refused(as_nurse, session, raw, field):
    stored = Stored(VitalSign)
    response = as_nurse.raw("post", f"/api/v1/sessions/{session.pk}/vitals/", raw)
    _refused_any(response, field, stored)


def _refused_any(response, field, stored):
    assert response.status_code == 400, response.content[:300]
    body = json.loads(response.content)
    assert field in body, body
    assert stored.unchanged()


def test_a_lone_surrogate_in_text_is_refused(as_nurse, session):
    stored = Stored(AdverseEvent)
    body = json.dumps(_event_body(session)).encode()[:-1] + b', "narrative": "bad \\ud800 text"}'
    response = as_nurse.raw("post", "/api/v1/events/", body)
    assert response.status_code == 400
    assert json.loads(response.content) == {
        "narrative": ["Contains characters that are not valid Unicode."]
    }
    assert stored.unchanged()


def test_a_lone_surrogate_in_a_choice_is_refused_and_echoed_safely(as_nurse, session):
    stored = Stored(AdverseEvent)
    body = json.dumps(_event_body(session)).encode()[:-1] + b', "outcome": "\\udfff"}'
    response = as_nurse.raw("post", "/api/v1/events/", body)
    assert response.status_code == 400
    assert "outcome" in json.loads(response.content)
    assert stored.unchanged()


def test_a_body_that_is_not_json_is_a_415(as_nurse, session):
    response = as_nurse.raw(
        "post",
        f"/api/v1/sessions/{session.pk}/vitals/",
        b"heart_rate=80",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert not VitalSign.objects.exists()


def test_a_body_over_the_size_limit_is_a_413(as_nurse, session, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    stored = Stored(AdverseEvent)
    body = json.dumps(_event_body(session, narrative="n" * 2000)).encode()
    response = as_nurse.raw("post", "/api/v1/events/", body)
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert stored.unchanged()


@pytest.mark.parametrize(
    "params",
    [
        {"onset_from": "2026-02-30"},
        {"site": "north"},
        {"site": "1e400"},
        {"site": str(10**30)},
        {"serious": "perhaps"},
        {"status": "lost"},
        {"term": "x" * 61},
        {"term": "nau\x00sea"},
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(as_nurse, params):
    response = as_nurse.get("/api/v1/events/", params)
    assert response.status_code == 400, response.content
    assert set(params) <= set(response.json())


def test_a_nul_in_a_patient_search_is_a_400(as_nurse):
    response = as_nurse.get("/api/v1/patients/", {"search": "N-1\x00"})
    assert response.status_code == 400
    assert "search" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("narrative", "<script>alert(1)</script>"),
        ("narrative", "{% load static %}"),
        ("rescue_medication", "Midazolam \u202e2 mg"),
        ("other_term_text", "<b>bold</b>"),
    ],
)
def test_markup_and_direction_overrides_in_text_are_refused_by_name(
    as_nurse, session, field, value
):
    term = "other" if field == "other_term_text" else "nausea"
    body = {
        "session": session.pk,
        "term": term,
        "onset_at": (session.started_at + timedelta(minutes=10)).isoformat(),
        "grade": 1,
        field: value,
    }
    history = AdverseEvent.history.count()
    response = as_nurse.post("/api/v1/events/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert AdverseEvent.objects.count() == 0
    assert AdverseEvent.history.count() == history
