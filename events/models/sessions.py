"""Infusion sessions: one dose of one drug by one route, numbered within a course."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.choices import (
    Drug,
    Route,
    SessionStatus,
)
from events.models.base import history
from events.models.patients import Patient
from events.models.sites import Site
from events.rules import total_dose_matches
from events.validators import validate_plain_text


class InfusionSession(AuditedModel):
    """One infusion for one patient: the dose, its timing, and the pre-session screen."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions")
    sequence_number = models.PositiveIntegerField(editable=False)
    drug = models.CharField(max_length=20, choices=Drug.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    dose_mg_per_kg = models.DecimalField(max_digits=5, decimal_places=3)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1)
    total_dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    dose_band = models.CharField(max_length=10, editable=False)
    planned_duration_min = models.PositiveSmallIntegerField(default=40)
    lot_number = models.CharField(max_length=40, blank=True, validators=[validate_plain_text])
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    discharged_at = models.DateTimeField(null=True, blank=True)
    # Month of the start in the site's time zone ("2026-03"), stored so reports group on it.
    month = models.CharField(max_length=7, blank=True, db_index=True, editable=False)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    baseline_bp_acceptable = models.BooleanField(default=True)
    is_fasting = models.BooleanField(default=True)
    takes_benzodiazepines = models.BooleanField(default=False)
    takes_psychostimulants = models.BooleanField(default=False)
    takes_maois = models.BooleanField(default=False)
    takes_other_sedatives = models.BooleanField(default=False)
    minutes_to_discharge_ready = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=5000, validators=[validate_plain_text])
    is_voided = models.BooleanField(default=False)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["site", "status", "month"]),
            models.Index(fields=["patient", "sequence_number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dose_mg_per_kg__gt=0) & Q(dose_mg_per_kg__lte=3),
                name="session_dose_range",
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gte=20) & Q(weight_kg__lte=350),
                name="session_weight_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_duration_min__gte=1) & Q(planned_duration_min__lte=600),
                name="session_planned_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.PLANNED) | Q(started_at__isnull=False),
                name="session_started_unless_planned",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(discharged_at__isnull=True)
                | Q(discharged_at__gte=models.F("started_at")),
                name="session_discharged_after_start",
            ),
            # The service says which session is open; the index stops a race past it.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status=SessionStatus.IN_PROGRESS, is_voided=False),
                name="session_one_in_progress_per_patient",
                violation_error_message="This patient already has a session in progress.",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.sequence_number} of {self.patient.chart_number}"

    def clean(self) -> None:
        errors = {}
        if self.patient_id and self.site_id and self.patient.site_id != self.site_id:
            errors["site"] = "The session's site must be the patient's site."
        dose, weight, total = self.dose_mg_per_kg, self.weight_kg, self.total_dose_mg
        if dose is not None and not (0 < dose <= 3):
            errors["dose_mg_per_kg"] = "Dose must be more than 0 and at most 3 mg/kg."
        if weight is not None and not (20 <= weight <= 350):
            errors["weight_kg"] = "Weight must be between 20 and 350 kg."
        if (
            "dose_mg_per_kg" not in errors
            and "weight_kg" not in errors
            and None not in (dose, weight, total)
            and not total_dose_matches(dose, weight, total)
        ):
            errors["total_dose_mg"] = (
                f"Total dose {total} mg does not match {dose} mg/kg x {weight} kg "
                f"= {dose * weight:.1f} mg."
            )
        if self.status != SessionStatus.PLANNED and self.started_at is None:
            errors["started_at"] = "A session that has started needs its start time."
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            errors["ended_at"] = "The session cannot end before it started."
        if self.ended_at and self.discharged_at and self.discharged_at < self.ended_at:
            errors["discharged_at"] = "Discharge cannot come before the end of the session."
        if errors:
            raise ValidationError(errors)
