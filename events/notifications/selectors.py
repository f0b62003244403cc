"""Reads for notifications: a person's list and unread count, their choices, who receives
a site's notifications, and the reviews a digest lists."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.http import Http404

from audit.services import Actor
from events.access import ALL_SITES, has_role, site_ids_with_role
from events.choices import EventStatus, Role
from events.models import AdverseEvent
from events.notifications.choices import KIND_ROLES
from events.notifications.models import Notification, NotificationPreference

# A review due within this long goes in the digest (with every overdue one).
DIGEST_HORIZON = timedelta(hours=48)


def notification_list(user: Actor) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(user: Actor) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get(user: Actor, pk: int) -> Notification:
    """One of the user's own notifications (anyone else's is not found)."""
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def notification_kinds_for(user: Actor) -> list[str]:
    """The kinds the user's roles can receive, in the order they are offered."""
    return [kind for kind, roles in KIND_ROLES.items() if has_role(user, *roles)]


def notification_choices(user: Actor) -> dict[str, bool]:
    """For each kind the user can receive, whether they do (on unless they turned it off)."""
    stored = dict(
        NotificationPreference.objects.filter(user_id=user.pk).values_list("kind", "is_enabled")
    )
    return {kind: stored.get(kind, True) for kind in notification_kinds_for(user)}


def users_opted_out(user_ids: list[int], kind: str) -> set[int]:
    return set(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=kind, is_enabled=False
        ).values_list("user_id", flat=True)
    )


def site_directors(site_id: int) -> QuerySet[User]:
    """Active medical directors of the site (including directors of every site)."""
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__site_id=site_id) | Q(memberships__site__isnull=True),
            memberships__role=Role.MEDICAL_DIRECTOR,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def directors() -> QuerySet[User]:
    """Every active medical director (the digest's possible recipients)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__role=Role.MEDICAL_DIRECTOR, memberships__is_active=True, is_active=True
        )
        .distinct()
        .order_by("pk")
    )


def reviews_for_digest(user: Actor, now: datetime) -> list[AdverseEvent]:
    """Submitted events at the user's director sites whose review is overdue or due within
    48 hours, most urgent first."""
    site_ids = site_ids_with_role(user, Role.MEDICAL_DIRECTOR)
    events = AdverseEvent.objects.filter(
        status=EventStatus.SUBMITTED, review_due_at__lte=now + DIGEST_HORIZON
    )
    if site_ids is not ALL_SITES:
        events = events.filter(site_id__in=site_ids)
    return list(events.order_by("review_due_at", "id").only("id", "review_due_at", "site_id"))
