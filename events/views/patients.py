"""Patients: list and search by chart number, register, view, correct."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import access_log_list, access_log_search, access_log_view
from events import selectors
from events.access import WRITERS, roles_at
from events.forms import PatientCreateForm, PatientEditForm, PatientSearchForm
from events.models import Patient
from events.services.patients import patient_create, patient_update
from events.views.support import (
    call_service,
    create_once,
    new_form_token,
    render_at_site,
    require_writer,
)

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def patient_list(request):
    """Every patient at the user's sites; the chart-number search is POSTed so identifiers
    stay out of URLs, browser history and server logs."""
    form = PatientSearchForm(request.POST or None)
    search = form.cleaned_data["chart_number"].strip() if form.is_valid() else ""
    patients = selectors.patient_list(request.user, search=search)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # A chart-number search is recorded as given, with the ids it matched, never as typed.
    (access_log_search if search else access_log_list)(
        actor=request.user,
        request=request,
        object_type=Patient._meta.label_lower,
        row_count=page.paginator.count,
        filters={"chart_number": "given"} if search else {},
        extra={"ids": [p.pk for p in rows]} if search else None,
    )
    return render(
        request,
        "events/patient_list.html",
        {"form": form, "page": page, "patients": rows, "search": search},
    )


def _writable_sites(user):
    return [s for s in selectors.site_list(user) if roles_at(user, s.pk) & set(WRITERS)]


@login_required
@require_http_methods(["GET", "POST"])
def patient_new(request):
    sites = _writable_sites(request.user)
    if not sites:
        # Auditors and users without a writing role get the same refusal as the service.
        raise PermissionDenied("Your role does not allow this action.")
    form = PatientCreateForm(
        request.POST or None, sites=sites, initial={"form_token": new_form_token()}
    )
    if request.method == "POST" and form.is_valid():
        patient_id = call_service(
            form,
            lambda: create_once(
                request,
                form.cleaned_data["form_token"],
                lambda: patient_create(
                    actor=request.user, site=form.cleaned_data["site"], data=form.service_data()
                ),
            ),
        )
        if patient_id:
            return redirect("patient-detail", pk=patient_id)
    return render(request, "events/patient_form.html", {"form": form, "patient": None})


@login_required
def patient_detail(request, pk):
    patient = selectors.patient_get(request.user, pk)
    sessions = list(selectors.infusion_session_list(request.user, patient_id=patient.pk))
    access_log_view(actor=request.user, request=request, record=patient)
    can_write = bool(roles_at(request.user, patient.site_id) & set(WRITERS))
    return render_at_site(
        request,
        "events/patient_detail.html",
        {"patient": patient, "sessions": sessions, "can_write": can_write},
        patient.site,
    )


@login_required
@require_http_methods(["GET", "POST"])
def patient_edit(request, pk):
    patient = selectors.patient_get(request.user, pk)
    require_writer(request.user, patient.site_id)
    initial = {name: getattr(patient, name) for name in PatientEditForm.SERVICE_FIELDS}
    form = PatientEditForm(request.POST or None, initial={**initial, "version": patient.version})
    if request.method == "POST" and form.is_valid():
        updated = call_service(
            form,
            lambda: patient_update(
                patient=patient,
                actor=request.user,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if updated:
            return redirect("patient-detail", pk=patient.pk)
    return render(request, "events/patient_form.html", {"form": form, "patient": patient})
