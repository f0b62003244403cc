"""The unread count in the navigation, counted only when a page shows the navigation."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from events.notifications.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user))}
