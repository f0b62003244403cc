"""Clinic sites and the people's roles at each."""

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from audit.models import AuditedModel
from events.choices import (
    Role,
)
from events.models.base import history, validate_timezone


class Site(AuditedModel):
    """A clinic location, with its time zone and the vital-sign thresholds that raise alerts."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    is_active = models.BooleanField(default=True)
    systolic_high = models.PositiveSmallIntegerField(
        default=180, validators=[MinValueValidator(100), MaxValueValidator(260)]
    )
    diastolic_high = models.PositiveSmallIntegerField(
        default=110, validators=[MinValueValidator(60), MaxValueValidator(160)]
    )
    systolic_low = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(60), MaxValueValidator(120)]
    )
    heart_rate_high = models.PositiveSmallIntegerField(
        default=110, validators=[MinValueValidator(80), MaxValueValidator(200)]
    )
    heart_rate_low = models.PositiveSmallIntegerField(
        default=50, validators=[MinValueValidator(30), MaxValueValidator(70)]
    )
    spo2_low = models.PositiveSmallIntegerField(
        default=92, validators=[MinValueValidator(80), MaxValueValidator(98)]
    )
    respiratory_rate_low = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(4), MaxValueValidator(14)]
    )
    moaas_low = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(4)]
    )
    version = models.PositiveIntegerField(default=1)

    history = history()

    THRESHOLD_FIELDS = (
        "systolic_high",
        "diastolic_high",
        "systolic_low",
        "heart_rate_high",
        "heart_rate_low",
        "spo2_low",
        "respiratory_rate_low",
        "moaas_low",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} - {self.name}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Membership(AuditedModel):
    """A user's role at one site, or at every site when `site` is empty."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site", "role"], name="membership_unique_role_per_site"
            ),
        ]

    def __str__(self) -> str:
        where = self.site.code if self.site is not None else "all sites"
        return f"{self.user} - {self.get_role_display()} at {where}"
