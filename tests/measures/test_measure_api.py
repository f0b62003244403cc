"""The measures API: 201 with the alert, 400 naming the field and nothing stored, another
site's session refused, ETag and If-Match on void, Idempotency-Key, and the alert queue."""

import pytest

from events.models import OutcomeMeasure, SuicidalityAlert
from tests.api.conftest import Api, if_match
from tests.measures.conftest import ITEM9_POSITIVE, NEGATIVE

pytestmark = pytest.mark.django_db


def _url(session) -> str:
    return f"/api/v1/sessions/{session.pk}/measures/"


def test_a_nurse_records_a_phq9(as_nurse, chair_session):
    response = as_nurse.post(_url(chair_session), NEGATIVE)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["measure"]["phq9_total"] == 12
    assert body["alert"] is None
    detail = as_nurse.get(response["Location"])
    assert detail.status_code == 200
    assert detail["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEGATIVE, "phq9_item2": 5}, "phq9_item2"),
        ({**NEGATIVE, "phq9_total": 3}, "phq9_total"),
        ({"screen_ideation": True}, "screen_behaviour"),
        ({"gad7_total": 40}, "gad7_total"),
        ({**NEGATIVE, "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(
    as_nurse, chair_session, body, field
):
    response = as_nurse.post(_url(chair_session), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not OutcomeMeasure.objects.exists()


def test_another_sites_session_is_not_found(as_outsider, chair_session):
    assert as_outsider.post(_url(chair_session), NEGATIVE).status_code == 404
    assert not OutcomeMeasure.objects.exists()


def test_an_auditor_reads_but_cannot_record(as_auditor, chair_session):
    assert as_auditor.post(_url(chair_session), NEGATIVE).status_code == 403
    assert as_auditor.get(_url(chair_session)).status_code == 200


def test_a_repeated_post_with_the_same_key_records_once(as_nurse, chair_session):
    first = as_nurse.post(_url(chair_session), ITEM9_POSITIVE, **{"Idempotency-Key": "k-1"})
    again = as_nurse.post(_url(chair_session), ITEM9_POSITIVE, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert OutcomeMeasure.objects.count() == 1
    assert SuicidalityAlert.objects.count() == 1


def test_void_needs_the_current_version(as_nurse, chair_session):
    measure_id = as_nurse.post(_url(chair_session), NEGATIVE).json()["measure"]["id"]
    url = f"/api/v1/measures/{measure_id}/void/"
    stale = as_nurse.post(url, {"reason": "typo"}, **if_match(7))
    assert stale.status_code == 412
    done = as_nurse.post(url, {"reason": "typo"}, **if_match(1))
    assert done.status_code == 200 and done.json()["is_voided"] is True
    assert as_nurse.get(_url(chair_session)).json()["count"] == 0


def test_a_positive_item9_reaches_the_directors_alert_list(
    as_nurse, as_director, chair_session, director
):
    alert = as_nurse.post(_url(chair_session), ITEM9_POSITIVE).json()["alert"]
    assert alert["status"] == "open"
    listed = as_director.get("/api/v1/alerts/").json()
    assert [a["id"] for a in listed["results"]] == [alert["id"]]
    assert as_nurse.get("/api/v1/alerts/").status_code == 403

    url = f"/api/v1/alerts/{alert['id']}/confirm/"
    assert as_nurse.post(url, {}, **if_match(1)).status_code == 403
    confirmed = as_director.post(url, {"file_event": True, "reason": "called"}, **if_match(1))
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["event"] is not None
    assert confirmed["ETag"] == '"2"'
    assert as_director.get("/api/v1/alerts/").json()["count"] == 0


def test_dismiss_without_a_reason_is_refused(as_nurse, as_director, chair_session):
    alert = as_nurse.post(_url(chair_session), ITEM9_POSITIVE).json()["alert"]
    url = f"/api/v1/alerts/{alert['id']}/dismiss/"
    refused = as_director.post(url, {"reason": ""}, **if_match(1))
    assert refused.status_code == 400 and "reason" in refused.json()


def test_another_sites_alert_is_not_found(as_nurse, chair_session, other_site_nurse):
    alert = as_nurse.post(_url(chair_session), ITEM9_POSITIVE).json()["alert"]
    assert Api(other_site_nurse).get(f"/api/v1/alerts/{alert['id']}/").status_code == 404


def test_the_course_endpoint_reports_scores_and_rules(as_nurse, chair_session, patient):
    as_nurse.post(_url(chair_session), NEGATIVE)
    body = as_nurse.get(f"/api/v1/patients/{patient.pk}/course/").json()
    assert body["sessions"][0]["phq9"] == 12
    assert body["outcome"]["baseline"] == 12
    assert body["counting_rules"]
