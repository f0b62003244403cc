"""Vital signs entered at the chair, and the suggested events their readings raise.

With HTMX the vitals panel (suggestions, entry form, readings, chart) is swapped in place;
without it the forms post normally and redirect back to the session page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from events import selectors
from events.choices import SuggestionStatus
from events.forms import SuggestionDismissForm, VitalSignForm
from events.services.common import StaleVersionError
from events.services.vitals import (
    suggestion_confirm,
    suggestion_dismiss,
    vital_sign_record,
    vital_sign_void,
)
from events.views.sessions import render_session, session_context
from events.views.support import (
    call_service,
    create_once,
    render_at_site,
    require_writer,
    void_page,
)


def _panel_or_page(request, session, **forms):
    """After a write: the refreshed panel for HTMX, a redirect (or the page with the
    errors) otherwise. Partial refreshes are not logged again: the page view was."""
    if request.htmx:
        return render_at_site(
            request,
            "events/partials/vitals_panel.html",
            session_context(request, session, **forms),
            session.site,
        )
    if any(form.errors for form in _all_forms(forms)):
        return render_session(request, session, **forms)
    return redirect("session-detail", pk=session.pk)


def _all_forms(forms: dict):
    for value in forms.values():
        yield from value.values() if isinstance(value, dict) else [value]


@login_required
@require_POST
def vital_sign_new(request, session_pk):
    session = selectors.infusion_session_get(request.user, session_pk)
    require_writer(request.user, session.site_id)
    form = VitalSignForm(request.POST)
    if form.is_valid():
        recorded = call_service(
            form,
            lambda: create_once(
                request,
                form.cleaned_data["form_token"],
                lambda: vital_sign_record(
                    session=session,
                    actor=request.user,
                    data=form.service_data(session.started_at),
                )[0],
            ),
            aliases={"taken_at": "minutes_from_start"},
        )
        if recorded:
            return _panel_or_page(request, session)
    return _panel_or_page(request, session, vital_form=form)


@login_required
@require_POST
def suggestion_confirm_view(request, pk):
    """Confirm a suggestion into a draft event and open it for completion."""
    suggestion = selectors.suggestion_get(request.user, pk)
    require_writer(request.user, suggestion.session.site_id)
    if suggestion.status == SuggestionStatus.CONFIRMED and suggestion.event_id:
        return redirect("event-edit", pk=suggestion.event_id)  # a double tap on Confirm
    try:
        event = suggestion_confirm(
            suggestion=suggestion,
            actor=request.user,
            expected_version=_int(request.POST.get("version")),
        )
    except (StaleVersionError, ValidationError) as refusal:
        messages.error(request, getattr(refusal, "message", None) or " ".join(refusal.messages))
        return redirect("session-detail", pk=suggestion.session_id)
    messages.success(request, "Draft event created from the suggestion: complete and submit it.")
    return redirect("event-edit", pk=event.pk)


@login_required
@require_POST
def suggestion_dismiss_view(request, pk):
    suggestion = selectors.suggestion_get(request.user, pk)
    session = selectors.infusion_session_get(request.user, suggestion.session_id)
    require_writer(request.user, session.site_id)
    form = SuggestionDismissForm(request.POST, prefix=f"dismiss-{suggestion.pk}")
    if form.is_valid():
        dismissed = call_service(
            form,
            lambda: suggestion_dismiss(
                suggestion=suggestion,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if dismissed:
            return _panel_or_page(request, session)
    return _panel_or_page(request, session, dismiss_forms={suggestion.pk: form})


@login_required
@require_http_methods(["GET", "POST"])
def vital_sign_void_view(request, pk):
    """Take a mistyped reading out of the chart and the table, with a reason."""
    vital = selectors.vital_sign_get(request.user, pk)
    require_writer(request.user, vital.session.site_id)
    return void_page(
        request,
        vital,
        site=vital.session.site,
        void=lambda **change: vital_sign_void(vital=vital, actor=request.user, **change),
        title="Reading",
        consequence=(
            f"The reading taken at {_site_time(vital)} is kept and stays visible to auditors, "
            "but it leaves the session's chart and readings."
        ),
        back=reverse("session-detail", args=[vital.session_id]),
    )


def _site_time(vital) -> str:
    taken = timezone.localtime(vital.taken_at, vital.session.site.zone).strftime("%H:%M %Z")
    minute = vital.minutes_from_start
    return taken if minute is None else f"{taken} (minute {minute})"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
