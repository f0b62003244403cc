"""A person's notifications: the in-app list, opening one (marks it read), marking all
read, and saving the choices offered on the account page."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from audit.services import Actor
from events.notifications.forms import NotificationChoicesForm
from events.notifications.selectors import (
    notification_get,
    notification_kinds_for,
    notification_list,
)
from events.notifications.services import (
    notification_mark_read,
    notification_preferences_set,
    notifications_mark_all_read,
)

PAGE_SIZE = 50


def _person(request: HttpRequest) -> Actor:
    return cast(Actor, request.user)  # every view here requires a login


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, unread ones marked."""
    page = Paginator(notification_list(_person(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to what it is about."""
    notification = notification_get(_person(request), pk)
    notification_mark_read(notification=notification)
    link = notification.link
    if not url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}):
        link = reverse("notification-list")
    return redirect(link)


@login_required
@require_POST
def notification_mark_all_read_view(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=_person(request))
    messages.success(request, f"{count} notification{'' if count == 1 else 's'} marked read.")
    return redirect("notification-list")


@login_required
@require_POST
def notification_choices_save(request: HttpRequest) -> HttpResponse:
    """Save which notifications the person receives (from the account page)."""
    form = NotificationChoicesForm(request.POST, kinds=notification_kinds_for(_person(request)))
    if form.is_valid():
        notification_preferences_set(user=_person(request), choices=form.choices())
        messages.success(request, "Your notification choices are saved.")
    return redirect(f"{reverse('account')}#notifications")
