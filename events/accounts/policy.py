"""Who must present a second factor."""

from django.conf import settings

from events.access import has_role
from events.choices import Role


def requires_second_factor(user) -> bool:
    """Directors, auditors and administrators need a second factor when `REQUIRE_2FA` is on.

    They sign off events, read every site's trail, or manage accounts: a stolen password
    alone must not be enough for any of that.
    """
    if not settings.REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or user.is_superuser or has_role(user, Role.MEDICAL_DIRECTOR, Role.AUDITOR)


def is_verified(user: object) -> bool:
    """Whether this request's user passed the second factor (django-otp's `OTPMiddleware`
    gives every request's user an `is_verified()`)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False
