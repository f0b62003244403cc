"""The one mechanism that decides who may see and do what, at which site.

Selectors scope every read with `visible_site_ids`; services check every write with
`require_role`. Another site's object is reported as not found, never as forbidden, so its
existence does not leak.
"""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from events.choices import Role
from events.models import Membership, Site

ALL_SITES = None
# Whoever asks: a signed-in account, or the anonymous user of a request.
Reader: TypeAlias = User | AnonymousUser


def _memberships(user: Reader) -> list[Membership]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_membership_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user, is_active=True))
        # Cached on the user object, so one request reads the memberships once.
        setattr(user, "_membership_cache", cached)  # noqa: B010
    return cached


def visible_site_ids(user: Reader) -> set[int] | None:
    """Ids of the sites a user may read; `None` means every site."""
    memberships = _memberships(user)
    if any(m.site_id is None for m in memberships):
        return ALL_SITES
    return {m.site_id for m in memberships if m.site_id is not None}


def roles_at(user: Reader, site_id: int | None) -> set[str]:
    """The roles a user holds at a site (memberships for all sites count everywhere)."""
    return {m.role for m in _memberships(user) if m.site_id is None or m.site_id == site_id}


def has_role(user: Reader, *roles: str) -> bool:
    """Whether the user holds any of `roles` at any site."""
    return any(m.role in roles for m in _memberships(user))


def site_ids_with_role(user: Reader, role: str) -> set[int] | None:
    """Ids of the sites where the user holds `role`; `None` means every site."""
    held = [m for m in _memberships(user) if m.role == role]
    if any(m.site_id is None for m in held):
        return ALL_SITES
    return {m.site_id for m in held if m.site_id is not None}


def can_see_site(user: Reader, site_id: int) -> bool:
    visible = visible_site_ids(user)
    return visible is ALL_SITES or site_id in visible


def require_role(user: Reader, site: Site | int, *roles: str) -> None:
    """Refuse a write unless the user holds one of `roles` at the site.

    A site the user cannot see at all is a 404; a site they see but may not write is a 403.
    """
    site_id = site if isinstance(site, int) else site.pk
    if not can_see_site(user, site_id):
        raise Http404("No such record.")
    if not roles_at(user, site_id) & set(roles):
        raise PermissionDenied("Your role does not allow this action.")


WRITERS = (Role.STAFF, Role.MEDICAL_DIRECTOR)
DIRECTORS = (Role.MEDICAL_DIRECTOR,)
READERS = (Role.STAFF, Role.MEDICAL_DIRECTOR, Role.AUDITOR)
