"""Every write of notifications, and the hook other features call: `notify(...)` for chosen
people, `notify_site_directors(...)` for a site's medical directors.

A notification is created in the caller's transaction (so a rolled-back action notifies
nobody) and its e-mail is handed to Celery after commit. The message names an event by its
number and links to it; it never carries patient data.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import Actor, audited_save
from events.models import AdverseEvent
from events.notifications.choices import EmailStatus, NotificationKind
from events.notifications.models import Notification, NotificationPreference
from events.notifications.selectors import (
    directors,
    notification_kinds_for,
    reviews_for_digest,
    site_directors,
    users_opted_out,
)


def notify(
    kind: str,
    *,
    recipients: Iterable[Actor],
    key: str,
    subject: str,
    body: str,
    link: str,
    event_id: int | None = None,
) -> list[Notification]:
    """Notify each recipient who has not turned `kind` off, at most once per `key`.

    `key` names what the message is about (`serious_event:42`, `question:7`); calling again
    with the same key creates nothing for people already notified. `subject` and `body` must
    hold no patient data (an event's number is fine); `link` is a path on this site.
    Returns the notifications created now.
    """
    people = [user for user in recipients if user.is_active]
    opted_out = users_opted_out([user.pk for user in people], kind)
    people = [user for user in people if user.pk not in opted_out]
    if not people:
        return []
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            key=key,
            event_id=event_id,
            subject=subject,
            body=body,
            link=link,
            email_status=EmailStatus.PENDING if user.email else EmailStatus.NO_ADDRESS,
        )
        for user in people
    ]
    # The unique (recipient, key) constraint drops the ones already there, even when two
    # transactions notify at once; what this call created is read back by its key.
    before = set(
        Notification.objects.filter(key=key, recipient__in=people).values_list("pk", flat=True)
    )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(key=key, recipient__in=people).exclude(pk__in=before)
    )
    pending = [n.pk for n in created if n.email_status == EmailStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _send_after_commit(pending))
    return created


def _send_after_commit(notification_ids: list[int]) -> None:
    from events.notifications.tasks import deliver_notification  # tasks import this module

    for notification_id in notification_ids:
        deliver_notification.delay(notification_id)


def notify_site_directors(
    kind: str,
    *,
    site_id: int,
    key: str,
    subject: str,
    body: str,
    link: str,
    event_id: int | None = None,
    exclude: Actor | None = None,
) -> list[Notification]:
    """`notify` the site's medical directors (and directors of every site), leaving out
    `exclude` (the person whose action it is: they know)."""
    recipients = site_directors(site_id)
    if exclude is not None:
        recipients = recipients.exclude(pk=exclude.pk)
    return notify(
        kind,
        recipients=recipients,
        key=key,
        subject=subject,
        body=body,
        link=link,
        event_id=event_id,
    )


def serious_event_notify(*, event: AdverseEvent, actor: Actor) -> list[Notification]:
    """Tell the site's directors that serious event #N was submitted (once per event)."""
    site_name = event.site.name
    return notify_site_directors(
        NotificationKind.SERIOUS_EVENT,
        site_id=event.site_id,
        key=f"serious_event:{event.pk}",
        subject=f"Serious adverse event #{event.pk} submitted at {site_name}",
        body=(
            f"A serious adverse event, #{event.pk}, was submitted at {site_name} and waits "
            "for your review."
        ),
        link=reverse("event-detail", args=[event.pk]),
        event_id=event.pk,
        exclude=actor,
    )


def review_digests_send(now: datetime | None = None) -> int:
    """Send each director, once a day, the reviews overdue or due within 48 hours at their
    sites (nothing when there are none). Returns the number of digests created."""
    now = now or timezone.now()
    day = now.astimezone(UTC).date()
    created = 0
    for user in directors():
        due = reviews_for_digest(user, now)
        if not due:
            continue
        overdue = [event for event in due if event.review_due_at and event.review_due_at < now]
        lines = [
            f"#{event.pk}: "
            + (
                f"overdue since {event.review_due_at:%Y-%m-%d %H:%M} UTC"
                if event in overdue
                else f"due {event.review_due_at:%Y-%m-%d %H:%M} UTC"
            )
            for event in due
        ]
        created += len(
            notify(
                NotificationKind.REVIEW_DIGEST,
                recipients=[user],
                key=f"review_digest:{day.isoformat()}",
                subject=(
                    f"Reviews: {len(overdue)} overdue, {len(due) - len(overdue)} due within "
                    "48 hours"
                ),
                body="Events waiting for your review:\n" + "\n".join(lines),
                link=reverse("review-queue"),
            )
        )
    return created


def notification_preferences_set(*, user: Actor, choices: dict[str, bool]) -> None:
    """Record which kinds the user receives (audited); kinds their roles cannot receive
    are refused, naming them."""
    allowed = set(notification_kinds_for(user))
    unknown = sorted(set(choices) - allowed)
    if unknown:
        raise ValidationError({kind: "You cannot receive this notification." for kind in unknown})
    with transaction.atomic():
        stored = {p.kind: p for p in NotificationPreference.objects.filter(user_id=user.pk)}
        for kind, is_enabled in choices.items():
            preference = stored.get(kind) or NotificationPreference(user=user, kind=kind)
            if preference.pk and preference.is_enabled == is_enabled:
                continue
            if not preference.pk and is_enabled:
                continue  # on is the default: nothing to record
            preference.is_enabled = is_enabled
            state = "on" if is_enabled else "off"
            audited_save(preference, actor=user, reason=f"Notifications '{kind}' turned {state}")


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user: Actor) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
