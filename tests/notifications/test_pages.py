"""The account page's notification choices, the in-app list and the unread count."""

from django.urls import reverse

from events.notifications.choices import NotificationKind
from events.notifications.models import Notification, NotificationPreference
from events.notifications.services import notify
from tests.audit_helpers import assert_audited


def _notify(user, number: int) -> Notification:
    [notification] = notify(
        NotificationKind.SERIOUS_EVENT,
        recipients=[user],
        key=f"serious_event:{number}",
        subject=f"Serious adverse event #{number} submitted at North Clinic",
        body=f"A serious adverse event, #{number}, was submitted.",
        link=reverse("event-detail", args=[number]),
    )
    return notification


def test_a_director_chooses_notifications_on_the_account_page(client, director):
    client.force_login(director)

    page = client.get(reverse("account"))
    saved = client.post(reverse("notification-choices"), {NotificationKind.REVIEW_DIGEST: "on"})

    assert 'name="serious_event" id="id_serious_event" checked' in page.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == reverse("account") + "#notifications"
    preference = NotificationPreference.objects.get(user=director)
    assert (preference.kind, preference.is_enabled) == (NotificationKind.SERIOUS_EVENT, False)
    assert_audited(preference, actor=director, reason="Notifications 'serious_event' turned off")
    page = client.get(reverse("account")).content.decode()
    assert 'name="serious_event" id="id_serious_event" checked' not in page
    assert 'name="review_digest" id="id_review_digest" checked' in page


def test_turning_a_notification_back_on_is_recorded(client, director):
    client.force_login(director)
    client.post(reverse("notification-choices"), {})
    client.post(reverse("notification-choices"), {"serious_event": "on", "review_digest": "on"})

    preference = NotificationPreference.objects.get(user=director, kind="serious_event")
    assert preference.is_enabled
    assert preference.history.count() == 2
    assert_audited(preference, actor=director, reason="Notifications 'serious_event' turned on")


def test_staff_are_offered_no_director_notifications(client, nurse):
    client.force_login(nurse)

    page = client.get(reverse("account")).content.decode()
    client.post(reverse("notification-choices"), {"serious_event": ""})

    assert "No notifications apply to your role." in page
    assert not NotificationPreference.objects.exists()


def test_the_list_shows_a_persons_notifications_and_the_nav_counts_the_unread(
    client, director, nurse
):
    _notify(director, 41)
    _notify(director, 42)
    _notify(nurse, 43)  # someone else's
    client.force_login(director)

    page = client.get(reverse("notification-list")).content.decode()

    assert "Serious adverse event #41" in page and "Serious adverse event #42" in page
    assert "#43" not in page
    assert '<span class="nav-count"><span class="visually-hidden">, </span>2<' in page
    assert page.index("#42") < page.index("#41")  # newest first


def test_opening_a_notification_marks_it_read_and_goes_to_the_event(client, director):
    notification = _notify(director, 41)
    _notify(director, 42)
    client.force_login(director)

    response = client.post(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("event-detail", args=[41])
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(reverse("notification-list")).content.decode()
    assert '<span class="visually-hidden">, </span>1<' in page


def test_mark_all_read_clears_the_count(client, director):
    _notify(director, 41)
    _notify(director, 42)
    client.force_login(director)

    client.post(reverse("notification-mark-all-read"))

    page = client.get(reverse("notification-list")).content.decode()
    assert "nav-count" not in page
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_another_persons_notification_cannot_be_opened(client, director, nurse):
    notification = _notify(nurse, 43)
    client.force_login(director)

    response = client.post(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_pages_need_a_login(client):
    response = client.get(reverse("notification-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
