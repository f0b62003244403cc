"""The event vocabulary and the adverse events filed against sessions."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditedModel
from events.choices import (
    SERIOUSNESS_CRITERIA,
    ActionTaken,
    Causality,
    DetectedBy,
    EventStatus,
    Grade,
    Outcome,
    TermCategory,
    YesNoNA,
)
from events.models.base import history
from events.models.sessions import InfusionSession
from events.models.sites import Site
from events.models.vitals import VitalSign
from events.rules import minutes_between
from events.validators import validate_plain_text


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
            self.site_id = self.session.site_id
            self.onset_minutes = minutes_between(self.session.started_at, self.onset_at)

    def clean(self) -> None:
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
        return [label for name, label in SERIOUSNESS_CRITERIA.items() if getattr(self, name)]
