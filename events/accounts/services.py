"""Issuing and revoking API tokens. Each is one transaction with its access-log entry."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from audit.models import AccessAction
from audit.services import Actor, access_log_record
from events.accounts.models import ApiToken
from events.accounts.policy import requires_second_factor
from events.validators import validate_plain_text

LOG_METHOD = "api_token"
CODE_REQUIRED = (
    "This account needs a second factor: send a code from your authenticator app or a "
    "recovery code."
)
CODE_INVALID = "That code is not valid (or was already used)."
NOT_ENROLLED = (
    "This account needs a second factor and has none yet: log in to the web application "
    "once to enrol an authenticator app, then request a token."
)


def _second_factor_used(*, user: Actor, otp_code: str, request: HttpRequest | None) -> str:
    """'' when the user needs no second factor, else 'totp' or 'recovery_code'; refuses a
    missing or wrong code (a `ValidationError` on `otp_code`)."""
    if not requires_second_factor(user):
        return ""
    if not user_has_device(user):
        raise ValidationError({"otp_code": NOT_ENROLLED})
    if not otp_code:
        raise ValidationError({"otp_code": CODE_REQUIRED})
    # django-otp throttles wrong codes per device and consumes a recovery code on use.
    device = match_token(user, otp_code.replace(" ", "").lower())
    if device is None:
        access_log_record(
            user=user,
            action=AccessAction.LOGIN_FAILED,
            request=request,
            detail={"method": LOG_METHOD, "second_factor": "invalid_code"},
        )
        raise ValidationError({"otp_code": CODE_INVALID})
    return "recovery_code" if isinstance(device, StaticDevice) else "totp"


def api_token_issue(
    *, user: Actor, name: str, otp_code: str = "", request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user` on the device `name`: the stored row and the token itself,
    which is never stored and cannot be shown again.

    The password has been checked by the caller; a user who must use a second factor also
    needs a valid TOTP or recovery code here, or a stolen password would be enough.
    """
    try:
        validate_plain_text(name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None
    second_factor = _second_factor_used(user=user, otp_code=otp_code, request=request)
    with transaction.atomic():
        token, secret = ApiToken.objects.create(
            user=user,
            name=name,
            expiry=settings.API_TOKEN_MAX_AGE,
            last_used_at=timezone.now(),
            second_factor=bool(second_factor),
        )
        detail = {"method": LOG_METHOD, "token_id": token.pk, "token_name": name}
        if second_factor:
            detail["second_factor"] = second_factor
        access_log_record(user=user, action=AccessAction.LOGIN, request=request, detail=detail)
    return token, secret


def api_token_revoke(
    *, token: ApiToken, actor: Actor, request: HttpRequest | None = None
) -> ApiToken:
    """Stop a token working from now on. Revoking a revoked token changes nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            access_log_record(
                user=actor,
                action=AccessAction.LOGOUT,
                request=request,
                object_type="api_token",
                object_id=token.pk,
                detail={"method": LOG_METHOD, "token_id": token.pk, "token_name": token.name},
            )
    return token


def api_token_refused(*, token: ApiToken, reason: str, request: HttpRequest | None = None) -> None:
    """Record a request made with a token that no longer works (expired or revoked)."""
    access_log_record(
        user=token.user,
        action=AccessAction.LOGIN_FAILED,
        request=request,
        object_type="api_token",
        object_id=token.pk,
        detail={"method": LOG_METHOD, "token_id": token.pk, "reason": reason},
    )


def api_token_touch(*, token: ApiToken) -> None:
    """Move the idle clock. Written at most once a minute per token, so a busy client does
    not cost a write on every request; the idle limit is exact to within that minute."""
    now = timezone.now()
    if (now - token.last_used_at).total_seconds() < 60:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
