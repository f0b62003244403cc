"""Five wrong passwords for one username from one address lock that pair out for 30 minutes;
the lockout is recorded in the access log."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import AccessAction, AccessLog


def _attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_the_login_page_is_the_one_with_lockout_and_second_factor(client):
    assert reverse("login") == "/accounts/login/"
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "accounts/login.html" in [t.name for t in response.templates]


def test_five_failures_lock_out_the_username_from_that_address_even_with_the_right_password(
    client, nurse, password
):
    for _ in range(4):
        assert _attempt(client, "alice", "wrong password").status_code == 200
    fifth = _attempt(client, "alice", "wrong password")
    assert fifth.status_code == 429
    assert b"Too many failed attempts" in fifth.content

    after = _attempt(client, "alice", password)
    assert after.status_code == 429
    assert "_auth_user_id" not in client.session
    lockouts = AccessLog.objects.filter(action=AccessAction.LOCKOUT, username="alice")
    assert lockouts.exists()
    assert lockouts.first().user_id == nurse.pk
    assert lockouts.first().ip_address == "10.0.0.1"
    assert AccessLog.objects.filter(action=AccessAction.LOGIN_FAILED, username="alice").count() >= 5


def test_the_lockout_is_per_username_and_address(client, nurse, director, password):
    for _ in range(5):
        _attempt(client, "alice", "wrong password")
    assert _attempt(client, "alice", password, ip="10.0.0.2").status_code == 302
    client.logout()
    assert _attempt(client, "dana", password).status_code == 302


def test_four_failures_then_the_right_password_logs_in_and_clears_the_count(
    client, nurse, password
):
    for _ in range(4):
        _attempt(client, "alice", "wrong password")
    assert _attempt(client, "alice", password).status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()


def test_the_lockout_ends_after_thirty_minutes(client, nurse, password, settings):
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(5):
        _attempt(client, "alice", "wrong password")
    attempt = AccessAttempt.objects.get(username="alice")
    # Age the record past the cool-off instead of waiting: axes compares attempt_time.
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=attempt.attempt_time - timedelta(minutes=31)
    )
    assert _attempt(client, "alice", password).status_code == 302


@pytest.mark.parametrize("username", ["alice\x00", "a" * 5000, "<script>"])
def test_odd_usernames_are_refused_without_an_error(client, nurse, username):
    assert _attempt(client, username, "whatever").status_code == 200
