"""Template flags for the signed-in user's roles (navigation only; access is enforced in
selectors and services)."""

from events.access import has_role
from events.choices import Role


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_staff_role": has_role(user, Role.STAFF),
        "is_director": has_role(user, Role.MEDICAL_DIRECTOR),
        "is_auditor": has_role(user, Role.AUDITOR),
    }
