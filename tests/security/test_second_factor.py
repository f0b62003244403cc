"""With REQUIRE_2FA on, directors and auditors reach nothing but the second-factor pages until
they present a TOTP code (or a recovery code); staff are not asked."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessAction, AccessLog

pytestmark = pytest.mark.usefixtures("second_factor_required")


@pytest.fixture
def second_factor_required():
    with override_settings(REQUIRE_2FA=True):
        yield


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, computed from the device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _enrol(client, user) -> list[str]:
    client.force_login(user)
    client.get(reverse("second-factor-setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(
        reverse("second-factor-setup"), {"token": current_code(device), "next": "/"}
    )
    assert response.status_code == 200
    return response.context["codes"]


def test_a_director_is_sent_to_enrolment_before_any_page(client, director):
    client.force_login(director)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second-factor-setup"))

    setup = client.get(response["Location"])
    assert setup.status_code == 200
    assert b"<svg" in setup.content  # the QR code, drawn inline
    assert b"http" not in setup.content.split(b"<svg", 1)[1].split(b"</svg>", 1)[0].replace(
        b"http://www.w3.org/2000/svg", b""
    )


def test_an_api_call_before_the_second_factor_gets_a_401(client, auditor):
    client.force_login(auditor)
    response = client.get("/api/v1/events/")
    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"


def test_a_valid_totp_code_completes_enrolment_and_lets_the_director_in(client, director):
    codes = _enrol(client, director)
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=director).confirmed
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_at_enrolment_is_refused_and_recorded(client, director):
    client.force_login(director)
    client.get(reverse("second-factor-setup"))
    response = client.post(reverse("second-factor-setup"), {"token": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.get(user=director).confirmed
    assert client.get(reverse("home")).status_code == 302
    assert AccessLog.objects.filter(
        user=director, action=AccessAction.LOGIN_FAILED, detail={"second_factor": "setup"}
    ).exists()


def test_after_a_password_login_an_enrolled_director_is_asked_for_a_code(
    client, director, password
):
    codes = _enrol(client, director)
    client.logout()

    response = client.post(reverse("login"), {"username": "dana", "password": password})
    assert response["Location"].startswith(reverse("second-factor-verify"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("second-factor-verify"))

    wrong = client.post(reverse("second-factor-verify"), {"token": "123456"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["token"]

    # One wrong code throttles every device for a second; reset instead of waiting.
    for device in devices_for_user(director):
        device.throttle_reset()
    # The TOTP code was spent at enrolment (codes are single-use); use a recovery code.
    ok = client.post(reverse("second-factor-verify"), {"token": codes[0], "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()
    logins = AccessLog.objects.filter(user=director, action=AccessAction.LOGIN)
    assert [entry.detail.get("second_factor") for entry in logins.order_by("id")] == [
        None,  # signed in to enrol
        "totp_enrolled",
        None,  # the password step
        "recovery_code",
    ]


def test_a_password_alone_cannot_replace_an_enrolled_device(client, director, password):
    _enrol(client, director)
    client.logout()
    client.post(reverse("login"), {"username": "dana", "password": password})
    response = client.get(reverse("second-factor-setup"))
    assert response["Location"].startswith(reverse("second-factor-verify"))
    assert TOTPDevice.objects.filter(user=director).count() == 1


def test_staff_are_not_asked_for_a_second_factor(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("home")).status_code == 200


def test_the_next_address_cannot_leave_the_site(client, director):
    client.force_login(director)
    client.get(reverse("second-factor-setup"))
    device = TOTPDevice.objects.get(user=director)
    response = client.post(
        reverse("second-factor-setup"),
        {"token": current_code(device), "next": "https://evil.example/"},
    )
    assert b"evil.example" not in response.content


@override_settings(REQUIRE_2FA=False)
def test_without_require_2fa_directors_go_straight_in(client, director):
    client.force_login(director)
    assert client.get(reverse("home")).status_code == 200


def test_new_recovery_codes_from_the_account_page_replace_the_old_ones(client, director, password):
    old_codes = _enrol(client, director)
    page = client.get(reverse("account"))
    assert "<strong>10</strong> recovery codes left" in page.text
    assert reverse("recovery-codes-regenerate") in page.text

    response = client.post(reverse("recovery-codes-regenerate"), {"next": reverse("account")})

    new_codes = response.context["codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert all(code in response.text for code in new_codes)
    client.logout()
    client.post(reverse("login"), {"username": "dana", "password": password})
    old = client.post(reverse("second-factor-verify"), {"token": old_codes[1], "next": "/"})
    assert old.status_code == 200 and old.context["form"].errors["token"]
    for device in devices_for_user(director):
        device.throttle_reset()
    new = client.post(reverse("second-factor-verify"), {"token": new_codes[0], "next": "/"})
    assert new.status_code == 302 and new["Location"] == "/"
    assert "<strong>9</strong> recovery codes left" in client.get(reverse("account")).text


def test_recovery_codes_cannot_be_replaced_with_a_password_alone(client, director, password):
    codes = _enrol(client, director)
    client.logout()
    client.post(reverse("login"), {"username": "dana", "password": password})

    response = client.post(reverse("recovery-codes-regenerate"))

    assert response["Location"].startswith(reverse("second-factor-verify"))
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)


def test_the_account_page_offers_enrolment_to_someone_without_a_second_factor(client, nurse):
    client.force_login(nurse)
    page = client.get(reverse("home"))
    assert f'href="{reverse("account")}"' in page.text

    account = client.get(reverse("account"))

    assert "none enrolled" in account.text
    assert reverse("second-factor-setup") in account.text
    assert reverse("recovery-codes-regenerate") not in account.text


def test_enrolling_and_replacing_recovery_codes_are_written_to_the_access_log(client, director):
    _enrol(client, director)
    client.post(reverse("recovery-codes-regenerate"), {"next": reverse("account")})

    changes = AccessLog.objects.filter(action=AccessAction.SECOND_FACTOR_CHANGE).order_by("id")
    assert [
        (entry.user, entry.object_type, entry.object_id, entry.detail["second_factor"])
        for entry in changes
    ] == [
        (director, "auth.user", str(director.pk), "authenticator_enrolled"),
        (director, "auth.user", str(director.pk), "recovery_codes_replaced"),
    ]
    assert all(entry.source == "web" and entry.request_id for entry in changes)
