"""A serious event submitted reaches the site's directors' mailboxes, through a real SMTP
server, once, with nothing about the patient but the event's number and a link."""

from datetime import timedelta

import pytest
from django.urls import reverse

from events.choices import Role
from events.models import AdverseEvent
from events.notifications.choices import EmailStatus, NotificationKind
from events.notifications.models import Notification
from events.notifications.services import notification_preferences_set
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, MembershipFactory, UserFactory

NARRATIVE = "Patient Jane Roe became unresponsive; transferred to St Mary's by ambulance."


def _serious(session, **extra) -> dict:
    return {
        "session": session.pk,
        "term": "hypertension",
        "onset_at": (session.started_at + timedelta(minutes=20)).isoformat(),
        "grade": 3,
        "is_hospitalisation": True,
        "narrative": NARRATIVE,
        "submit": True,
        **extra,
    }


@pytest.fixture
def second_director(north):
    user = UserFactory(username="devon", email="devon@clinic.example")
    MembershipFactory(user=user, site=north, role=Role.MEDICAL_DIRECTOR)
    return user


def test_a_serious_event_reaches_the_directors_mailbox(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Api(nurse).post("/api/v1/events/", _serious(session))

    assert response.status_code == 201, response.data
    event_id = response.data["id"]
    [message] = smtp.mailbox.to(director.email)
    assert message["Subject"] == (
        f"[Safety Ledger] Serious adverse event #{event_id} submitted at North Clinic"
    )
    body = message.get_content()
    assert f"https://ledger.clinic.example{reverse('event-detail', args=[event_id])}" in body
    assert f"#{event_id}" in body
    notification = Notification.objects.get(recipient=director)
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_sent_at is not None


def test_the_email_carries_no_patient_data(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Api(nurse).post("/api/v1/events/", _serious(session))

    [message] = smtp.mailbox.to(director.email)
    text = message.as_string()
    for private in ("N-1001", "Jane Roe", "St Mary", "Hypertension", "hypertension", "grade"):
        assert private not in text, private


def test_every_director_of_the_site_is_told_but_not_the_nurse_or_another_site(
    smtp,
    nurse,
    director,
    second_director,
    other_site_nurse,
    session,
    south,
    django_capture_on_commit_callbacks,
):
    outsider = UserFactory(username="olga", email="olga@clinic.example")
    MembershipFactory(user=outsider, site=south, role=Role.MEDICAL_DIRECTOR)

    with django_capture_on_commit_callbacks(execute=True):
        Api(nurse).post("/api/v1/events/", _serious(session))

    assert len(smtp.mailbox.to(director.email)) == 1
    assert len(smtp.mailbox.to(second_director.email)) == 1
    assert smtp.mailbox.to(nurse.email) == []
    assert smtp.mailbox.to(outsider.email) == []


def test_a_draft_or_a_non_serious_event_sends_nothing(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Api(nurse).post("/api/v1/events/", _serious(session, submit=False))
        Api(nurse).post(
            "/api/v1/events/",
            _serious(session, term="nausea", grade=1, is_hospitalisation=False, narrative=""),
        )

    assert smtp.mailbox.messages == []
    assert not Notification.objects.exists()


def test_submitting_a_serious_draft_later_notifies_once_however_often_it_is_amended(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    api = Api(nurse)
    draft = api.post("/api/v1/events/", _serious(session, submit=False)).data
    with django_capture_on_commit_callbacks(execute=True):
        submitted = api.post(
            f"/api/v1/events/{draft['id']}/submit/", {}, **if_match(draft["version"])
        )
        api.patch(
            f"/api/v1/events/{draft['id']}/",
            {"outcome": "recovering", "reason": "Follow-up call"},
            **if_match(submitted.data["version"]),
        )

    assert submitted.status_code == 200, submitted.data
    assert len(smtp.mailbox.to(director.email)) == 1
    assert Notification.objects.filter(recipient=director).count() == 1


def test_an_event_amended_to_serious_notifies(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    event = AdverseEventFactory(
        session=session, reported_by=nurse, status="submitted", submitted_at=session.started_at
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = Api(nurse).patch(
            f"/api/v1/events/{event.pk}/",
            {"is_hospitalisation": True, "narrative": NARRATIVE, "reason": "Admitted overnight"},
            **if_match(event.version),
        )

    assert response.status_code == 200, response.data
    [message] = smtp.mailbox.to(director.email)
    assert f"#{event.pk}" in message["Subject"]


def test_a_director_who_turned_serious_events_off_gets_nothing(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    notification_preferences_set(user=director, choices={NotificationKind.SERIOUS_EVENT: False})

    with django_capture_on_commit_callbacks(execute=True):
        Api(nurse).post("/api/v1/events/", _serious(session))

    assert smtp.mailbox.messages == []
    assert not Notification.objects.filter(recipient=director).exists()


def test_a_director_without_an_address_gets_it_in_the_app_only(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    director.email = ""
    director.save()

    with django_capture_on_commit_callbacks(execute=True):
        Api(nurse).post("/api/v1/events/", _serious(session))

    assert smtp.mailbox.messages == []
    notification = Notification.objects.get(recipient=director)
    assert notification.email_status == EmailStatus.NO_ADDRESS


def test_a_refused_filing_notifies_nobody(
    smtp, nurse, director, session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Api(nurse).post("/api/v1/events/", _serious(session, narrative=""))

    assert response.status_code == 400
    assert not AdverseEvent.objects.exists()
    assert smtp.mailbox.messages == []
    assert not Notification.objects.exists()
