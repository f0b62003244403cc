"""Vital signs taken during a session, with their plausible bounds."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.models.base import history
from events.models.sessions import InfusionSession

# Physiological bounds of each measurement (inclusive).
VITAL_BOUNDS = {
    "systolic": (40, 300),
    "diastolic": (20, 200),
    "heart_rate": (20, 250),
    "spo2": (50, 100),
    "respiratory_rate": (0, 60),
    "moaas": (0, 5),
    "cadss6": (0, 24),
}


class VitalSign(AuditedModel):
    """One set of readings; each measurement is optional but at least one is present."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="vital_signs"
    )
    taken_at = models.DateTimeField()
    minutes_from_start = models.IntegerField(null=True, editable=False)
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    moaas = models.PositiveSmallIntegerField(null=True, blank=True)
    cadss6 = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    is_voided = models.BooleanField(default=False)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = history()

    MEASUREMENTS = (
        "systolic",
        "diastolic",
        "heart_rate",
        "spo2",
        "respiratory_rate",
        "moaas",
        "cadss6",
    )
    BOUNDS = VITAL_BOUNDS

    class Meta:
        ordering = ["session", "taken_at"]
        indexes = [models.Index(fields=["session", "taken_at"])]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | (Q(**{f"{name}__gte": low}) & Q(**{f"{name}__lte": high})),
                    name=f"vital_{name}_range",
                )
                for name, (low, high) in VITAL_BOUNDS.items()
            ],
            models.CheckConstraint(
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__gt=models.F("diastolic")),
                name="vital_blood_pressure_pair",
            ),
            models.CheckConstraint(
                condition=~Q(
                    systolic__isnull=True,
                    heart_rate__isnull=True,
                    spo2__isnull=True,
                    respiratory_rate__isnull=True,
                    moaas__isnull=True,
                    cadss6__isnull=True,
                ),
                name="vital_has_a_measurement",
            ),
        ]

    @property
    def ledger_site_id(self) -> int:
        """The site whose ledger chain this record's history joins (see `audit.chain`)."""
        return self.session.site_id

    def __str__(self) -> str:
        return f"Vitals at {self.minutes_from_start} min"

    def clean(self) -> None:
        errors = {}
        for name, (low, high) in self.BOUNDS.items():
            value = getattr(self, name)
            if value is not None and not (low <= value <= high):
                errors[name] = f"Must be between {low} and {high}."
        if (self.systolic is None) != (self.diastolic is None):
            missing = "diastolic" if self.diastolic is None else "systolic"
            errors.setdefault(missing, "Blood pressure needs both systolic and diastolic.")
        elif (
            self.systolic is not None
            and self.diastolic is not None
            and "systolic" not in errors
            and self.systolic <= self.diastolic
        ):
            errors["diastolic"] = "Diastolic pressure must be below systolic."
        if all(getattr(self, name) is None for name in self.MEASUREMENTS):
            errors["__all__"] = "Enter at least one measurement."
        session = self.session if self.session_id else None
        if session and self.taken_at and session.started_at:
            earliest = session.started_at - timedelta(minutes=30)
            end = session.discharged_at or session.ended_at
            if self.taken_at < earliest:
                errors["taken_at"] = "Readings cannot be more than 30 minutes before the start."
            elif end and self.taken_at > end + timedelta(hours=2):
                errors["taken_at"] = "Readings cannot be more than 2 hours after discharge."
        if errors:
            raise ValidationError(errors)

    @property
    def blood_pressure(self) -> str:
        return f"{self.systolic}/{self.diastolic}" if self.systolic else ""
