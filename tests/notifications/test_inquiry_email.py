"""A question reaches its addressee's mailbox and an answer the director who asked, through a
real SMTP server, once each, with nothing but the event's number and a link."""

import pytest
from django.urls import reverse

from events.choices import EventStatus, Role
from events.inquiries.models import Answer
from events.notifications.choices import EmailStatus, NotificationKind
from events.notifications.models import Notification
from events.notifications.services import notification_preferences_set
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, MembershipFactory, UserFactory

QUESTION = "Was the patient's husband, John Roe, driving her home after the 0.5 mg/kg dose?"
ANSWER = "Yes, John Roe drove; she was alert at discharge."


@pytest.fixture
def event(session, nurse):
    from django.utils import timezone

    return AdverseEventFactory(
        session=session,
        reported_by=nurse,
        status=EventStatus.SUBMITTED,
        submitted_at=timezone.now(),
        review_due_at=timezone.now() + timezone.timedelta(days=30),
    )


def _ask(director, event, key: str = "ask-1", addressed_to: str = "reporter"):
    response = Api(director).post(
        "/api/v1/questions/",
        {"event": event.pk, "text": QUESTION, "addressed_to": addressed_to},
        **{"Idempotency-Key": key},
    )
    assert response.status_code == 201, response.data
    return response


def _answer(nurse, asked):
    response = Api(nurse).post(f"{asked['Location']}answer/", {"text": ANSWER}, **if_match(1))
    assert response.status_code == 200, response.data
    return response


def test_a_question_reaches_the_nurses_mailbox_once(
    smtp, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(director, event)
        _ask(director, event)  # the same request again (its Idempotency-Key): no new message

    [message] = smtp.mailbox.to(nurse.email)
    assert message["Subject"] == (
        f"[Safety Ledger] Question on adverse event #{event.pk} at North Clinic"
    )
    link = f"https://ledger.clinic.example{reverse('event-detail', args=[event.pk])}"
    assert link in message.get_content()
    assert smtp.mailbox.to(director.email) == []
    notification = Notification.objects.get(recipient=nurse)
    assert notification.key == f"question:{asked.data['id']}"
    assert notification.email_status == EmailStatus.SENT


def test_the_answer_reaches_the_director_who_asked(
    smtp, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = _ask(director, event)
        _answer(nurse, asked)

    [message] = smtp.mailbox.to(director.email)
    assert message["Subject"] == (
        f"[Safety Ledger] Your question on adverse event #{event.pk} at North Clinic is answered"
    )
    assert f"/events/{event.pk}/" in message.get_content()
    answer = Answer.objects.get()
    assert Notification.objects.get(recipient=director).key == f"answer:{answer.pk}"
    assert len(smtp.mailbox.to(nurse.email)) == 1  # the question only


def test_the_emails_carry_no_patient_data(
    smtp, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _answer(nurse, _ask(director, event))

    assert len(smtp.mailbox.messages) == 2
    for message in smtp.mailbox.messages:
        text = message.as_string()
        for private in ("John Roe", "husband", "0.5 mg", "alert at discharge", "N-1001"):
            assert private not in text, private


def test_a_second_question_on_the_same_event_is_a_second_message(
    smtp, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _ask(director, event, key="ask-1")
        second = _ask(director, event, key="ask-2")

    assert len(smtp.mailbox.to(nurse.email)) == 2
    assert sorted(Notification.objects.filter(recipient=nurse).values_list("key", flat=True)) == (
        sorted([f"question:{first.data['id']}", f"question:{second.data['id']}"])
    )


def test_a_question_to_the_staff_reaches_every_nurse_of_the_site_only(
    smtp, director, nurse, event, other_site_nurse, django_capture_on_commit_callbacks
):
    colleague = UserFactory(username="bea")
    MembershipFactory(user=colleague, site=event.site, role=Role.STAFF)

    with django_capture_on_commit_callbacks(execute=True):
        _ask(director, event, addressed_to="site_staff")

    assert len(smtp.mailbox.to(nurse.email)) == 1
    assert len(smtp.mailbox.to(colleague.email)) == 1
    assert smtp.mailbox.to(other_site_nurse.email) == []


def test_preferences_off_send_nothing(
    smtp, director, nurse, event, django_capture_on_commit_callbacks
):
    notification_preferences_set(user=nurse, choices={NotificationKind.QUESTION_OPENED: False})
    notification_preferences_set(user=director, choices={NotificationKind.ANSWER_GIVEN: False})

    with django_capture_on_commit_callbacks(execute=True):
        _answer(nurse, _ask(director, event))

    assert smtp.mailbox.messages == []
    assert not Notification.objects.exists()


def test_the_in_app_lists_show_them(
    smtp, client, director, nurse, event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _answer(nurse, _ask(director, event))

    client.force_login(nurse)
    nurses = client.get(reverse("notification-list")).content.decode()
    client.force_login(director)
    directors = client.get(reverse("notification-list")).content.decode()

    assert f"Question on adverse event #{event.pk} at North Clinic" in nurses
    assert "is answered" not in nurses
    assert f"Your question on adverse event #{event.pk} at North Clinic is answered" in directors
    assert '<span class="visually-hidden">, </span>1<' in directors
