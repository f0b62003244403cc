"""A director's question through its states, and what it does to the sign-off."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from events.choices import EventStatus
from events.inquiries.choices import QuestionStatus
from events.inquiries.models import Question
from events.inquiries.services import (
    question_answer,
    question_ask_again,
    question_close,
    question_open,
    question_resolve,
)
from events.services.adverse_events import adverse_event_sign_off
from tests.audit_helpers import assert_audited
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _ask(director, event, text="Which rescue drug was given, at what dose?", to="reporter"):
    return question_open(actor=director, event=event, text=text, addressed_to=to)


@time_machine.travel("2026-03-02 10:00:00+00:00", tick=False)
def test_a_question_is_due_three_days_after_it_is_asked(director, event):
    question = _ask(director, event)

    assert question.status == QuestionStatus.OPEN
    assert question.due_at.isoformat() == "2026-03-05T10:00:00+00:00"
    assert question.addressee_id == event.reported_by_id
    assert_audited(question, actor=director, reason="Question asked", history_type="+")


def test_the_due_time_follows_the_setting(director, event, settings):
    settings.QUESTION_DUE_DAYS = 1
    question = _ask(director, event)
    assert (question.due_at - question.created_at).days == 0


def test_an_open_question_blocks_the_sign_off_and_names_the_question(director, event, password):
    question = _ask(director, event)

    with pytest.raises(ValidationError) as refused:
        adverse_event_sign_off(
            event=event, actor=director, password=password, expected_version=event.version
        )

    message = refused.value.message_dict["questions"][0]
    assert f"Question {question.pk}" in message and "Which rescue drug" in message
    event.refresh_from_db()
    assert event.status == EventStatus.SUBMITTED and not event.signatures.exists()


def test_ask_answer_resolve_then_sign_off(director, nurse, event, password):
    question = _ask(director, event)

    answer = question_answer(
        actor=nurse, question=question, text="Midazolam 2 mg IV", expected_version=1
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED and question.version == 2
    assert_audited(answer, actor=nurse, reason="Question answered")
    assert_audited(question, actor=nurse, reason="Question answered")

    with pytest.raises(ValidationError):  # answered is not settled yet
        adverse_event_sign_off(event=event, actor=director, password=password, expected_version=1)

    question = question_resolve(actor=director, question=question, expected_version=2)
    assert question.status == QuestionStatus.RESOLVED
    assert_audited(question, actor=director, reason="Answer accepted")

    signature = adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=event.version
    )
    assert signature.event.status == EventStatus.SIGNED_OFF


def test_asking_again_opens_a_follow_up_for_the_same_person(director, nurse, event):
    question = _ask(director, event)
    question_answer(actor=nurse, question=question, text="Not sure", expected_version=1)

    follow_up = question_ask_again(
        actor=director, question=question, text="Please check the MAR.", expected_version=2
    )

    question.refresh_from_db()
    assert question.status == QuestionStatus.ASKED_AGAIN
    assert follow_up.status == QuestionStatus.OPEN and follow_up.follows_id == question.pk
    assert follow_up.addressee_id == nurse.pk
    assert_audited(follow_up, actor=director, reason="Asked again")


def test_a_director_may_close_a_question_with_a_reason_instead(director, event, password):
    question = _ask(director, event)

    with pytest.raises(ValidationError) as refused:
        question_close(actor=director, question=question, reason=" ", expected_version=1)
    assert "reason" in refused.value.message_dict

    question_close(
        actor=director, question=question, reason="Answered by phone", expected_version=1
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.CLOSED
    assert_audited(question, actor=director, reason="Answered by phone")
    adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=event.version
    )


def test_only_the_reporter_answers_a_question_to_the_reporter(director, event, north):
    from events.choices import Role
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory(username="bea")
    MembershipFactory(user=colleague, site=north, role=Role.STAFF)
    question = _ask(director, event)

    with pytest.raises(ValidationError) as refused:
        question_answer(actor=colleague, question=question, text="I think 2 mg", expected_version=1)

    assert "question" in refused.value.message_dict
    assert not question.answers.exists()


def test_any_staff_member_answers_a_question_to_the_staff(director, event, north):
    from events.choices import Role
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory(username="bea")
    MembershipFactory(user=colleague, site=north, role=Role.STAFF)
    question = _ask(director, event, to="site_staff")

    question_answer(actor=colleague, question=question, text="Discharged home", expected_version=1)
    with pytest.raises(ValidationError):  # a director is not the staff
        question_answer(actor=director, question=question, text="x", expected_version=2)


def test_auditors_and_staff_cannot_ask(auditor, nurse, event):
    with pytest.raises(PermissionDenied):
        _ask(auditor, event)
    with pytest.raises(PermissionDenied):
        _ask(nurse, event)
    assert not Question.objects.exists()


def test_a_question_on_another_sites_event_is_not_found(director, other_site_nurse):
    south_patient = PatientFactory(site=other_site_nurse.memberships.get().site)
    south_session = InfusionSessionFactory(patient=south_patient)
    south_event = AdverseEventFactory(session=south_session, status=EventStatus.SUBMITTED)

    with pytest.raises(Http404):
        _ask(director, south_event)
    assert not Question.objects.exists()


def test_a_question_with_markup_is_refused(director, event):
    with pytest.raises(ValidationError) as refused:
        _ask(director, event, text="<script>alert(1)</script>")
    assert "text" in refused.value.message_dict
    assert not Question.objects.exists()


def test_overdue_questions_are_listed(director, event):
    from events.inquiries.selectors import question_list

    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        late = _ask(director, event)
    with time_machine.travel("2026-03-06 10:00:00+00:00", tick=False):
        fresh = _ask(director, event, text="Did the patient get home safely?")
        overdue = list(question_list(director, is_overdue=True))
    assert overdue == [late] and fresh not in overdue
