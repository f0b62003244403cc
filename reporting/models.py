"""Monthly rollups (derived counts, rebuilt at will) and signal reviews (records, audited).

Monthly rollups: the safety summary's grouped counts, precomputed per site and month.

The two rollup tables are derived from the clinical record and can be rebuilt from it at any time
(`manage.py refresh_rollups`); they are not records themselves, so they keep no history and
are not part of the ledger. See `reporting.rollups` for how they are read and refreshed.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from audit.models import AuditedModel, HistoryBase
from events.models import Site
from events.validators import validate_plain_text


class MonthlyRollup(models.Model):
    """The summary's frames for the counted sessions of one site in one stored month.

    Derived data, rebuilt from the record by the refresh: no history, updated in place. Each
    frame is what the `reporting.queries` function of the same name returns for this
    partition alone, as `{"columns": [...], "data": [[...], ...]}`. The patient ids are kept
    (sorted) because distinct patients do not add up across months or sites: a report takes
    the union of its partitions' ids.

    A rollup is used only while no `StalePartition` row names its site and month.
    """

    # Indexed through the (site, month) constraint, not on its own.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.CharField(max_length=7)  # InfusionSession.month, site-local "YYYY-MM"
    sessions_cube = models.JSONField()
    events_cube = models.JSONField()
    term_month_worst = models.JSONField()
    patient_ids = models.JSONField()
    patient_with_event_ids = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "month"], name="rollup_one_per_site_month")
        ]

    def __str__(self) -> str:
        return f"Rollup {self.site_id} {self.month}"


class StalePartition(models.Model):
    """A mark that the counts of one site and month changed since its rollup was computed.

    Every save of a session, an event or a patient inserts one, in the saving transaction
    (`reporting.signals`); only inserts, so writers never wait on each other here. The
    refresh deletes exactly the marks it read before recomputing, so a mark inserted while
    it ran survives it. Derived bookkeeping: no history.
    """

    # Indexed through the (site, month) index, not on its own.
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.CharField(max_length=7)
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["site", "month"])]

    def __str__(self) -> str:
        return f"Stale {self.site_id} {self.month}"


class CountedEvent(models.Model):
    """One row per counted event, with the attributes of its session, patient and term that a
    report filters or groups on: the safety summary's rows in one narrow table, no joins.

    Derived data, kept current in the writing transaction: every save of an event, a session,
    a patient or a term rewrites the rows it touches (`reporting.counted_events`), so the
    table always holds exactly the events `reporting.queries.counted_events` counts with no
    filters (sessions that started and are not voided; events not voided). No history; bulk
    writes that skip the model's signals (the demo loader) call
    `reporting.counted_events.counted_events_rebuild` afterwards.
    """

    # The event's id; no foreign keys, so the table can be rebuilt without touching records.
    event_id = models.BigIntegerField(primary_key=True)
    session_id = models.BigIntegerField(db_index=True)
    patient_id = models.BigIntegerField(db_index=True)
    site_id = models.BigIntegerField()
    month = models.CharField(max_length=7)  # InfusionSession.month, site-local "YYYY-MM"
    started_at = models.DateTimeField()  # the session's start (days that are not whole months)
    route = models.CharField(max_length=20)
    drug = models.CharField(max_length=20)
    dose_band = models.CharField(max_length=10)
    session_number = models.PositiveSmallIntegerField()  # 1-6, 7 for "7 and later"
    indication = models.CharField(max_length=30)
    term_id = models.BigIntegerField(db_index=True)
    category = models.CharField(max_length=20)
    grade = models.PositiveSmallIntegerField()
    is_serious = models.BooleanField()
    onset_band = models.CharField(max_length=12)  # a key of ONSET_BANDS, or "unknown"
    status = models.CharField(max_length=20)  # the event's review status, never voided
    # The session's cell of the summary's dimensions, one integer (`reporting.cells`).
    cell = models.BigIntegerField()
    # The event's group in each breakdown and its seriousness, one integer (`reporting.kinds`).
    kind = models.IntegerField()
    # The counted events of this term in this session, this one included. When it is 1, the
    # event is its (session, term) pair on its own whatever the filters keep, and the summary
    # counts the pair without grouping on it.
    term_events_in_session = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "site_id"]),
            # The selective event filters: the highest grades and serious events are a few
            # in a thousand, so a report filtered on them reads these rows alone instead of
            # the whole table (term has its own index above).
            models.Index(fields=["grade", "month"], name="counted_grade_month"),
            models.Index(
                fields=["month"], condition=models.Q(is_serious=True), name="counted_serious_month"
            ),
        ]

    def __str__(self) -> str:
        return f"Counted event {self.event_id}"


class CountedSession(models.Model):
    """One row per counted session (started, not voided), with the attributes a report
    filters or groups on: the summary's exposure in one narrow table, no joins. Derived data
    kept like `CountedEvent`, in the same writing transactions and by the same rebuild
    (`reporting.counted_events`)."""

    # The session's id; no foreign keys, so the table can be rebuilt without touching records.
    session_id = models.BigIntegerField(primary_key=True)
    patient_id = models.BigIntegerField(db_index=True)
    site_id = models.BigIntegerField()
    month = models.CharField(max_length=7)  # InfusionSession.month, site-local "YYYY-MM"
    started_at = models.DateTimeField()
    route = models.CharField(max_length=20)
    drug = models.CharField(max_length=20)
    dose_band = models.CharField(max_length=10)
    session_number = models.PositiveSmallIntegerField()  # 1-6, 7 for "7 and later"
    indication = models.CharField(max_length=30)
    cell = models.BigIntegerField()  # the cell of the summary's dimensions (`reporting.cells`)

    class Meta:
        indexes = [models.Index(fields=["month", "site_id"], name="counted_session_month_site")]

    def __str__(self) -> str:
        return f"Counted session {self.session_id}"


class SignalAssessment(models.TextChoices):
    NO_CONCERN = "no_concern", "No concern"
    MONITOR = "monitor", "Monitor"
    ACTION = "action", "Action"


class SignalReview(AuditedModel):
    """A medical director's assessment of one signal: no concern, monitor or action, and why.

    A record of the clinic, not derived data: history-tracked and chained like every record,
    written only by `reporting.services.signal_review_record`. `key` names the signal (its
    subject, the last month of the report and the sites it covers, see
    `reporting.signal_detection`); a later assessment of the same signal is a new version of
    this row. `site_ids` are the sites the signal covered: a reader must see all of them.
    `evidence` keeps the findings as the director saw them, in words.
    """

    key = models.CharField(max_length=400, unique=True)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    through_month = models.CharField(max_length=7)
    site_ids = models.JSONField()
    evidence = models.TextField()
    assessment = models.CharField(max_length=20, choices=SignalAssessment.choices)
    reason = models.TextField(validators=[validate_plain_text])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HistoryBase], cascade_delete_history=False)

    def __str__(self) -> str:
        return f"{self.label} ({self.through_month}): {self.get_assessment_display()}"


class ReferenceUnit(models.TextChoices):
    PATIENTS = "patients", "Patients (at least once over a course)"
    SESSIONS = "sessions", "Sessions"


class ReferenceRate(AuditedModel):
    """A published rate of one event term that directors compare the clinic's rate with:
    the proportion (0-1) of `denominator` patients or sessions, and where it was published.

    Kept by medical directors through `reporting.services.reference_rate_save`; one per term.
    """

    term = models.OneToOneField(
        "events.EventTerm", on_delete=models.PROTECT, related_name="reference_rate"
    )
    published_term = models.CharField(max_length=100, validators=[validate_plain_text])
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    denominator = models.PositiveIntegerField()
    unit = models.CharField(
        max_length=20, choices=ReferenceUnit.choices, default=ReferenceUnit.PATIENTS
    )
    # Where the rate was published ("source" names the write path in the history table).
    citation = models.TextField(max_length=1000, validators=[validate_plain_text])
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(bases=[HistoryBase], cascade_delete_history=False)

    class Meta:
        ordering = ["term__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=1), name="reference_rate_is_proportion"
            ),
            models.CheckConstraint(
                condition=models.Q(denominator__gte=1), name="reference_rate_has_denominator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.published_term}: {self.rate_percent}% of {self.denominator} {self.unit}"

    @property
    def rate_percent(self) -> str:
        """The rate as a percentage with two decimals (0.41 -> "41.00")."""
        return f"{self.rate * 100:.2f}"
