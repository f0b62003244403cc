"""Reads of outcome measures, suicidality alerts and a patient's course, scoped to the sites
the user may see (a record at another site is a 404, as in `events.selectors`)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from events.choices import EventStatus, SessionStatus
from events.models import (
    AlertStatus,
    InfusionSession,
    OutcomeMeasure,
    Patient,
    SuicidalityAlert,
)
from events.outcomes import CourseOutcome, course_outcome, is_remission, is_response
from events.selectors import _get, _scoped

COUNTED_EVENTS = [s for s in EventStatus.values if s != EventStatus.VOIDED]
STARTED = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)


def outcome_measure_current(session: InfusionSession) -> OutcomeMeasure | None:
    return session.measures.filter(is_voided=False).first()


def outcome_measure_list(session: InfusionSession) -> QuerySet[OutcomeMeasure]:
    return session.measures.filter(is_voided=False).order_by("recorded_at", "id")


def outcome_measure_get(user: User, pk: object) -> OutcomeMeasure:
    queryset = OutcomeMeasure.objects.select_related("session__site", "session__patient")
    return _get(_scoped(queryset, user, "session__site_id"), pk)


def suicidality_alert_get(user: User, pk: object) -> SuicidalityAlert:
    queryset = SuicidalityAlert.objects.select_related(
        "session__site", "session__patient", "measure"
    )
    return _get(_scoped(queryset, user, "session__site_id"), pk)


def suicidality_alert_list(
    user: User, *, status: str | None = AlertStatus.OPEN
) -> QuerySet[SuicidalityAlert]:
    """Alerts at the user's sites, oldest first: an open alert waits for a director."""
    alerts = _scoped(
        SuicidalityAlert.objects.select_related("session__site", "session__patient", "measure"),
        user,
        "session__site_id",
    )
    return alerts.filter(status=status) if status else alerts


@dataclass(frozen=True)
class CourseSession:
    """One started session of a course, with what the course page shows for it."""

    pk: int
    number: int
    started_at: datetime
    status: str
    dose_mg_per_kg: Decimal
    phq9: int | None
    madrs: int | None
    item9: int | None
    screen_positive: bool
    worst_grade: int | None
    peak_systolic: int | None
    peak_cadss6: int | None
    responded: bool
    remitted: bool


@dataclass(frozen=True)
class Course:
    patient: Patient
    sessions: list[CourseSession]
    outcome: CourseOutcome

    @property
    def baseline(self) -> int | None:
        return self.outcome.baseline


def patient_course(patient: Patient) -> Course:
    """The patient's started, non-voided sessions in course order, each with its scores, worst
    AE grade (voided events left out), peak systolic BP and peak CADSS-6."""
    current = OutcomeMeasure.objects.filter(session=OuterRef("pk"), is_voided=False)
    rows = (
        InfusionSession.objects.filter(patient=patient, is_voided=False, status__in=STARTED)
        .annotate(
            phq9=Subquery(current.values("phq9_total")[:1]),
            madrs=Subquery(current.values("madrs_total")[:1]),
            item9=Subquery(current.values("phq9_item9")[:1]),
            ideation=Subquery(current.values("screen_ideation")[:1]),
            behaviour=Subquery(current.values("screen_behaviour")[:1]),
            worst_grade=Max(
                "adverse_events__grade", filter=Q(adverse_events__status__in=COUNTED_EVENTS)
            ),
            peak_systolic=Max("vital_signs__systolic", filter=Q(vital_signs__is_voided=False)),
            peak_cadss6=Max("vital_signs__cadss6", filter=Q(vital_signs__is_voided=False)),
        )
        .order_by("sequence_number")
    )
    sessions_in_order = list(rows)
    baseline = next((r.phq9 for r in sessions_in_order if r.sequence_number == 1), None)
    sessions = [
        CourseSession(
            pk=r.pk,
            number=r.sequence_number,
            started_at=r.started_at,
            status=r.status,
            dose_mg_per_kg=r.dose_mg_per_kg,
            phq9=r.phq9,
            madrs=r.madrs,
            item9=r.item9,
            screen_positive=bool(r.ideation or r.behaviour),
            worst_grade=r.worst_grade,
            peak_systolic=r.peak_systolic,
            peak_cadss6=r.peak_cadss6,
            responded=r.sequence_number > 1 and is_response(baseline, r.phq9),
            remitted=is_remission(r.phq9),
        )
        for r in sessions_in_order
        if r.started_at is not None
    ]
    scores = {s.number: s.phq9 for s in sessions if s.phq9 is not None}
    return Course(patient=patient, sessions=sessions, outcome=course_outcome(scores))
