"""What the pages of the clinical record share: service errors mapped onto forms, one-time
form tokens for creation, the access log of what was shown, and each site's clock."""

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone

from events.access import WRITERS, require_role
from events.forms import VoidForm
from events.services.common import StaleVersionError
from events.services.idempotency import IdempotencyKeyReused, idempotent_call


def apply_service_errors(form: Form, error: ValidationError, aliases: dict | None = None) -> None:
    """Show a service's `ValidationError` next to the form fields it names.

    Keys the form has no field for (e.g. `status`, `__all__`) become form-wide errors;
    `aliases` maps a model field onto the form field that edits it (e.g. taken_at -> minutes).
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, field_messages in error.message_dict.items():
        target = aliases.get(name, name)
        for message in field_messages:
            if target in form.fields:
                form.add_error(target, message)
            else:
                form.add_error(None, message)


def new_form_token() -> str:
    return uuid.uuid4().hex


def create_once(request, token: str, create: Callable[[], models.Model]) -> int:
    """Run `create` once per form token and return the id of what it created.

    A double-tapped or re-sent form carries the same token, so the second POST gets the id of
    the first record instead of a copy. A failed attempt (validation error) stores nothing, so
    the corrected form can be sent again with its token.
    """
    try:
        result = idempotent_call(
            user=request.user,
            key=f"form:{token}",
            fingerprint=f"form:{request.path}",
            perform=lambda: (201, {"id": create().pk}),
        )
    except IdempotencyKeyReused:
        raise ValidationError("This form was already sent from another page; reload it.") from None
    return result.body["id"]


def require_writer(user, site_id: int) -> None:
    """Refuse a write page early (403, or 404 for a site the user cannot see) so an auditor
    never gets a form; the service checks again when the write happens."""
    require_role(user, site_id, *WRITERS)


def call_service(form: Form, call: Callable, aliases: dict | None = None):
    """Run a service for a bound, valid form; on refusal put the reason on the form.

    Returns the service's result, or None when it refused: a `ValidationError` is shown next
    to the fields it names; a `StaleVersionError` is shown above the form, naming who changed
    the record and when, with everything the user typed kept.
    """
    try:
        return call()
    except StaleVersionError as stale:
        form.add_error(None, stale.message)
        if hasattr(form, "refresh_version"):
            form.refresh_version(stale.current_version)
    except ValidationError as error:
        apply_service_errors(form, error, aliases)
    return None


def render_at_site(request, template: str, context: dict, site, status: int = 200):
    """Render a page about one site's records with times in that site's time zone."""
    with timezone.override(site.zone):
        return render(request, template, {**context, "site_zone": site.timezone}, status=status)


def void_page(request, record, *, site, void: Callable, title: str, consequence: str, back: str):
    """The page that voids one record with a reason: GET shows what voiding means, POST calls
    `void(reason=..., expected_version=...)` and goes `back`, or shows the refusal."""
    form = VoidForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        voided = call_service(
            form,
            lambda: void(
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if voided:
            messages.success(request, f"{title} voided.")
            return redirect(back)
    context = {"form": form, "title": title, "consequence": consequence, "back": back}
    return render_at_site(request, "events/void_form.html", context, site)


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is a person, not anonymous
    (for type checking; the decorator makes it so)."""

    user: User
