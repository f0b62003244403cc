"""Signing off asks for the password again, even inside a fresh session; a wrong password
signs nothing and is recorded as a failed authentication."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AccessAction, AccessLog
from events.choices import EventStatus
from events.models import ElectronicSignature
from events.services.adverse_events import adverse_event_sign_off
from tests.factories import AdverseEventFactory


@pytest.fixture
def submitted_event(session, nurse):
    return AdverseEventFactory(
        session=session, reported_by=nurse, status=EventStatus.SUBMITTED, causality="possible"
    )


def test_a_wrong_password_signs_nothing_and_is_recorded(director, submitted_event):
    history_rows = submitted_event.history.count()
    with pytest.raises(ValidationError) as caught:
        adverse_event_sign_off(
            event=submitted_event,
            actor=director,
            password="not the password",
            expected_version=submitted_event.version,
        )
    assert "password" in caught.value.message_dict
    submitted_event.refresh_from_db()
    assert submitted_event.status == EventStatus.SUBMITTED
    assert submitted_event.history.count() == history_rows
    assert not ElectronicSignature.objects.exists()
    failure = AccessLog.objects.get(user=director, action=AccessAction.LOGIN_FAILED)
    assert failure.detail == {"reauthentication": "sign_off"}
    assert failure.object_id == str(submitted_event.pk)


def test_an_empty_password_is_refused_too(director, submitted_event):
    with pytest.raises(ValidationError):
        adverse_event_sign_off(
            event=submitted_event, actor=director, password="", expected_version=1
        )
    assert not ElectronicSignature.objects.exists()


def test_the_right_password_signs_off(director, submitted_event, password):
    signature = adverse_event_sign_off(
        event=submitted_event,
        actor=director,
        password=password,
        expected_version=submitted_event.version,
    )
    assert signature.signed_by == director
