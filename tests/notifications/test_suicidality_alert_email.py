"""A positive suicidality screen reaches the site's directors' mailboxes through a real SMTP
server, within a minute and once, with nothing about the patient but a link to the alert."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import Role
from events.models import SuicidalityAlert
from events.notifications.choices import EmailStatus, NotificationKind
from events.notifications.models import Notification
from events.notifications.services import notification_preferences_set
from tests.api.conftest import Api
from tests.factories import (
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
)
from tests.measures.conftest import ITEM9_POSITIVE, NEGATIVE

SCREEN = {
    **ITEM9_POSITIVE,
    "screen_ideation": True,
    "screen_behaviour": False,
    "screen_note": "Says she has a plan (pills).",
}


@pytest.fixture
def chair_session(patient, nurse):
    return InfusionSessionFactory(
        patient=patient, administered_by=nurse, started_at=timezone.now() - timedelta(minutes=5)
    )


def _record(nurse, session, body: dict, key: str = "screen-1"):
    response = Api(nurse).post(
        f"/api/v1/sessions/{session.pk}/measures/", body, **{"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.data
    return response


def test_a_positive_screen_reaches_every_director_of_the_site_within_a_minute(
    smtp, nurse, director, other_site_nurse, south, chair_session,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    colleague = UserFactory(username="devon", email="devon@clinic.example")
    MembershipFactory(user=colleague, site=chair_session.patient.site, role=Role.MEDICAL_DIRECTOR)
    outsider = UserFactory(username="olga", email="olga@clinic.example")
    MembershipFactory(user=outsider, site=south, role=Role.MEDICAL_DIRECTOR)

    with django_capture_on_commit_callbacks(execute=True):
        _record(nurse, chair_session, SCREEN)
        _record(nurse, chair_session, SCREEN)  # the same request replayed: no second message

    alert = SuicidalityAlert.objects.get()
    [message] = smtp.mailbox.to(director.email)
    assert len(smtp.mailbox.to(colleague.email)) == 1
    assert smtp.mailbox.to(outsider.email) == []
    assert smtp.mailbox.to(nurse.email) == []
    assert message["Subject"] == "[Safety Ledger] Positive suicidality screen at North Clinic"
    link = f"https://ledger.clinic.example{reverse('alert-detail', args=[alert.pk])}"
    assert link in message.get_content()
    notification = Notification.objects.get(recipient=director)
    assert notification.key == f"suicidality_alert:{alert.pk}"
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_sent_at - alert.raised_at < timedelta(minutes=1)


def test_the_email_carries_no_patient_data(
    smtp, nurse, director, chair_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(nurse, chair_session, SCREEN)

    [message] = smtp.mailbox.to(director.email)
    text = message.as_string()
    patient = chair_session.patient
    for private in (patient.chart_number, "plan", "pills", "item 9", "PHQ"):
        assert private not in text, private


def test_a_negative_screen_or_a_director_who_turned_alerts_off_gets_nothing(
    smtp, nurse, director, chair_session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(nurse, chair_session, NEGATIVE, key="negative")
    assert smtp.mailbox.messages == []

    notification_preferences_set(user=director, choices={NotificationKind.SUICIDALITY_ALERT: False})
    second = InfusionSessionFactory(
        patient=PatientFactory(site=chair_session.patient.site),
        administered_by=nurse,
        started_at=timezone.now() - timedelta(minutes=5),
    )
    with django_capture_on_commit_callbacks(execute=True):
        _record(nurse, second, SCREEN, key="positive")

    assert SuicidalityAlert.objects.count() == 1
    assert smtp.mailbox.messages == []
    assert not Notification.objects.exists()
