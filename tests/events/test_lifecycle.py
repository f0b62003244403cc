"""The event lifecycle through the services: draft, submit, assess, sign off, amend, void."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from events.choices import EventStatus, SuggestionStatus
from events.models import AdverseEvent, AlertSuggestion, EventTerm
from events.selectors import review_queue, signature_is_valid
from events.services.adverse_events import (
    adverse_event_assess,
    adverse_event_create,
    adverse_event_sign_off,
    adverse_event_submit,
    adverse_event_update,
    adverse_event_void,
)
from events.services.common import StaleVersionError
from events.services.vitals import suggestion_confirm, suggestion_dismiss, vital_sign_record
from tests.audit_helpers import assert_audited


@pytest.fixture
def draft(session, nurse):
    return adverse_event_create(
        actor=nurse,
        session=session,
        data={
            "term": EventTerm.objects.get(code="dissociation"),
            "onset_at": session.started_at + timedelta(minutes=25),
            "grade": 2,
        },
    )


def test_a_draft_is_audited_with_the_reporter(draft, nurse):
    assert draft.status == EventStatus.DRAFT and draft.is_expected
    assert draft.onset_minutes == 25
    assert_audited(draft, actor=nurse, reason="Event drafted", history_type="+")


def test_submit_assess_and_sign_off_bind_the_signature_to_the_version(
    draft, nurse, director, password
):
    event = adverse_event_submit(event=draft, actor=nurse, expected_version=1)
    assert event.review_due_at == event.submitted_at + timedelta(days=30)
    event = adverse_event_assess(
        event=event, actor=director, causality="probable", expected_version=2
    )
    signature = adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=3
    )
    event.refresh_from_db()
    assert event.status == EventStatus.SIGNED_OFF and signature.event_version == 3
    assert signature_is_valid(signature)
    assert_audited(event, actor=director, reason="Reviewed and approved")


def test_sign_off_needs_the_right_password_and_changes_nothing_without_it(draft, nurse, director):
    event = adverse_event_submit(event=draft, actor=nurse, expected_version=1)
    event = adverse_event_assess(
        event=event, actor=director, causality="possible", expected_version=2
    )
    with pytest.raises(ValidationError) as caught:
        adverse_event_sign_off(event=event, actor=director, password="wrong", expected_version=3)
    assert "password" in caught.value.message_dict
    event.refresh_from_db()
    assert event.status == EventStatus.SUBMITTED and not event.signatures.exists()


def test_an_amendment_after_sign_off_returns_to_submitted_and_supersedes(
    draft, nurse, director, password
):
    event = adverse_event_submit(event=draft, actor=nurse, expected_version=1)
    event = adverse_event_assess(
        event=event, actor=director, causality="possible", expected_version=2
    )
    signature = adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=3
    )
    with pytest.raises(ValidationError) as caught:
        adverse_event_update(
            event=event, actor=nurse, data={"outcome": "recovered"}, expected_version=4
        )
    assert "reason" in caught.value.message_dict
    event = adverse_event_update(
        event=event,
        actor=nurse,
        data={"outcome": "recovered"},
        expected_version=4,
        reason="Follow-up call: recovered next day",
    )
    signature.refresh_from_db()
    assert event.status == EventStatus.SUBMITTED and signature.superseded_at is not None
    assert signature_is_valid(signature)  # still matches the version it approved
    assert_audited(event, actor=nurse, reason="Follow-up call: recovered next day")


def test_a_stale_version_is_refused_and_the_record_is_unchanged(draft, nurse):
    adverse_event_update(event=draft, actor=nurse, data={"grade": 3}, expected_version=1)
    with pytest.raises(StaleVersionError) as caught:
        adverse_event_update(event=draft, actor=nurse, data={"grade": 1}, expected_version=1)
    assert caught.value.changed_by == "alice" and caught.value.current_version == 2
    draft.refresh_from_db()
    assert draft.grade == 3 and draft.history.count() == 2


def test_only_directors_sign_off_and_not_their_own_reports(session, nurse, director, password):
    event = adverse_event_create(
        actor=director,
        session=session,
        submit=True,
        data={
            "term": EventTerm.objects.get(code="nausea"),
            "onset_at": session.started_at + timedelta(minutes=5),
            "grade": 1,
        },
    )
    event = adverse_event_assess(
        event=event, actor=director, causality="possible", expected_version=1
    )
    with pytest.raises(PermissionDenied):
        adverse_event_sign_off(event=event, actor=nurse, password=password, expected_version=2)
    with pytest.raises(PermissionDenied):
        adverse_event_sign_off(event=event, actor=director, password=password, expected_version=2)


def test_void_needs_a_director_and_a_reason(draft, nurse, director):
    with pytest.raises(PermissionDenied):
        adverse_event_void(event=draft, actor=nurse, reason="dup", expected_version=1)
    with pytest.raises(ValidationError):
        adverse_event_void(event=draft, actor=director, reason=" ", expected_version=1)
    event = adverse_event_void(
        event=draft, actor=director, reason="Entered in error", expected_version=1
    )
    assert event.status == EventStatus.VOIDED
    assert AdverseEvent.objects.filter(pk=event.pk).exists()
    assert_audited(event, actor=director, reason="Entered in error")


def test_another_sites_staff_cannot_touch_the_event(draft, other_site_nurse):
    with pytest.raises(Http404):
        adverse_event_update(
            event=draft, actor=other_site_nurse, data={"grade": 1}, expected_version=1
        )


def test_auditors_cannot_write(draft, auditor):
    with pytest.raises(PermissionDenied):
        adverse_event_submit(event=draft, actor=auditor, expected_version=1)


def test_serious_unexpected_events_lead_the_review_queue(session, nurse, director):
    def file(code, **extra):
        data = {
            "term": EventTerm.objects.get(code=code),
            "onset_at": session.started_at + timedelta(minutes=10),
            "grade": 3,
            **extra,
        }
        return adverse_event_create(actor=nurse, session=session, data=data, submit=True)

    routine = file("nausea")
    serious = file(
        "psychosis", is_hospitalisation=True, narrative="Admitted overnight.", is_expected=False
    )
    assert review_queue(director)[:10] == [serious, routine]
    assert serious.review_due_at == serious.submitted_at + timedelta(days=15)


def test_a_high_reading_raises_one_suggestion_updated_to_the_worst(session, nurse):
    start = session.started_at
    vital_sign_record(
        session=session,
        actor=nurse,
        data={"systolic": 182, "diastolic": 100, "taken_at": start + timedelta(minutes=20)},
    )
    vital_sign_record(
        session=session,
        actor=nurse,
        data={"systolic": 186, "diastolic": 112, "taken_at": start + timedelta(minutes=32)},
    )
    vital_sign_record(
        session=session,
        actor=nurse,
        data={"systolic": 181, "diastolic": 104, "taken_at": start + timedelta(minutes=40)},
    )
    suggestion = AlertSuggestion.objects.get(session=session)
    assert suggestion.summary == "Hypertension, grade 3: BP 186/112 mmHg at 32 min"
    assert suggestion.history.count() == 2


def test_confirming_a_suggestion_creates_a_linked_draft(session, nurse):
    vital, [suggestion] = vital_sign_record(
        session=session,
        actor=nurse,
        data={
            "systolic": 186,
            "diastolic": 112,
            "taken_at": session.started_at + timedelta(minutes=32),
        },
    )
    event = suggestion_confirm(suggestion=suggestion, actor=nurse, expected_version=1)
    assert event.source_vital == vital and event.grade == 3 and event.onset_minutes == 32
    assert event.detected_by == "vital_sign_alert"
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.CONFIRMED and suggestion.event == event
    assert_audited(suggestion, actor=nurse, reason="Suggestion confirmed as a draft event")


def test_dismissing_needs_a_reason(session, nurse):
    _, [suggestion] = vital_sign_record(session=session, actor=nurse, data={"spo2": 90})
    with pytest.raises(ValidationError):
        suggestion_dismiss(suggestion=suggestion, actor=nurse, reason="", expected_version=1)
    suggestion = suggestion_dismiss(
        suggestion=suggestion,
        actor=nurse,
        reason="Probe slipped; 98% on re-check",
        expected_version=1,
    )
    assert suggestion.status == SuggestionStatus.DISMISSED
