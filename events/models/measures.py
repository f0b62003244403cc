"""Outcome measures recorded before an infusion, and the suicidality alerts they raise
(DESIGN section 12).

A session carries at most one current set of measures: the PHQ-9 (nine items 0-3, total
0-27; item 9 asks about thoughts of death or self-harm and is kept as its own column so
queries and alerts read it directly), optionally a MADRS total (clinician-rated, 0-60) and a
GAD-7 total (0-21), and a two-question suicidality screen. A correction voids the set and
records a new one, so the history shows what was first entered.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.models.adverse_events import AdverseEvent
from events.models.base import history
from events.models.sessions import InfusionSession
from events.validators import validate_plain_text

PHQ9_ITEMS = tuple(f"phq9_item{n}" for n in range(1, 10))
PHQ9_ITEM_RANGE = (0, 3)
SCORE_RANGES = {"phq9_total": (0, 27), "madrs_total": (0, 60), "gad7_total": (0, 21)}

# The PHQ-9 (Spitzer, Williams, Kroenke; public domain): "Over the last 2 weeks, how often
# have you been bothered by any of the following problems?"
PHQ9_QUESTION = "Over the last 2 weeks, how often have you been bothered by any of the following?"
PHQ9_WORDING = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself, or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed, or the opposite: "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)
PHQ9_ANSWERS = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)


class OutcomeMeasure(AuditedModel):
    """The scores of one session, taken before the infusion."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="measures")
    recorded_at = models.DateTimeField()
    phq9_item1 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item2 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item3 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item4 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item5 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item6 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item7 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item8 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_item9 = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_total = models.PositiveSmallIntegerField(null=True, blank=True)
    madrs_total = models.PositiveSmallIntegerField(null=True, blank=True)
    gad7_total = models.PositiveSmallIntegerField(null=True, blank=True)
    screen_ideation = models.BooleanField(null=True, blank=True)
    screen_behaviour = models.BooleanField(null=True, blank=True)
    screen_note = models.TextField(blank=True, max_length=2000, validators=[validate_plain_text])
    entered_by_patient = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    is_voided = models.BooleanField(default=False)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["session", "recorded_at"]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": 3}),
                    name=f"measure_{name}_range",
                )
                for name in PHQ9_ITEMS
            ],
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__lte": high}),
                    name=f"measure_{name}_range",
                )
                for name, (_, high) in SCORE_RANGES.items()
            ],
            models.CheckConstraint(
                condition=Q(screen_ideation__isnull=True, screen_behaviour__isnull=True)
                | Q(screen_ideation__isnull=False, screen_behaviour__isnull=False),
                name="measure_screen_answered_whole",
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(is_voided=False),
                name="measure_one_current_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Measures of session {self.session_id}"

    @property
    def items(self) -> list[int | None]:
        return [getattr(self, name) for name in PHQ9_ITEMS]

    @property
    def item9_positive(self) -> bool:
        return bool(self.phq9_item9)

    @property
    def screen_positive(self) -> bool:
        return bool(self.screen_ideation or self.screen_behaviour)

    @property
    def raises_alert(self) -> bool:
        return self.item9_positive or self.screen_positive

    def clean(self) -> None:
        errors: dict[str, str] = {}
        low, high = PHQ9_ITEM_RANGE
        items = self.items
        for name, value in zip(PHQ9_ITEMS, items, strict=True):
            if value is not None and not (low <= value <= high):
                errors[name] = f"Must be between {low} and {high}."
        if any(v is not None for v in items) or self.phq9_total is not None:
            for name, value in zip(PHQ9_ITEMS, items, strict=True):
                if value is None:
                    errors.setdefault(name, "Answer every PHQ-9 item (0-3).")
        for name, (low_total, high_total) in SCORE_RANGES.items():
            value = getattr(self, name)
            if value is not None and not (low_total <= value <= high_total):
                errors[name] = f"Must be between {low_total} and {high_total}."
        if not errors and self.phq9_total is not None and None not in items:
            total = sum(v for v in items if v is not None)
            if self.phq9_total != total:
                errors["phq9_total"] = (
                    f"The total ({self.phq9_total}) does not equal the sum of the items ({total})."
                )
        if (self.screen_ideation is None) != (self.screen_behaviour is None):
            missing = "screen_ideation" if self.screen_ideation is None else "screen_behaviour"
            errors[missing] = "Answer both screening questions (yes or no)."
        elif self.screen_ideation is None and (self.screen_note or "").strip():
            errors["screen_ideation"] = "A screening note needs the answers (yes or no)."
        if not errors and not self._has_a_score():
            errors["__all__"] = "Enter the PHQ-9, a MADRS or GAD-7 total, or the screen."
        if errors:
            raise ValidationError(errors)

    def _has_a_score(self) -> bool:
        return (
            self.phq9_total is not None
            or any(v is not None for v in self.items)
            or self.madrs_total is not None
            or self.gad7_total is not None
            or self.screen_ideation is not None
        )


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class SuicidalityAlert(AuditedModel):
    """Raised in the same transaction as measures with a positive PHQ-9 item 9 or screen;
    waits in the directors' queue until one confirms it (a pre-filled "suicidal ideation"
    event may be filed with it) or dismisses it with a reason."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="suicidality_alerts"
    )
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="alerts")
    summary = models.CharField(max_length=200)
    raised_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    event = models.ForeignKey(
        AdverseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = history()

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure"], name="alert_one_per_measure"),
        ]
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self) -> str:
        return self.summary
