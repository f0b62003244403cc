"""API tokens are credentials: the second factor to get one where it is required, stored as
digests, named per device, expiring (idle and absolute), revocable, and in the access log.
Tokens of the retired plain-text table get a 401 that says what to do."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLog
from events.accounts.models import ApiToken
from events.choices import Role
from tests.factories import MembershipFactory
from tests.security.test_second_factor import _enrol, current_code

TOKEN_URL = "/api/v1/auth/token/"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def second_factor_required(settings):
    settings.REQUIRE_2FA = True


def _request_token(username, password, name="Ward tablet 3", **extra):
    body = {"username": username, "password": password, "name": name, **extra}
    return APIClient().post(TOKEN_URL, body, format="json")


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _token_log(action):
    return AccessLog.objects.filter(action=action, detail__method="api_token")


def test_a_token_is_stored_as_a_digest_named_for_its_device(nurse, password, frozen):
    response = _request_token("alice", password)
    assert response.status_code == 200, response.data
    secret = response.data["token"]
    stored = ApiToken.objects.get(pk=response.data["id"])
    assert stored.name == "Ward tablet 3"
    assert secret not in (stored.digest, stored.token_key)
    assert len(stored.digest) == 128  # SHA-512
    assert response.data["expires_at"] == (START + timedelta(days=7)).isoformat().replace(
        "+00:00", "Z"
    )
    assert _client(secret).get("/api/v1/patients/").status_code == 200
    issued = _token_log(AccessAction.LOGIN).get()
    assert issued.detail["token_id"] == stored.pk
    assert secret not in str(issued.detail)


def test_the_device_name_is_required_and_plain_text(nurse, password):
    missing = APIClient().post(
        TOKEN_URL, {"username": "alice", "password": password}, format="json"
    )
    assert missing.status_code == 400
    assert "name" in missing.data
    markup = _request_token("alice", password, name="<b>tablet</b>")
    assert markup.status_code == 400
    assert "name" in markup.data
    assert not ApiToken.objects.exists()


@pytest.mark.usefixtures("second_factor_required")
class TestSecondFactor:
    def test_a_director_needs_a_code_as_well_as_the_password(
        self, client, director, password, frozen
    ):
        _enrol(client, director)
        without = _request_token("dana", password)
        assert without.status_code == 400
        assert "otp_code" in without.data
        wrong = _request_token("dana", password, otp_code="000000")
        assert wrong.status_code == 400
        assert "otp_code" in wrong.data
        assert not ApiToken.objects.exists()
        refused = _token_log(AccessAction.LOGIN_FAILED).get()
        assert refused.detail["second_factor"] == "invalid_code"

        device = TOTPDevice.objects.get(user=director)
        # django-otp backs off after a wrong code (a retry at once is refused); skip the wait.
        device.throttle_reset()
        frozen.shift(timedelta(seconds=30))  # the enrolment used this period's code
        ok = _request_token("dana", password, otp_code=current_code(device))
        assert ok.status_code == 200, ok.data
        assert _token_log(AccessAction.LOGIN).get().detail["second_factor"] == "totp"
        assert _client(ok.data["token"]).get("/api/v1/events/").status_code == 200

    def test_a_recovery_code_works_once(self, client, director, password):
        codes = _enrol(client, director)
        first = _request_token("dana", password, otp_code=codes[0])
        assert first.status_code == 200
        assert _token_log(AccessAction.LOGIN).get().detail["second_factor"] == "recovery_code"
        again = _request_token("dana", password, otp_code=codes[0])
        assert again.status_code == 400

    def test_a_director_without_an_authenticator_is_told_to_enrol(self, director, password):
        response = _request_token("dana", password, otp_code="123456")
        assert response.status_code == 400
        assert "enrol" in response.data["otp_code"][0]

    def test_a_token_issued_without_a_code_stops_when_the_account_needs_one(
        self, nurse, password, north
    ):
        secret = _request_token("alice", password).data["token"]
        assert _client(secret).get("/api/v1/patients/").status_code == 200
        MembershipFactory(user=nurse, site=north, role=Role.MEDICAL_DIRECTOR)
        refused = _client(secret).get("/api/v1/patients/")
        assert refused.status_code == 401
        assert "second factor" in refused.json()["detail"]
        log = _token_log(AccessAction.LOGIN_FAILED).get()
        assert log.detail["reason"] == "second_factor_required"

    def test_staff_need_no_code(self, nurse, password):
        assert _request_token("alice", password).status_code == 200


def test_a_token_unused_for_the_idle_timeout_stops_working_and_is_logged(
    nurse, password, frozen, settings
):
    assert timedelta(days=7) == settings.API_TOKEN_IDLE_TIMEOUT
    secret = _request_token("alice", password).data["token"]
    frozen.shift(timedelta(days=6, hours=23))
    assert _client(secret).get("/api/v1/patients/").status_code == 200  # moves the idle clock
    frozen.shift(timedelta(days=6, hours=23))
    assert _client(secret).get("/api/v1/patients/").status_code == 200
    frozen.shift(timedelta(days=7, minutes=1))
    response = _client(secret).get("/api/v1/patients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "request a new token at /api/v1/auth/token/" in response.json()["detail"]
    refused = _token_log(AccessAction.LOGIN_FAILED).get()
    assert refused.detail["reason"] == "expired_idle"
    assert refused.user_id == nurse.pk
    assert ApiToken.objects.filter(digest__isnull=False).count() == 1  # kept, not deleted


def test_a_token_stops_at_its_absolute_limit_however_busy(nurse, password, frozen, settings):
    assert timedelta(days=30) == settings.API_TOKEN_MAX_AGE
    secret = _request_token("alice", password).data["token"]
    for _ in range(29):
        frozen.shift(timedelta(days=1))
        assert _client(secret).get("/api/v1/patients/").status_code == 200
    frozen.shift(timedelta(days=1))
    response = _client(secret).get("/api/v1/patients/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert _token_log(AccessAction.LOGIN_FAILED).get().detail["reason"] == "expired"


@override_settings(API_TOKEN_IDLE_TIMEOUT=timedelta(hours=1), API_TOKEN_MAX_AGE=timedelta(hours=2))
def test_the_limits_come_from_settings(nurse, password, frozen):
    secret = _request_token("alice", password).data["token"]
    frozen.shift(timedelta(minutes=61))
    assert _client(secret).get("/api/v1/patients/").status_code == 401


def test_tokens_are_listed_and_revoked_through_the_api(nurse, password, other_site_nurse):
    tablet = _request_token("alice", password, name="Tablet").data
    laptop = _request_token("alice", password, name="Laptop").data
    _request_token("charlie", password, name="Other person's")
    client = _client(laptop["token"])

    listed = client.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert [(t["name"], t["state"], t["current"]) for t in listed.data] == [
        ("Laptop", "active", True),
        ("Tablet", "active", False),
    ]
    assert "token" not in listed.data[0] and "digest" not in listed.data[0]

    assert client.post(f"/api/v1/auth/tokens/{tablet['id']}/revoke/").status_code == 204
    refused = _client(tablet["token"]).get("/api/v1/patients/")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    revoked = _token_log(AccessAction.LOGOUT).get()
    assert (revoked.object_type, revoked.object_id) == ("api_token", str(tablet["id"]))
    assert _token_log(AccessAction.LOGIN_FAILED).get().detail["reason"] == "revoked"

    someone_elses = ApiToken.objects.get(name="Other person's")
    assert client.post(f"/api/v1/auth/tokens/{someone_elses.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=someone_elses.pk).revoked_at is None


def test_tokens_are_listed_and_revoked_on_the_account_page(client, nurse, password):
    tablet = _request_token("alice", password, name="Ward tablet 3").data
    client.force_login(nurse)
    page = client.get(reverse("account"))
    assert b"Ward tablet 3" in page.content
    assert b"after 7 days without use, and 30 days after it was issued" in page.content
    assert tablet["token"].encode() not in page.content

    response = client.post(reverse("api-token-revoke", args=[tablet["id"]]))
    assert response.status_code == 302
    assert _client(tablet["token"]).get("/api/v1/patients/").status_code == 401
    assert b"Revoked" in client.get(reverse("account")).content
    assert _token_log(AccessAction.LOGOUT).get().user_id == nurse.pk


def test_a_token_of_the_retired_table_gets_a_clear_401(nurse):
    response = _client("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b").get("/api/v1/patients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == (
        "This token type is no longer accepted; request a new token at /api/v1/auth/token/."
    )


def test_the_retired_plain_text_table_is_gone(db):
    assert "authtoken_token" not in connection.introspection.table_names()


def test_an_unknown_token_is_a_401(nurse):
    response = _client("f" * 64).get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_the_token_endpoint_locks_out_in_json_as_documented(nurse, password):
    for _ in range(5):
        _request_token("alice", "wrong password")
    response = _request_token("alice", password)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "Too many failed attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) == 30 * 60
    assert not ApiToken.objects.exists()
    schema = APIClient().get("/api/schema/", {"format": "json"})
    responses = schema.json()["paths"][TOKEN_URL]["post"]["responses"]
    assert "application/json" in responses["429"]["content"]


def test_an_administrator_revokes_a_token_in_django_admin(client, nurse, password):
    from tests.factories import UserFactory

    tablet = _request_token("alice", password).data
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    changelist = reverse("admin:accounts_apitoken_changelist")
    assert b"Ward tablet 3" in client.get(changelist).content
    response = client.post(
        changelist, {"action": "revoke", "_selected_action": [tablet["id"]]}, follow=True
    )
    assert response.status_code == 200
    assert _client(tablet["token"]).get("/api/v1/patients/").status_code == 401
    assert _token_log(AccessAction.LOGOUT).get().user_id == admin_user.pk
