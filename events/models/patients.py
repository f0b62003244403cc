"""Patients, identified by chart number within a site."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.choices import (
    Indication,
    Sex,
)
from events.models.base import history
from events.models.sites import Site
from events.validators import validate_plain_text


class Patient(AuditedModel):
    """The minimum a safety record needs about a person: no names, no full dates of birth."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="patients")
    chart_number = models.CharField(max_length=40, validators=[validate_plain_text])
    birth_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sex = models.CharField(max_length=10, choices=Sex.choices)
    indication = models.CharField(max_length=30, choices=Indication.choices)
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["site", "chart_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "chart_number"], name="patient_chart_number_unique_per_site"
            ),
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900) & Q(birth_year__lte=2100),
                name="patient_birth_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chart_number} ({self.site.code})"
