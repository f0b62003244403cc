"""The directors' list of likely duplicates, and its two resolutions: void one event as a
duplicate of the other, or mark the pair "not a duplicate"."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.services import Actor, access_log_list
from events import selectors
from events.access import DIRECTORS, has_role
from events.duplicates import duplicate_window, likely_duplicate_pairs
from events.models import AdverseEvent
from events.services.common import StaleVersionError
from events.services.duplicate_pairs import duplicate_pair_dismiss, duplicate_resolve_by_void


class DuplicateVoidForm(forms.Form):
    void = forms.IntegerField(min_value=1)
    keep = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=1)


class DuplicateDismissForm(forms.Form):
    first = forms.IntegerField(min_value=1)
    second = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=2000, required=False)


def _require_director(request: HttpRequest) -> Actor:
    """The signed-in director (a 403 for anyone else)."""
    if not has_role(request.user, *DIRECTORS):
        raise PermissionDenied("The list of likely duplicates is for medical directors.")
    return cast(Actor, request.user)


@login_required
@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """Pairs of events that look like one event entered twice, latest first."""
    director = _require_director(request)
    pairs = likely_duplicate_pairs(director)
    access_log_list(
        actor=director,
        request=request,
        object_type=AdverseEvent._meta.label_lower,
        row_count=2 * len(pairs),
        filters={"likely_duplicates": True},
    )
    window = int(duplicate_window().total_seconds() // 60)
    return render(request, "events/duplicate_list.html", {"pairs": pairs, "window": window})


def _refused(request: HttpRequest, error: Exception) -> HttpResponse:
    if isinstance(error, StaleVersionError):
        messages.error(request, error.message)
    else:
        for message in getattr(error, "messages", [str(error)]):
            messages.error(request, message)
    return redirect("duplicate-list")


@login_required
@require_POST
def duplicate_void(request: HttpRequest) -> HttpResponse:
    """Void one event of a pair with the reason "duplicate of #N"."""
    director = _require_director(request)
    form = DuplicateVoidForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError("Choose the event to void and the one to keep."))
    void = selectors.adverse_event_get(director, form.cleaned_data["void"])
    keep = selectors.adverse_event_get(director, form.cleaned_data["keep"])
    try:
        duplicate_resolve_by_void(
            actor=director, void=void, keep=keep, expected_version=form.cleaned_data["version"]
        )
    except (ValidationError, StaleVersionError) as error:
        return _refused(request, error)
    messages.success(request, f"Event #{void.pk} voided as a duplicate of #{keep.pk}.")
    return redirect("duplicate-list")


@login_required
@require_POST
def duplicate_dismiss(request: HttpRequest) -> HttpResponse:
    """Mark a pair "not a duplicate": it leaves the list."""
    director = _require_director(request)
    form = DuplicateDismissForm(request.POST)
    if not form.is_valid():
        return _refused(request, ValidationError("Name the two events of the pair."))
    first = selectors.adverse_event_get(director, form.cleaned_data["first"])
    second = selectors.adverse_event_get(director, form.cleaned_data["second"])
    try:
        duplicate_pair_dismiss(
            actor=director, first=first, second=second, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return _refused(request, error)
    messages.success(request, f"Events #{first.pk} and #{second.pk} marked not a duplicate.")
    return redirect("duplicate-list")
