"""`Idempotency-Key` on creating POSTs: a retry returns the first response and creates
nothing; the same key with another body (or on another endpoint) is a 422."""

from datetime import timedelta

import pytest

from events.models import (
    AdverseEvent,
    AlertSuggestion,
    IdempotencyRecord,
    InfusionSession,
    Patient,
    VitalSign,
)
from tests.api.conftest import if_match


def _event_body(session):
    return {
        "session": session.pk,
        "term": "vomiting",
        "onset_at": (session.started_at + timedelta(minutes=12)).isoformat(),
        "grade": 1,
    }


def test_a_replayed_event_post_returns_the_first_response_and_creates_one_event(as_nurse, session):
    body = _event_body(session)
    first = as_nurse.post("/api/v1/events/", body, **{"Idempotency-Key": "tab-7-event-1"})
    again = as_nurse.post("/api/v1/events/", body, **{"Idempotency-Key": "tab-7-event-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["ETag"] == first["ETag"]
    assert AdverseEvent.objects.count() == 1
    assert AdverseEvent.history.count() == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(as_nurse, session):
    body = _event_body(session)
    as_nurse.post("/api/v1/events/", body, **{"Idempotency-Key": "k-1"})

    response = as_nurse.post("/api/v1/events/", {**body, "grade": 2}, **{"Idempotency-Key": "k-1"})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.data["detail"]
    assert AdverseEvent.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_a_422(as_nurse, session):
    as_nurse.post(
        f"/api/v1/sessions/{session.pk}/vitals/", {"heart_rate": 80}, **{"Idempotency-Key": "k-2"}
    )

    response = as_nurse.post("/api/v1/patients/", {"heart_rate": 80}, **{"Idempotency-Key": "k-2"})

    assert response.status_code == 422


def test_keys_belong_to_their_user(as_nurse, as_director, session):
    # The same event twice is a likely duplicate: the second filer confirms it is not.
    body = {**_event_body(session), "confirm_not_duplicate": True}
    as_nurse.post("/api/v1/events/", body, **{"Idempotency-Key": "shared"})
    response = as_director.post("/api/v1/events/", body, **{"Idempotency-Key": "shared"})

    assert response.status_code == 201
    assert AdverseEvent.objects.count() == 2


def test_a_refused_request_leaves_the_key_unused(as_nurse, session):
    body = _event_body(session)
    refused = as_nurse.post("/api/v1/events/", {**body, "grade": 9}, **{"Idempotency-Key": "k-3"})
    assert refused.status_code == 400
    assert not IdempotencyRecord.objects.exists()

    response = as_nurse.post("/api/v1/events/", body, **{"Idempotency-Key": "k-3"})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("url", "body", "model"),
    [
        ("/api/v1/patients/", "patient", Patient),
        ("/api/v1/sessions/", "session", InfusionSession),
        ("/api/v1/sessions/{session}/vitals/", "vitals", VitalSign),
    ],
)
def test_every_creating_post_is_idempotent(as_nurse, session, north, url, body, model):
    bodies = {
        "patient": {
            "site": north.pk,
            "chart_number": "N-77",
            "birth_year": 1990,
            "sex": "female",
            "indication": "mdd",
        },
        "session": {
            # Planned: the patient's fixture session is still in progress.
            "patient": session.patient_id,
            "status": "planned",
            "drug": "esketamine",
            "route": "intranasal",
            "dose_mg_per_kg": "0.8",
            "weight_kg": "70",
        },
        "vitals": {"systolic": 150, "diastolic": 95},
    }
    url = url.format(session=session.pk)
    rows = model.objects.count()

    first = as_nurse.post(url, bodies[body], **{"Idempotency-Key": f"key-{body}"})
    again = as_nurse.post(url, bodies[body], **{"Idempotency-Key": f"key-{body}"})

    assert first.status_code == again.status_code == 201, first.data
    assert again.json() == first.json()
    assert model.objects.count() == rows + 1


def test_a_replayed_suggestion_confirm_returns_the_same_draft(as_nurse, session):
    [suggestion] = as_nurse.post(
        f"/api/v1/sessions/{session.pk}/vitals/", {"heart_rate": 130}
    ).data["suggestions"]
    headers = {**if_match(suggestion["version"]), "Idempotency-Key": "confirm-1"}

    first = as_nurse.post(f"/api/v1/suggestions/{suggestion['id']}/confirm/", **headers)
    again = as_nurse.post(f"/api/v1/suggestions/{suggestion['id']}/confirm/", **headers)

    assert first.status_code == again.status_code == 201, first.data
    assert again.json()["id"] == first.json()["id"]
    assert AdverseEvent.objects.count() == 1
    assert AlertSuggestion.objects.get().status == "confirmed"


@pytest.mark.parametrize("key", ["", "x" * 101, "naïve", "two words"])
def test_a_malformed_key_is_a_400(as_nurse, session, key):
    response = as_nurse.post("/api/v1/events/", _event_body(session), **{"Idempotency-Key": key})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.data["detail"]
    assert not AdverseEvent.objects.exists()
