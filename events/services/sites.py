"""Sites, their alert thresholds, and who holds which role where."""

from typing import Any

from django.db import transaction

from audit.models import AccessAction
from audit.services import Actor, access_log_record, audited_save
from events.access import DIRECTORS, require_role
from events.models import Membership, Site
from events.services.common import assign, lock_current, optional_reason, validate


def site_thresholds_update(
    *,
    site: Site,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> Site:
    """A director changes the alert thresholds of one of their sites."""
    require_role(actor, site, *DIRECTORS)
    reason = optional_reason(reason)
    with transaction.atomic():
        site = lock_current(site, expected_version)
        if not assign(site, data, Site.THRESHOLD_FIELDS):
            return site
        site.version += 1
        validate(site)
        audited_save(site, actor=actor, reason=reason or "Alert thresholds changed")
    return site


def site_save(*, site: Site, actor: Actor, reason: str = "") -> Site:
    """Create or change a site (administrators, through the admin)."""
    with transaction.atomic():
        if site.pk:
            site.version += 1
        validate(site)
        audited_save(site, actor=actor, reason=reason)
    return site


def membership_save(*, membership: Membership, actor: Actor, reason: str = "") -> Membership:
    """Grant, change or deactivate a role; recorded in history and in the access log."""
    with transaction.atomic():
        validate(membership)
        audited_save(membership, actor=actor, reason=reason)
        access_log_record(
            user=actor,
            action=AccessAction.ROLE_CHANGE,
            object_type="events.membership",
            object_id=membership.pk,
            site_id=membership.site_id,
            detail={
                "user_id": membership.user_id,
                "role": membership.role,
                "is_active": membership.is_active,
            },
        )
    return membership
