"""The measures form at the chair, the alert in the director's queue, and the course page."""

import pytest

from events.models import AdverseEvent, OutcomeMeasure, SuicidalityAlert
from events.models.measures import PHQ9_ITEMS
from tests.factories import AdverseEventFactory, InfusionSessionFactory, VitalSignFactory

pytestmark = pytest.mark.django_db


def _form(items, **extra) -> dict:
    data = {"form_token": "t-1", **dict(zip(PHQ9_ITEMS, map(str, items), strict=True))}
    return {**data, **extra}


def test_the_form_shows_the_phq9_wording(signed_in, nurse, chair_session):
    page = signed_in(nurse).get(f"/sessions/{chair_session.pk}/measures/")
    assert page.status_code == 200
    assert "Little interest or pleasure in doing things" in page.text
    assert "Nearly every day" in page.text


def test_a_nurse_records_a_phq9_and_lands_on_the_session(signed_in, nurse, chair_session):
    client = signed_in(nurse)
    answers = _form([1] * 9, screen_ideation="no", screen_behaviour="no")
    answers["phq9_item9"] = "0"
    response = client.post(f"/sessions/{chair_session.pk}/measures/", answers)
    assert response.status_code == 302
    assert OutcomeMeasure.objects.get().phq9_total == 8
    page = client.get(f"/sessions/{chair_session.pk}/")
    assert "PHQ-9 <strong>8</strong>" in page.text


def test_a_missing_item_is_shown_next_to_it_and_nothing_is_stored(signed_in, nurse, chair_session):
    answers = _form([1] * 9)
    del answers["phq9_item3"]
    page = signed_in(nurse).post(f"/sessions/{chair_session.pk}/measures/", answers)
    assert page.status_code == 200
    assert 'id="id_phq9_item3_error"' in page.text
    assert not OutcomeMeasure.objects.exists()


def test_a_double_submit_records_once(signed_in, nurse, chair_session):
    client = signed_in(nurse)
    url = f"/sessions/{chair_session.pk}/measures/"
    client.post(url, _form([1] * 9))
    client.post(url, _form([1] * 9))
    assert OutcomeMeasure.objects.count() == 1
    assert SuicidalityAlert.objects.count() == 1  # item 9 = 1


def test_a_positive_item9_shows_in_the_directors_queue_and_files_an_event(
    signed_in, nurse, director, chair_session
):
    signed_in(nurse).post(f"/sessions/{chair_session.pk}/measures/", _form([2] * 9))
    alert = SuicidalityAlert.objects.get()
    client = signed_in(director)
    queue = client.get("/review/")
    assert "Suicidality alerts (1 open)" in queue.text
    assert f"/alerts/{alert.pk}/" in queue.text
    page = client.get(f"/alerts/{alert.pk}/")
    assert "Confirm alert" in page.text
    response = client.post(
        f"/alerts/{alert.pk}/confirm/", {"version": "1", "file_event": "on", "reason": "seen"}
    )
    event = AdverseEvent.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.pk}/edit/"
    assert "Suicidality alerts" not in client.get("/review/").text


def test_the_nurse_cannot_decide_an_alert(signed_in, nurse, chair_session):
    client = signed_in(nurse)
    client.post(f"/sessions/{chair_session.pk}/measures/", _form([2] * 9))
    alert = SuicidalityAlert.objects.get()
    response = client.post(f"/alerts/{alert.pk}/dismiss/", {"version": "1", "reason": "no"})
    assert response.status_code == 403


def test_the_course_page_marks_response_and_remission(signed_in, nurse, patient):
    from datetime import timedelta

    from django.utils import timezone

    from events.services.measures import outcome_measure_record

    start = timezone.now() - timedelta(days=20)
    scores = [20, 16, 12, 9, 8, 4]
    for number, score in enumerate(scores):
        session = InfusionSessionFactory(
            patient=patient,
            administered_by=nurse,
            started_at=start + timedelta(days=3 * number),
            status="completed",
        )
        items = [min(3, score // 9 + (1 if i < score % 9 else 0)) for i in range(9)]
        items[8] = 0
        total = sum(items)
        outcome_measure_record(
            session=session,
            actor=nurse,
            data={**dict(zip(PHQ9_ITEMS, items, strict=True)), "recorded_at": session.started_at},
        )
        scores[number] = total
        if number == 2:
            AdverseEventFactory(session=session, grade=2)
            VitalSignFactory(session=session, systolic=168, diastolic=95, cadss6=7)
    page = signed_in(nurse).get(f"/patients/{patient.pk}/course/")
    assert page.status_code == 200
    assert "<svg" in page.text and "remission below 5" in page.text
    assert "remission</span>" in page.text
    assert "168" in page.text
    assert "By session 6" in page.text
