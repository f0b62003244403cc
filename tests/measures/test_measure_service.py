"""Recording measures: the rules name the field, nothing half-written, and a positive item 9
or screen always reaches the directors' queue in the same transaction."""

import pytest
from django.core.exceptions import ValidationError

from events.course_selectors import suicidality_alert_list
from events.models import AdverseEvent, AlertStatus, OutcomeMeasure, SuicidalityAlert
from events.services import measures as measure_services
from events.services.measures import (
    outcome_measure_record,
    suicidality_alert_confirm,
    suicidality_alert_dismiss,
)
from tests.measures.conftest import ITEM9_POSITIVE, NEGATIVE, phq9

pytestmark = pytest.mark.django_db


def _refused(session, actor, data) -> dict:
    with pytest.raises(ValidationError) as refusal:
        outcome_measure_record(session=session, actor=actor, data=data)
    assert not OutcomeMeasure.objects.exists()
    assert not SuicidalityAlert.objects.exists()
    return refusal.value.message_dict


def test_it_adds_up_the_total_and_raises_nothing_for_a_negative_screen(chair_session, nurse):
    measure, alert = outcome_measure_record(session=chair_session, actor=nurse, data=NEGATIVE)
    assert measure.phq9_total == 12
    assert alert is None
    last = measure.history.latest("history_id")
    assert last.history_user_id == nurse.pk
    assert last.history_change_reason == "Outcome measures recorded"


def test_it_names_an_item_out_of_range(chair_session, nurse):
    errors = _refused(chair_session, nurse, {**NEGATIVE, "phq9_item4": 4})
    assert errors == {"phq9_item4": ["Must be between 0 and 3."]}


def test_it_names_a_missing_item(chair_session, nurse):
    data = dict(NEGATIVE)
    del data["phq9_item7"]
    assert "phq9_item7" in _refused(chair_session, nurse, data)


def test_it_refuses_a_total_that_is_not_the_sum(chair_session, nurse):
    errors = _refused(chair_session, nurse, {**NEGATIVE, "phq9_total": 13})
    assert errors["phq9_total"] == ["The total (13) does not equal the sum of the items (12)."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("madrs_total", 61, "Must be between 0 and 60."),
        ("gad7_total", 22, "Must be between 0 and 21."),
    ],
)
def test_it_names_an_optional_total_out_of_range(chair_session, nurse, field, value, message):
    assert _refused(chair_session, nurse, {field: value}) == {field: [message]}


def test_it_refuses_a_screen_with_one_answer(chair_session, nurse):
    errors = _refused(chair_session, nurse, {"screen_ideation": True})
    assert errors == {"screen_behaviour": ["Answer both screening questions (yes or no)."]}


def test_it_refuses_a_screen_note_without_answers(chair_session, nurse):
    errors = _refused(chair_session, nurse, {"madrs_total": 20, "screen_note": "calm"})
    assert "screen_ideation" in errors


def test_it_refuses_an_empty_record(chair_session, nurse):
    assert "__all__" in _refused(chair_session, nurse, {})


def test_it_refuses_measures_taken_after_the_infusion_started(chair_session, nurse):
    late = chair_session.started_at + measure_services.LATEST_AFTER_START * 2
    errors = _refused(chair_session, nurse, {**NEGATIVE, "recorded_at": late})
    assert "recorded_at" in errors


def test_it_refuses_a_second_set_for_the_session(chair_session, nurse):
    outcome_measure_record(session=chair_session, actor=nurse, data=NEGATIVE)
    with pytest.raises(ValidationError) as refusal:
        outcome_measure_record(session=chair_session, actor=nurse, data=NEGATIVE)
    assert "session" in refusal.value.message_dict
    assert OutcomeMeasure.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "summary"),
    [
        (ITEM9_POSITIVE, "Positive suicidality screen: PHQ-9 item 9 = 1"),
        (
            {"screen_ideation": True, "screen_behaviour": False},
            "Positive suicidality screen: screen: suicidal ideation",
        ),
        (
            {"screen_ideation": False, "screen_behaviour": True},
            "Positive suicidality screen: screen: recent suicidal behaviour",
        ),
    ],
)
def test_a_positive_item9_or_screen_reaches_the_directors_queue(
    chair_session, nurse, director, data, summary
):
    _, alert = outcome_measure_record(session=chair_session, actor=nurse, data=data)
    assert alert is not None and alert.summary == summary
    assert list(suicidality_alert_list(director)) == [alert]


def test_when_the_alert_cannot_be_written_the_measures_are_not_stored(
    chair_session, nurse, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("alert store unavailable")

    monkeypatch.setattr(measure_services, "suicidality_alert_raise", broken)
    with pytest.raises(RuntimeError):
        outcome_measure_record(session=chair_session, actor=nurse, data=ITEM9_POSITIVE)
    assert not OutcomeMeasure.objects.exists()


def test_the_sites_directors_are_notified_without_patient_data(chair_session, nurse, director):
    from events.notifications.models import Notification

    _, alert = outcome_measure_record(session=chair_session, actor=nurse, data=ITEM9_POSITIVE)
    (notification,) = Notification.objects.filter(recipient=director)
    assert notification.kind == "suicidality_alert"
    assert notification.link == f"/alerts/{alert.pk}/"
    assert chair_session.patient.chart_number not in notification.subject + notification.body


def test_a_director_confirms_and_files_a_prefilled_event(chair_session, nurse, director):
    _, alert = outcome_measure_record(
        session=chair_session,
        actor=nurse,
        data={"screen_ideation": True, "screen_behaviour": False, "screen_note": "passive"},
    )
    alert = suicidality_alert_confirm(
        alert=alert,
        actor=director,
        reason="Spoke with patient",
        file_event=True,
        expected_version=1,
    )
    assert alert.status == AlertStatus.CONFIRMED and alert.decided_by == director
    event = AdverseEvent.objects.get(pk=alert.event_id)
    assert event.term.code == "suicidal_ideation"
    assert event.grade == 2
    assert "passive" in event.narrative
    assert alert.history.latest("history_id").history_change_reason == "Spoke with patient"


def test_staff_cannot_decide_an_alert(chair_session, nurse):
    from django.core.exceptions import PermissionDenied

    _, alert = outcome_measure_record(session=chair_session, actor=nurse, data=ITEM9_POSITIVE)
    with pytest.raises(PermissionDenied):
        suicidality_alert_dismiss(alert=alert, actor=nurse, reason="x", expected_version=1)


def test_dismissing_needs_a_reason(chair_session, nurse, director):
    _, alert = outcome_measure_record(session=chair_session, actor=nurse, data=ITEM9_POSITIVE)
    with pytest.raises(ValidationError) as refusal:
        suicidality_alert_dismiss(alert=alert, actor=director, reason=" ", expected_version=1)
    assert "reason" in refusal.value.message_dict
    alert = suicidality_alert_dismiss(
        alert=alert, actor=director, reason="Item mis-tapped; patient denies", expected_version=1
    )
    assert alert.status == AlertStatus.DISMISSED
    assert not list(suicidality_alert_list(director))


def test_phq9_helper_builds_nine_items():
    assert len(phq9(*([0] * 9))) == 9
