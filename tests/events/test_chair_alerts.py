"""Alerts at the chair: a reading suggests an event when it crosses a site threshold or rises at
least one CTCAE grade over the patient's pre-infusion baseline. The baseline itself suggests
nothing, and its grade shows as information, not as a finding."""

from datetime import timedelta

from django.urls import reverse

from events.choices import SuggestionStatus
from events.models import AlertSuggestion
from events.rules import Reading, Thresholds, chair_alerts
from events.services.vitals import vital_sign_record
from tests.audit_helpers import assert_audited

LIMITS = Thresholds()
BASELINE = Reading(systolic=132, diastolic=69)  # CTCAE hypertension grade 1


def alerts(reading: Reading, baseline: Reading | None = BASELINE, pre: bool = False):
    return [
        (a.term_code, a.grade) for a in chair_alerts(reading, LIMITS, baseline, is_pre_infusion=pre)
    ]


def test_a_reading_at_the_baseline_grade_suggests_nothing():
    assert alerts(Reading(systolic=136, diastolic=74)) == []


def test_a_rise_of_one_grade_over_baseline_suggests_an_event_below_the_threshold():
    assert alerts(Reading(systolic=146, diastolic=84)) == [("hypertension", 2)]
    assert alerts(Reading(systolic=162, diastolic=84)) == [("hypertension", 3)]


def test_a_patient_whose_baseline_is_grade_2_is_flagged_only_at_grade_3():
    baseline = Reading(systolic=150, diastolic=92)
    assert alerts(Reading(systolic=155, diastolic=95), baseline) == []
    assert alerts(Reading(systolic=161, diastolic=95), baseline) == [("hypertension", 3)]


def test_the_pre_infusion_reading_suggests_nothing_even_past_a_threshold():
    assert alerts(Reading(systolic=186, diastolic=112, spo2=90), pre=True) == []


def test_site_thresholds_still_apply_with_or_without_a_baseline():
    crossing = Reading(systolic=186, diastolic=112, spo2=90)
    expected = [("hypertension", 3), ("hypoxia", 2)]
    assert alerts(crossing) == expected
    assert alerts(crossing, baseline=None) == expected
    # Without a baseline, a grade change cannot be told: only the thresholds speak.
    assert alerts(Reading(systolic=150, diastolic=92), baseline=None) == []


def test_recording_readings_raises_suggestions_from_the_baseline_with_history(nurse, session):
    def record(minutes: int, systolic: int, diastolic: int):
        taken_at = session.started_at + timedelta(minutes=minutes)
        data = {"systolic": systolic, "diastolic": diastolic, "taken_at": taken_at}
        return vital_sign_record(session=session, actor=nurse, data=data)

    assert record(-5, 132, 69)[1] == []  # the baseline, grade 1
    assert record(15, 134, 72)[1] == []  # still grade 1
    _, raised = record(25, 148, 86)  # grade 2: one above baseline
    [suggestion] = raised
    assert (suggestion.term.code, suggestion.grade) == ("hypertension", 2)
    assert "up from grade 1 at the pre-infusion baseline (132/69 mmHg)" in suggestion.summary
    assert_audited(suggestion, actor=nurse)

    _, worse = record(35, 164, 90)  # grade 3 updates the open suggestion
    assert [(s.pk, s.grade) for s in worse] == [(suggestion.pk, 3)]
    assert AlertSuggestion.objects.filter(session=session).count() == 1
    assert record(45, 150, 88)[1] == []  # better than the open suggestion's reading


def test_the_session_page_shows_the_baseline_grade_as_information(client, nurse, session):
    for minutes, systolic, diastolic in ((-5, 132, 69), (20, 134, 70), (30, 150, 88)):
        vital_sign_record(
            session=session,
            actor=nurse,
            data={
                "systolic": systolic,
                "diastolic": diastolic,
                "taken_at": session.started_at + timedelta(minutes=minutes),
            },
        )

    client.force_login(nurse)
    text = client.get(reverse("session-detail", args=[session.pk])).text

    assert "BP grade 1 (baseline)" in text
    assert "BP grade 1 (baseline grade 1)" in text
    assert "Hypertension G1" not in text  # no badge that reads like a finding
    assert text.count("Hypertension G2") == 1  # the reading that raised the suggestion
    open_suggestion = AlertSuggestion.objects.get(session=session)
    assert open_suggestion.status == SuggestionStatus.OPEN
