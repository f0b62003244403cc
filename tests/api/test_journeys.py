"""The days of a nurse and a director, through the API only."""

from datetime import timedelta

from django.utils import timezone

from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    InfusionSession,
    VitalSign,
)
from tests.api.conftest import if_match
from tests.audit_helpers import assert_audited


def test_a_nurse_starts_a_session_records_vitals_confirms_a_suggestion_and_submits_it(
    as_nurse, nurse, patient
):
    found = as_nurse.get("/api/v1/patients/", {"search": "1001"})
    assert [p["chart_number"] for p in found.data["results"]] == ["N-1001"]

    started_at = (timezone.now() - timedelta(minutes=40)).isoformat()
    response = as_nurse.post(
        "/api/v1/sessions/",
        {
            "patient": patient.pk,
            "drug": "ketamine",
            "route": "iv",
            "dose_mg_per_kg": "0.5",
            "weight_kg": "80",
            "lot_number": "LOT-7",
            "started_at": started_at,
        },
    )
    assert response.status_code == 201, response.data
    session_id = response.data["id"]
    assert response.data["total_dose_mg"] == "40.00"
    assert response["Location"] == f"/api/v1/sessions/{session_id}/"
    assert_audited(
        InfusionSession.objects.get(pk=session_id), actor=nurse, reason="Session started"
    )

    taken_at = (timezone.now() - timedelta(minutes=8)).isoformat()
    response = as_nurse.post(
        f"/api/v1/sessions/{session_id}/vitals/",
        {"taken_at": taken_at, "systolic": 186, "diastolic": 112, "heart_rate": 96, "spo2": 97},
    )
    assert response.status_code == 201, response.data
    assert response.data["vital_sign"]["minutes_from_start"] == 32
    [suggestion] = response.data["suggestions"]
    assert suggestion["term"] == "hypertension"
    assert suggestion["grade"] == 3
    assert "32 min" in suggestion["summary"]

    listed = as_nurse.get(f"/api/v1/sessions/{session_id}/suggestions/", {"status": "open"})
    assert [s["id"] for s in listed.data["results"]] == [suggestion["id"]]

    response = as_nurse.post(
        f"/api/v1/suggestions/{suggestion['id']}/confirm/", **if_match(suggestion["version"])
    )
    assert response.status_code == 201, response.data
    event = response.data
    assert event["status"] == "draft"
    assert event["term"] == "hypertension" and event["grade"] == 3
    assert event["detected_by"] == "vital_sign_alert"
    assert event["source_vital"] is not None
    assert response["ETag"] == f'"{event["version"]}"'
    assert AlertSuggestion.objects.get(pk=suggestion["id"]).status == "confirmed"

    response = as_nurse.patch(
        f"/api/v1/events/{event['id']}/",
        {
            "action_taken": "drug_interrupted",
            "rescue_medication": "Labetalol 10 mg IV",
            "outcome": "recovered",
        },
        **if_match(event["version"]),
    )
    assert response.status_code == 200, response.data
    assert response.data["version"] == event["version"] + 1
    stored = AdverseEvent.objects.get(pk=event["id"])
    assert_audited(stored, actor=nurse, reason="Draft edited")

    response = as_nurse.post(
        f"/api/v1/events/{event['id']}/submit/", **if_match(response.data["version"])
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    assert response.data["review_due_at"] is not None
    assert_audited(AdverseEvent.objects.get(pk=event["id"]), actor=nurse, reason="Event submitted")

    response = as_nurse.post(
        f"/api/v1/sessions/{session_id}/finish/",
        {"status": "completed"},
        **if_match(InfusionSession.objects.get(pk=session_id).version),
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "completed"
    response = as_nurse.post(
        f"/api/v1/sessions/{session_id}/discharge/", {}, **if_match(response.data["version"])
    )
    assert response.status_code == 200, response.data
    assert response.data["discharged_at"] is not None


def _submitted_event(as_nurse, session):
    response = as_nurse.post(
        "/api/v1/events/",
        {
            "session": session.pk,
            "term": "nausea",
            "onset_at": (session.started_at + timedelta(minutes=10)).isoformat(),
            "grade": 2,
            "submit": True,
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["status"] == "submitted"
    return response.data


def test_a_director_finds_the_event_in_the_queue_assesses_and_signs_it_off(
    as_nurse, as_director, director, session, password
):
    event = _submitted_event(as_nurse, session)

    queue = as_director.get("/api/v1/review-queue/")
    assert [row["id"] for row in queue.data["results"]] == [event["id"]]
    assert queue.data["results"][0]["hours_left"] > 24 * 29

    detail = as_director.get(f"/api/v1/events/{event['id']}/")
    response = as_director.post(
        f"/api/v1/events/{event['id']}/assess/",
        {"causality": "probable"},
        **if_match(detail.data["version"]),
    )
    assert response.status_code == 200, response.data
    assert_audited(
        AdverseEvent.objects.get(pk=event["id"]), actor=director, reason="Causality assessed"
    )

    response = as_director.post(
        f"/api/v1/events/{event['id']}/sign-off/",
        {"password": password},
        **if_match(response.data["version"]),
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "signed_off"
    [signature] = response.data["signatures"]
    assert signature["signer_name"] == "Dana Director"
    assert signature["meaning"] == "Reviewed and approved"
    assert signature["is_current"] is True
    assert_audited(
        ElectronicSignature.objects.get(), actor=director, reason="Reviewed and approved"
    )
    assert as_director.get("/api/v1/review-queue/").data["count"] == 0


def test_a_wrong_password_does_not_sign(as_nurse, as_director, session):
    event = _submitted_event(as_nurse, session)
    version = as_director.post(
        f"/api/v1/events/{event['id']}/assess/",
        {"causality": "possible"},
        **if_match(event["version"]),
    ).data["version"]

    response = as_director.post(
        f"/api/v1/events/{event['id']}/sign-off/", {"password": "guess"}, **if_match(version)
    )

    assert response.status_code == 400
    assert response.data == {"password": ["The password is not correct."]}
    assert not ElectronicSignature.objects.exists()


def test_an_amendment_after_sign_off_returns_the_event_to_submitted_and_supersedes_the_signature(
    as_nurse, as_director, nurse, session, password
):
    event = _submitted_event(as_nurse, session)
    version = as_director.post(
        f"/api/v1/events/{event['id']}/assess/",
        {"causality": "possible"},
        **if_match(event["version"]),
    ).data["version"]
    version = as_director.post(
        f"/api/v1/events/{event['id']}/sign-off/", {"password": password}, **if_match(version)
    ).data["version"]

    without_reason = as_nurse.patch(
        f"/api/v1/events/{event['id']}/", {"outcome": "recovered"}, **if_match(version)
    )
    assert without_reason.status_code == 400
    assert "reason" in without_reason.data

    response = as_nurse.patch(
        f"/api/v1/events/{event['id']}/",
        {"outcome": "recovered", "reason": "Follow-up call: recovered next morning"},
        **if_match(version),
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    assert response.data["outcome"] == "recovered"
    [signature] = response.data["signatures"]
    assert signature["is_current"] is False and signature["superseded_at"]
    assert_audited(
        AdverseEvent.objects.get(pk=event["id"]),
        actor=nurse,
        reason="Follow-up call: recovered next morning",
    )
    old = ElectronicSignature.objects.get().history.order_by("history_id").first()
    assert old.superseded_at is None  # the signature as given stays in history


def test_a_director_voids_an_event_with_a_reason(as_nurse, as_director, director, session):
    event = _submitted_event(as_nurse, session)

    no_reason = as_director.post(
        f"/api/v1/events/{event['id']}/void/", {}, **if_match(event["version"])
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.data

    response = as_director.post(
        f"/api/v1/events/{event['id']}/void/",
        {"reason": "Entered on the wrong patient"},
        **if_match(event["version"]),
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "voided"
    assert response.data["void_reason"] == "Entered on the wrong patient"
    assert_audited(
        AdverseEvent.objects.get(pk=event["id"]),
        actor=director,
        reason="Entered on the wrong patient",
    )
    # Voided events stay readable.
    assert as_director.get(f"/api/v1/events/{event['id']}/").data["status"] == "voided"


def test_a_nurse_voids_a_mistyped_reading_and_it_leaves_the_list(as_nurse, nurse, session):
    url = f"/api/v1/sessions/{session.pk}/vitals/"
    kept = as_nurse.post(url, {"systolic": 131, "diastolic": 80}).data["vital_sign"]
    mistyped = as_nurse.post(url, {"systolic": 231, "diastolic": 80}).data["vital_sign"]
    void_url = f"/api/v1/vitals/{mistyped['id']}/void/"

    no_reason = as_nurse.post(void_url, {}, **if_match(mistyped["version"]))
    assert no_reason.status_code == 400 and "reason" in no_reason.data
    response = as_nurse.post(void_url, {"reason": "Typed 231 for 131"}, **if_match(1))

    assert response.status_code == 200, response.data
    assert response.data["version"] == mistyped["version"] + 1
    assert [v["id"] for v in as_nurse.get(url).data["results"]] == [kept["id"]]
    assert_audited(
        VitalSign.objects.get(pk=mistyped["id"]), actor=nurse, reason="Typed 231 for 131"
    )
    again = as_nurse.post(void_url, {"reason": "Twice"}, **if_match(response.data["version"]))
    assert again.status_code == 400 and "is_voided" in again.data


def test_a_nurse_dismisses_a_suggestion_with_a_reason(as_nurse, nurse, session):
    recorded = as_nurse.post(f"/api/v1/sessions/{session.pk}/vitals/", {"spo2": 90})
    [suggestion] = recorded.data["suggestions"]
    assert suggestion["term"] == "hypoxia"

    response = as_nurse.post(
        f"/api/v1/suggestions/{suggestion['id']}/dismiss/",
        {"reason": "Probe slipped; 98% after refitting"},
        **if_match(suggestion["version"]),
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "dismissed"
    assert_audited(
        AlertSuggestion.objects.get(pk=suggestion["id"]),
        actor=nurse,
        reason="Probe slipped; 98% after refitting",
    )
    assert not AdverseEvent.objects.exists()


def test_a_nurse_registers_and_corrects_a_patient(as_nurse, nurse, north):
    response = as_nurse.post(
        "/api/v1/patients/",
        {
            "site": north.pk,
            "chart_number": "N-2002",
            "birth_year": 1975,
            "sex": "male",
            "indication": "ptsd",
        },
    )
    assert response.status_code == 201, response.data
    assert response.data["site"]["code"] == "north"

    response = as_nurse.patch(
        f"/api/v1/patients/{response.data['id']}/", {"birth_year": 1976}, **if_match(1)
    )

    assert response.status_code == 200, response.data
    assert response.data["birth_year"] == 1976 and response["ETag"] == '"2"'


def test_a_director_changes_the_thresholds_of_their_site(as_director, director, north):
    site = as_director.get(f"/api/v1/sites/{north.pk}/")
    assert site.data["systolic_high"] == 180

    response = as_director.patch(
        f"/api/v1/sites/{north.pk}/thresholds/",
        {"systolic_high": 170, "reason": "Committee decision 2026-11"},
        **{"If-Match": site["ETag"]},
    )

    assert response.status_code == 200, response.data
    assert response.data["systolic_high"] == 170
    north.refresh_from_db()
    assert_audited(north, actor=director, reason="Committee decision 2026-11")


def test_terms_carry_their_ctcae_grade_wording(as_nurse):
    listed = as_nurse.get("/api/v1/terms/", {"search": "hypert"})
    assert [t["code"] for t in listed.data["results"]] == ["hypertension"]

    term = as_nurse.get("/api/v1/terms/hypertension/").data

    assert [g["grade"] for g in term["grades"]] == [1, 2, 3, 4, 5]
    assert "160" in term["grades"][2]["text"]


def test_a_token_from_the_token_endpoint_authenticates(nurse, password, anonymous):
    refused = anonymous.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert refused.status_code == 400

    token = anonymous.post(
        "/api/v1/auth/token/", {"username": "alice", "password": password, "name": "Laptop"}
    )
    assert token.status_code == 200, token.data

    anonymous.client.credentials(HTTP_AUTHORIZATION=f"Token {token.data['token']}")
    assert anonymous.get("/api/v1/patients/").status_code == 200
