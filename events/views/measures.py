"""Outcome measures at the chair, the suicidality alerts they raise, and a patient's course."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import access_log_view
from events import course_selectors, selectors
from events.access import DIRECTORS, require_role, roles_at
from events.course_charts import course_chart_svg
from events.measure_forms import AlertConfirmForm, AlertDismissForm, OutcomeMeasureForm
from events.models import AlertStatus, OutcomeMeasure, SuicidalityAlert
from events.models.measures import PHQ9_ANSWERS, PHQ9_QUESTION
from events.outcomes import COUNTING_RULES
from events.services.measures import (
    outcome_measure_record,
    outcome_measure_void,
    suicidality_alert_confirm,
    suicidality_alert_dismiss,
)
from events.views.support import (
    AuthenticatedRequest,
    call_service,
    create_once,
    new_form_token,
    render_at_site,
    require_writer,
    void_page,
)


@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request: AuthenticatedRequest, session_pk: int) -> HttpResponse:
    """The PHQ-9 (and optional MADRS, GAD-7 and screen) of one session, before the infusion."""
    session = selectors.infusion_session_get(request.user, session_pk)
    require_writer(request.user, session.site_id)
    form = OutcomeMeasureForm(request.POST or None, initial={"form_token": new_form_token()})
    if request.method == "POST" and form.is_valid():
        created: dict[str, SuicidalityAlert | None] = {}

        def record() -> OutcomeMeasure:
            measure, alert = outcome_measure_record(
                session=session, actor=request.user, data=form.service_data()
            )
            created["alert"] = alert
            return measure

        if call_service(
            form, lambda: create_once(request, form.cleaned_data["form_token"], record)
        ):
            if created.get("alert") is not None:
                messages.warning(
                    request,
                    "Positive suicidality screen: the site's medical directors were alerted. "
                    "Follow the clinic's safety protocol before the infusion.",
                )
            else:
                messages.success(request, "Measures recorded.")
            return redirect("session-detail", pk=session.pk)
    context = {
        "form": form,
        "session": session,
        "patient": session.patient,
        "question": PHQ9_QUESTION,
        "answers": PHQ9_ANSWERS,
        "current": course_selectors.outcome_measure_current(session),
    }
    return render_at_site(request, "events/measure_form.html", context, session.site)


@login_required
@require_http_methods(["GET", "POST"])
def measure_void(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    measure = course_selectors.outcome_measure_get(request.user, pk)
    require_writer(request.user, measure.session.site_id)
    return void_page(
        request,
        measure,
        site=measure.session.site,
        void=lambda **change: outcome_measure_void(measure=measure, actor=request.user, **change),
        title="Measures",
        consequence=(
            "The scores are kept and stay visible to auditors, but leave the course and the "
            "reports; record them again if they were mistyped. An alert they raised stays."
        ),
        back=reverse("session-detail", args=[measure.session_id]),
    )


def _render_alert(
    request: AuthenticatedRequest,
    alert: SuicidalityAlert,
    confirm_form: AlertConfirmForm | None = None,
    dismiss_form: AlertDismissForm | None = None,
) -> HttpResponse:
    is_director = bool(roles_at(request.user, alert.session.site_id) & set(DIRECTORS))
    initial = {"version": alert.version}
    context = {
        "alert": alert,
        "measure": alert.measure,
        "session": alert.session,
        "patient": alert.session.patient,
        "can_decide": is_director and alert.status == AlertStatus.OPEN,
        "confirm_form": confirm_form or AlertConfirmForm(initial=initial),
        "dismiss_form": dismiss_form or AlertDismissForm(initial=initial),
    }
    return render_at_site(request, "events/alert_detail.html", context, alert.session.site)


@login_required
def alert_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alert = course_selectors.suicidality_alert_get(request.user, pk)
    access_log_view(actor=request.user, request=request, record=alert)
    return _render_alert(request, alert)


@login_required
@require_POST
def alert_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alert = course_selectors.suicidality_alert_get(request.user, pk)
    require_role(request.user, alert.session.site_id, *DIRECTORS)
    form = AlertConfirmForm(request.POST)
    if form.is_valid():
        confirmed = call_service(
            form,
            lambda: suicidality_alert_confirm(
                alert=alert,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                file_event=form.cleaned_data["file_event"],
                expected_version=form.cleaned_data["version"],
            ),
        )
        if confirmed:
            if confirmed.event_id:
                messages.success(request, "Alert confirmed; complete the draft event.")
                return redirect("event-edit", pk=confirmed.event_id)
            messages.success(request, "Alert confirmed.")
            return redirect("review-queue")
    return _render_alert(request, alert, confirm_form=form)


@login_required
@require_POST
def alert_dismiss(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    alert = course_selectors.suicidality_alert_get(request.user, pk)
    require_role(request.user, alert.session.site_id, *DIRECTORS)
    form = AlertDismissForm(request.POST)
    if form.is_valid() and call_service(
        form,
        lambda: suicidality_alert_dismiss(
            alert=alert,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        ),
    ):
        messages.success(request, "Alert dismissed.")
        return redirect("review-queue")
    return _render_alert(request, alert, dismiss_form=form)


@login_required
def patient_course_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One time axis for the course: scores, worst AE grade, peak BP, dissociation, dose."""
    patient = selectors.patient_get(request.user, pk)
    access_log_view(actor=request.user, request=request, record=patient)
    course = course_selectors.patient_course(patient)
    context = {
        "patient": patient,
        "course": course,
        "chart": course_chart_svg(course.sessions, baseline=course.baseline),
        "rules": COUNTING_RULES,
    }
    return render_at_site(request, "events/patient_course.html", context, patient.site)
