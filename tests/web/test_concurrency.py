"""Colleagues editing the same record, and double taps: a stale form is refused with the
name of who changed the record and when, keeping what was typed; a form sent twice creates
one record."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from events.models import AdverseEvent, AlertSuggestion, EventTerm, VitalSign
from events.services.adverse_events import adverse_event_update
from events.services.patients import patient_update


def _event_data(session, **overrides) -> dict:
    onset = timezone.localtime(session.started_at + timedelta(minutes=15), session.site.zone)
    return {
        "term": EventTerm.objects.get(code="nausea").pk,
        "onset_at": onset.strftime("%Y-%m-%dT%H:%M"),
        "grade": "1",
        "outcome": "recovering",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "narrative": "My version of what happened.",
        "intent": "draft",
        **overrides,
    }


def test_a_stale_event_form_names_who_changed_it_and_keeps_the_typing(
    signed_in, nurse, director, draft_event
):
    seen_version = draft_event.version
    adverse_event_update(
        event=draft_event,
        actor=director,
        data={"narrative": "The director's version."},
        expected_version=seen_version,
    )
    response = signed_in(nurse).post(
        reverse("event-edit", args=[draft_event.pk]),
        _event_data(draft_event.session, version=seen_version),
    )
    assert response.status_code == 200
    assert "This record was changed by dana at" in response.text
    assert f"you edited version {seen_version}" in response.text
    assert "My version of what happened." in response.text
    draft_event.refresh_from_db()
    assert draft_event.narrative == "The director's version."
    # The re-shown form is based on the current version, so saving again is a choice
    # made knowing about the colleague's change.
    assert f'name="version" value="{draft_event.version}"' in response.text


def test_saving_again_after_the_stale_warning_applies_the_users_changes(
    signed_in, nurse, director, draft_event
):
    adverse_event_update(
        event=draft_event,
        actor=director,
        data={"narrative": "The director's version."},
        expected_version=draft_event.version,
    )
    client = signed_in(nurse)
    url = reverse("event-edit", args=[draft_event.pk])
    client.post(url, _event_data(draft_event.session, version=1))
    draft_event.refresh_from_db()
    response = client.post(url, _event_data(draft_event.session, version=draft_event.version))
    assert response.status_code == 302
    draft_event.refresh_from_db()
    assert draft_event.narrative == "My version of what happened."


def test_a_stale_patient_form_is_refused_without_saving(signed_in, nurse, director, patient):
    patient_update(patient=patient, actor=director, data={"birth_year": 1970}, expected_version=1)
    response = signed_in(nurse).post(
        reverse("patient-edit", args=[patient.pk]),
        {
            "version": 1,
            "chart_number": patient.chart_number,
            "birth_year": "1981",
            "sex": patient.sex,
            "indication": patient.indication,
        },
    )
    assert "This record was changed by dana" in response.text
    assert 'value="1981"' in response.text
    patient.refresh_from_db()
    assert patient.birth_year == 1970


def test_a_double_submitted_event_form_creates_one_event(signed_in, nurse, session):
    client = signed_in(nurse)
    data = _event_data(session, form_token="tap-tap", intent="submit")
    first = client.post(reverse("event-new", args=[session.pk]), data)
    second = client.post(reverse("event-new", args=[session.pk]), data)
    event = AdverseEvent.objects.get(session=session)
    assert first["Location"] == second["Location"] == reverse("event-detail", args=[event.pk])
    assert event.history.count() == 1


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_token(signed_in, nurse, session):
    client = signed_in(nurse)
    url = reverse("event-new", args=[session.pk])
    refused = client.post(url, _event_data(session, form_token="fix-me", grade="5"))
    assert refused.status_code == 200
    accepted = client.post(url, _event_data(session, form_token="fix-me"))
    assert accepted.status_code == 302
    assert AdverseEvent.objects.filter(session=session).count() == 1


def test_a_double_submitted_reading_is_recorded_once(signed_in, nurse, session):
    client = signed_in(nurse)
    data = {"form_token": "vitals-twice", "systolic": "186", "diastolic": "112"}
    for _ in range(2):
        client.post(reverse("vital-new", args=[session.pk]), data, headers={"HX-Request": "true"})
    assert VitalSign.objects.filter(session=session).count() == 1


def test_a_double_tap_on_confirm_opens_the_same_draft_event(signed_in, nurse, session):
    client = signed_in(nurse)
    client.post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "v", "systolic": "186", "diastolic": "112"},
    )
    suggestion = AlertSuggestion.objects.get(session=session)
    url = reverse("suggestion-confirm", args=[suggestion.pk])
    first = client.post(url, {"version": suggestion.version})
    second = client.post(url, {"version": suggestion.version})
    assert first["Location"] == second["Location"]
    assert AdverseEvent.objects.filter(session=session).count() == 1
