"""Infusion sessions: start one for a patient, the session page, finish and discharge."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import access_log_view
from events import course_selectors, selectors
from events.access import WRITERS, roles_at
from events.choices import SessionStatus
from events.forms import (
    SessionFinishForm,
    SessionStartForm,
    SuggestionDismissForm,
    VersionedForm,
    VitalSignForm,
)
from events.models import InfusionSession
from events.services.sessions import (
    infusion_session_discharge,
    infusion_session_finish,
    infusion_session_start,
    infusion_session_void,
)
from events.views.support import (
    call_service,
    create_once,
    new_form_token,
    render_at_site,
    require_writer,
    void_page,
)
from events.views.timeline import session_timeline


def session_context(
    request,
    session: InfusionSession,
    *,
    vital_form: VitalSignForm | None = None,
    dismiss_forms: dict | None = None,
    finish_form: SessionFinishForm | None = None,
) -> dict:
    """What the session page and its vitals panel show (bound forms kept when given)."""
    timeline = session_timeline(session)
    dismiss_forms = dismiss_forms or {}
    for suggestion in timeline["suggestions"]:
        suggestion.dismiss_form = dismiss_forms.get(suggestion.pk) or SuggestionDismissForm(
            initial={"version": suggestion.version}, prefix=f"dismiss-{suggestion.pk}"
        )
    return {
        **timeline,
        "measure": course_selectors.outcome_measure_current(session),
        "session": session,
        "patient": session.patient,
        "site": session.site,
        "can_write": bool(roles_at(request.user, session.site_id) & set(WRITERS))
        and not session.is_voided,
        "is_running": session.status == SessionStatus.IN_PROGRESS,
        "vital_form": vital_form or VitalSignForm(initial={"form_token": new_form_token()}),
        "finish_form": finish_form
        or SessionFinishForm(initial={"version": session.version, "outcome": "completed"}),
        "elapsed_minutes": (
            int((timezone.now() - session.started_at).total_seconds() // 60)
            if session.started_at and session.status == SessionStatus.IN_PROGRESS
            else None
        ),
    }


def render_session(request, session, status=200, **forms):
    return render_at_site(
        request,
        "events/session_detail.html",
        session_context(request, session, **forms),
        session.site,
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_new(request, patient_pk):
    patient = selectors.patient_get(request.user, patient_pk)
    require_writer(request.user, patient.site_id)
    with timezone.override(patient.site.zone):
        form = SessionStartForm(
            request.POST or None,
            initial={"form_token": new_form_token()},
        )
        if request.method == "POST" and form.is_valid():
            session_id = call_service(
                form,
                lambda: create_once(
                    request,
                    form.cleaned_data["form_token"],
                    lambda: infusion_session_start(
                        actor=request.user, patient=patient, data=form.service_data()
                    ),
                ),
            )
            if session_id:
                return redirect("session-detail", pk=session_id)
    return render_at_site(
        request, "events/session_form.html", {"form": form, "patient": patient}, patient.site
    )


@login_required
def session_detail(request, pk):
    session = selectors.infusion_session_get(request.user, pk)
    access_log_view(actor=request.user, request=request, record=session)
    return render_session(request, session)


@login_required
@require_POST
def session_finish(request, pk):
    """Complete the session, or stop it early with a reason."""
    session = selectors.infusion_session_get(request.user, pk)
    require_writer(request.user, session.site_id)
    form = SessionFinishForm(request.POST)
    if form.is_valid():
        finished = call_service(
            form,
            lambda: infusion_session_finish(
                session=session,
                actor=request.user,
                status=form.cleaned_data["outcome"],
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if finished:
            messages.success(request, f"Session {finished.get_status_display().lower()}.")
            return redirect("session-detail", pk=session.pk)
    return render_session(request, session, finish_form=form)


@login_required
@require_POST
def session_discharge(request, pk):
    session = selectors.infusion_session_get(request.user, pk)
    require_writer(request.user, session.site_id)
    form = VersionedForm(request.POST)
    if form.is_valid():
        discharged = call_service(
            form,
            lambda: infusion_session_discharge(
                session=session,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
            ),
        )
        if discharged:
            messages.success(request, "Patient discharged.")
            return redirect("session-detail", pk=session.pk)
    for error in form.non_field_errors():
        messages.error(request, error)
    return redirect("session-detail", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_void(request, pk):
    """Mark a session entered in error (wrong patient, never given), with a reason."""
    session = selectors.infusion_session_get(request.user, pk)
    require_writer(request.user, session.site_id)
    return void_page(
        request,
        session,
        site=session.site,
        void=lambda **change: infusion_session_void(session=session, actor=request.user, **change),
        title="Session",
        consequence=(
            f"Session {session.sequence_number} of patient {session.patient.chart_number} is "
            "kept and stays visible to auditors, but neither it nor its events count in "
            "statistics any more."
        ),
        back=reverse("session-detail", args=[session.pk]),
    )
