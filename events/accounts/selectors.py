"""Reading a person's own credentials: API tokens (a user sees and revokes only their own)
and the state of their second factor."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from events.accounts.models import ApiToken


def api_tokens_for_user(user) -> QuerySet[ApiToken]:
    """Every token the user was issued, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-id")


def api_token_get(user, pk) -> ApiToken:
    """One of the user's tokens; another user's is a 404, like one that does not exist."""
    return get_object_or_404(api_tokens_for_user(user), pk=pk)


def second_factor_state(user) -> tuple[bool, int]:
    """Whether the user has a confirmed authenticator, and how many recovery codes are left."""
    recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
    has_authenticator = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return has_authenticator, recovery.token_set.count() if recovery else 0
