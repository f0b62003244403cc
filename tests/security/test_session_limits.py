"""A login ends after 15 minutes without a request and 12 hours after it began, however
active the user is."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from audit.models import AccessAction, AccessLog


class Clock:
    """The frozen clock of a test (time-machine: `time.time`, `datetime.now` and so the
    session's stored expiry all agree); `advance` moves it."""

    def __init__(self, traveller):
        self.traveller = traveller

    def advance(self, *, minutes: float) -> None:
        self.traveller.shift(timedelta(minutes=minutes))


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield Clock(traveller)


def test_the_limits_are_fifteen_minutes_idle_and_twelve_hours_absolute(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 15 * 60
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_sixteen_idle_minutes_log_the_user_out(client, nurse, clock):
    client.force_login(nurse)
    assert client.get(reverse("home")).status_code == 200
    clock.advance(minutes=16)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "expired=idle" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AccessLog.objects.filter(user=nurse, action=AccessAction.LOGOUT).exists()
    notice = client.get(response["Location"])
    assert b"15 minutes without activity" in notice.content


def test_activity_keeps_the_session_alive(client, nurse, clock):
    client.force_login(nurse)
    for _ in range(6):
        clock.advance(minutes=14)
        assert client.get(reverse("home")).status_code == 200


@override_settings(SESSION_COOKIE_AGE=60 * 60)
def test_activity_does_not_extend_the_absolute_limit(client, nurse, clock):
    client.force_login(nurse)
    expiry = client.session.get_expiry_date()
    for _ in range(6):
        clock.advance(minutes=10)
        assert client.get(reverse("home")).status_code == 200
    assert client.session.get_expiry_date() == expiry
    clock.advance(minutes=10)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "expired=absolute" in response["Location"]


def test_an_api_call_on_an_expired_session_gets_a_401_in_json(client, nurse, clock):
    client.force_login(nurse)
    clock.advance(minutes=16)
    response = client.get("/api/v1/events/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_idle"


def test_an_htmx_request_on_an_expired_session_is_told_to_navigate_to_the_login(
    client, nurse, clock
):
    client.force_login(nurse)
    clock.advance(minutes=16)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))
