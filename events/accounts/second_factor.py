"""Changes to a person's second factor: enrolling an authenticator app and replacing recovery
codes. Each change is written to the access log, so the ledger shows when a login's second
factor was replaced and by whom (django-otp's device tables are not audited models)."""

from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessAction
from audit.services import Actor, access_log_record

RECOVERY_CODE_COUNT = 10


def second_factor_device_pending(*, actor: Actor) -> TOTPDevice:
    """The authenticator `actor` is enrolling: unconfirmed until a code from it is checked."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
    return device


def second_factor_enrol(
    *, actor: Actor, device: TOTPDevice, request: HttpRequest | None
) -> list[str]:
    """Confirm `device` as the actor's one authenticator (any other is removed) and issue new
    recovery codes, returned once in clear text to show to the person."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(actor)
        _record_change(actor, request, "authenticator_enrolled")
    return codes


def recovery_codes_replace(*, actor: Actor, request: HttpRequest | None) -> list[str]:
    """Replace the actor's recovery codes: the old ones stop working at once."""
    with transaction.atomic():
        codes = _new_recovery_codes(actor)
        _record_change(actor, request, "recovery_codes_replaced")
    return codes


def _new_recovery_codes(actor: Actor) -> list[str]:
    StaticDevice.objects.filter(user=actor).delete()
    static = StaticDevice.objects.create(user=actor, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _record_change(actor: Actor, request: HttpRequest | None, change: str) -> None:
    access_log_record(
        user=actor,
        action=AccessAction.SECOND_FACTOR_CHANGE,
        request=request,
        object_type="auth.user",
        object_id=actor.pk,
        detail={"second_factor": change},
    )
