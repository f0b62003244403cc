"""Patients: created and corrected by the staff of their site."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import Actor, audited_save
from events.access import WRITERS, require_role
from events.models import Patient, Site
from events.services.common import assign, lock_current, optional_reason, validate

EDITABLE_FIELDS = ("chart_number", "birth_year", "sex", "indication")
_DUPLICATE = "A patient with this chart number already exists at this site."


def _check_chart_number_free(patient: Patient) -> None:
    taken = Patient.objects.filter(site_id=patient.site_id, chart_number=patient.chart_number)
    if patient.pk:
        taken = taken.exclude(pk=patient.pk)
    if taken.exists():
        raise ValidationError({"chart_number": _DUPLICATE})


def patient_check(patient: Patient, *, exclude: tuple[str, ...] = ()) -> None:
    """The rules a new patient must meet, without writing it (the import, which finds chart
    numbers already on file itself). `exclude` names the relations the caller vouches for."""
    if isinstance(patient.chart_number, str):
        patient.chart_number = patient.chart_number.strip()
    validate(patient, exclude=list(exclude))


def _save(patient: Patient, *, actor: Actor, reason: str) -> Patient:
    validate(patient)
    _check_chart_number_free(patient)
    try:
        with transaction.atomic():
            audited_save(patient, actor=actor, reason=reason)
    except IntegrityError:
        # A colleague registered the same chart number a moment ago.
        raise ValidationError({"chart_number": _DUPLICATE}) from None
    return patient


def patient_create(*, actor: Actor, site: Site, data: dict[str, Any]) -> Patient:
    require_role(actor, site, *WRITERS)
    patient = Patient(site=site)
    assign(patient, data, EDITABLE_FIELDS)
    if isinstance(patient.chart_number, str):
        patient.chart_number = patient.chart_number.strip()
    with transaction.atomic():
        return _save(patient, actor=actor, reason="Patient registered")


def patient_update(
    *,
    patient: Patient,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> Patient:
    require_role(actor, patient.site_id, *WRITERS)
    reason = optional_reason(reason)
    with transaction.atomic():
        patient = lock_current(patient, expected_version)
        if not assign(patient, data, EDITABLE_FIELDS):
            return patient
        patient.version += 1
        return _save(patient, actor=actor, reason=reason or "Patient details corrected")
