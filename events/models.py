"""The clinical record: sites, people's roles, patients, infusion sessions, vital signs,
the event vocabulary, adverse events and their review.

Every model carries simple-history on the ledger's `HistoryBase` and refuses history-less
writes (`AuditedModel`). Single-row rules are database constraints; rules that span rows or
depend on the clock live in `clean()` and the services.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from audit.models import AuditedModel, HistoryBase
from events.choices import (
    ActionTaken,
    Causality,
    DetectedBy,
    Drug,
    EventStatus,
    Grade,
    Indication,
    Outcome,
    Role,
    Route,
    SessionStatus,
    Sex,
    SuggestionStatus,
    TermCategory,
    YesNoNA,
)
from events.validators import validate_plain_text


def history() -> HistoricalRecords:
    return HistoricalRecords(bases=[HistoryBase], cascade_delete_history=False)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")


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
        where = self.site.code if self.site_id else "all sites"
        return f"{self.user} - {self.get_role_display()} at {where}"


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
        from events.rules import total_dose_matches

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

    def __str__(self) -> str:
        return f"Vitals at {self.minutes_from_start} min"

    def clean(self) -> None:
        from datetime import timedelta

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


class EventTerm(AuditedModel):
    """An adverse-event term with its CTCAE v5 grade wording (empty = grade not defined)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=TermCategory.choices)
    ctcae_term = models.CharField(max_length=120, blank=True)
    grade_1 = models.CharField(max_length=300, blank=True)
    grade_2 = models.CharField(max_length=300, blank=True)
    grade_3 = models.CharField(max_length=300, blank=True)
    grade_4 = models.CharField(max_length=300, blank=True)
    grade_5 = models.CharField(max_length=300, blank=True)
    is_expected = models.BooleanField(default=False)
    meddra_code = models.CharField(max_length=12, blank=True)
    requires_text = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    history = history()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def grade_text(self, grade: int) -> str:
        return getattr(self, f"grade_{int(grade)}", "")

    @property
    def grades(self) -> list[tuple[int, str]]:
        return [(grade, self.grade_text(grade)) for grade in range(1, 6)]


class AdverseEvent(AuditedModel):
    """An adverse event in one session, from draft through review to sign-off (or void)."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="adverse_events"
    )
    # Copied from the session so scoping and the review queue need no join.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="adverse_events")
    term = models.ForeignKey(EventTerm, on_delete=models.PROTECT, related_name="+")
    other_term_text = models.CharField(max_length=200, blank=True, validators=[validate_plain_text])
    onset_at = models.DateTimeField()
    onset_minutes = models.IntegerField(null=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    is_death = models.BooleanField(default=False)
    is_life_threatening = models.BooleanField(default=False)
    is_hospitalisation = models.BooleanField(default=False)
    is_disability = models.BooleanField(default=False)
    is_congenital_anomaly = models.BooleanField(default=False)
    is_other_medically_important = models.BooleanField(default=False)
    is_serious = models.BooleanField(default=False, editable=False)
    is_expected = models.BooleanField(default=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, default=Outcome.UNKNOWN)
    action_taken = models.CharField(
        max_length=30, choices=ActionTaken.choices, default=ActionTaken.DOSE_NOT_CHANGED
    )
    rescue_medication = models.CharField(
        max_length=300, blank=True, validators=[validate_plain_text]
    )
    causality = models.CharField(max_length=20, choices=Causality.choices, blank=True)
    dechallenge = models.CharField(
        max_length=20, choices=YesNoNA.choices, default=YesNoNA.DOES_NOT_APPLY
    )
    rechallenge = models.CharField(
        max_length=20, choices=YesNoNA.choices, default=YesNoNA.DOES_NOT_APPLY
    )
    detected_by = models.CharField(
        max_length=30, choices=DetectedBy.choices, default=DetectedBy.STAFF_OBSERVATION
    )
    source_vital = models.ForeignKey(
        VitalSign, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    narrative = models.TextField(blank=True, max_length=20000, validators=[validate_plain_text])
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history()

    class Meta:
        ordering = ["-onset_at"]
        indexes = [
            models.Index(fields=["site", "status", "review_due_at"]),
            models.Index(fields=["session", "term"]),
            models.Index(fields=["status", "is_serious", "review_due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__gte=1) & Q(grade__lte=5), name="event_grade_range"
            ),
            models.CheckConstraint(
                condition=Q(grade=5, outcome=Outcome.FATAL, is_death=True)
                | (~Q(grade=5) & ~Q(outcome=Outcome.FATAL) & Q(is_death=False)),
                name="event_grade_5_iff_fatal",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("onset_at")),
                name="event_resolved_after_onset",
            ),
            models.CheckConstraint(
                condition=Q(is_serious=False) | ~Q(narrative=""),
                name="event_serious_needs_narrative",
            ),
            models.CheckConstraint(
                condition=~Q(status=EventStatus.VOIDED) | ~Q(void_reason=""),
                name="event_void_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term_label}, grade {self.grade}"

    # Fields that make up the clinical content a signature approves.
    SIGNED_FIELDS = (
        "session_id",
        "term_id",
        "other_term_text",
        "onset_at",
        "resolved_at",
        "grade",
        "is_death",
        "is_life_threatening",
        "is_hospitalisation",
        "is_disability",
        "is_congenital_anomaly",
        "is_other_medically_important",
        "is_expected",
        "outcome",
        "action_taken",
        "rescue_medication",
        "causality",
        "dechallenge",
        "rechallenge",
        "detected_by",
        "source_vital_id",
        "narrative",
        "reported_by_id",
    )
    CRITERIA = (
        "is_death",
        "is_life_threatening",
        "is_hospitalisation",
        "is_disability",
        "is_congenital_anomaly",
        "is_other_medically_important",
    )

    def derive(self) -> None:
        """Fill the fields computed from others (called by services before validation)."""
        self.is_serious = any(getattr(self, name) for name in self.CRITERIA)
        if self.session_id:
            from events.rules import minutes_between

            self.site_id = self.session.site_id
            self.onset_minutes = minutes_between(self.session.started_at, self.onset_at)

    def clean(self) -> None:
        from datetime import timedelta

        from django.utils import timezone

        errors = {}
        if self.term_id and self.term.requires_text and not self.other_term_text.strip():
            errors["other_term_text"] = "Describe the event when the term is 'Other'."
        fatal = self.outcome == Outcome.FATAL
        if self.grade == 5 and not (fatal and self.is_death):
            errors["grade"] = "Grade 5 (death) needs outcome 'fatal' and the death criterion."
        elif self.grade != 5 and (fatal or self.is_death):
            errors["grade"] = "A fatal outcome or the death criterion needs grade 5."
        if self.is_serious and not self.narrative.strip():
            errors["narrative"] = "A serious event needs a narrative."
        if self.onset_at:
            if self.onset_at > timezone.now() + timedelta(minutes=5):
                errors["onset_at"] = "Onset cannot be in the future."
            elif (
                self.session_id
                and self.session.started_at
                and (self.onset_at < self.session.started_at - timedelta(hours=1))
            ):
                errors["onset_at"] = "Onset cannot be more than 1 hour before the session start."
        if self.onset_at and self.resolved_at and self.resolved_at < self.onset_at:
            errors["resolved_at"] = "Resolution cannot come before onset."
        if self.resolved_at and self.resolved_at > timezone.now() + timedelta(minutes=5):
            errors["resolved_at"] = "Resolution cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def term_label(self) -> str:
        return self.other_term_text if self.term.requires_text else self.term.name

    @property
    def seriousness_criteria(self) -> list[str]:
        from events.choices import SERIOUSNESS_CRITERIA

        return [label for name, label in SERIOUSNESS_CRITERIA.items() if getattr(self, name)]


class AlertSuggestion(AuditedModel):
    """A suggested event raised by a reading past a site threshold, until staff confirm it
    (a draft event is created) or dismiss it with a reason. One open per term per session."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="suggestions"
    )
    term = models.ForeignKey(EventTerm, on_delete=models.PROTECT, related_name="+")
    vital_sign = models.ForeignKey(VitalSign, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    summary = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    dismiss_reason = models.TextField(blank=True)
    event = models.ForeignKey(
        AdverseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["session", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "term"],
                condition=Q(status=SuggestionStatus.OPEN),
                name="suggestion_one_open_per_term",
            ),
        ]

    def __str__(self) -> str:
        return self.summary


class ElectronicSignature(AuditedModel):
    """A director's sign-off, bound to the hash of the exact event version it approved."""

    MEANING = "Reviewed and approved"

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="signatures")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=100, default=MEANING)
    signed_at = models.DateTimeField()
    event_version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    superseded_at = models.DateTimeField(null=True, blank=True)

    history = history()

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.signer_name}, {self.meaning}, v{self.event_version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class IdempotencyRecord(AuditedModel):
    """The first response to a POST sent with an `Idempotency-Key`, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user"),
        ]
