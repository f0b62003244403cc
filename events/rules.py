"""Pure clinical rules: grading a reading, checking it against site thresholds, dose bands
and review clocks. No database access, so each rule is easy to test on its own."""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Thresholds:
    """A site's alert thresholds (see `events.models.Site`)."""

    systolic_high: int = 180
    diastolic_high: int = 110
    systolic_low: int = 90
    heart_rate_high: int = 110
    heart_rate_low: int = 50
    spo2_low: int = 92
    respiratory_rate_low: int = 10
    moaas_low: int = 2


@dataclass(frozen=True)
class Reading:
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None
    moaas: int | None = None


@dataclass(frozen=True)
class Alert:
    """A threshold crossing: the term it suggests, a CTCAE grade, and how far past the
    threshold the reading is (used to keep the worst reading on an open suggestion)."""

    term_code: str
    grade: int
    description: str
    excess: float

    @property
    def severity(self) -> tuple[int, float]:
        return (self.grade, self.excess)


def hypertension_grade(systolic: int | None, diastolic: int | None) -> int | None:
    """CTCAE v5 adult hypertension band of one reading, by the worse of the two pressures.

    G1 120-139/80-89, G2 140-159/90-99, G3 >= 160/>= 100. Grades 4 and 5 depend on clinical
    consequences a reading cannot show, so they are never assigned from numbers.
    """
    grades = []
    if systolic is not None:
        grades.append(
            3 if systolic >= 160 else 2 if systolic >= 140 else 1 if systolic >= 120 else 0
        )
    if diastolic is not None:
        grades.append(
            3 if diastolic >= 100 else 2 if diastolic >= 90 else 1 if diastolic >= 80 else 0
        )
    worst = max(grades, default=0)
    return worst or None


def check_thresholds(reading: Reading, limits: Thresholds) -> list[Alert]:
    """Every alert a reading raises against a site's thresholds, one per term."""
    alerts: list[Alert] = []
    sbp, dbp = reading.systolic, reading.diastolic
    bp = f"{sbp}/{dbp}"
    sbp_over = sbp is not None and sbp >= limits.systolic_high
    dbp_over = dbp is not None and dbp >= limits.diastolic_high
    if sbp_over or dbp_over:
        excess = max((sbp or 0) - limits.systolic_high, (dbp or 0) - limits.diastolic_high)
        grade = hypertension_grade(sbp, dbp) or 1
        alerts.append(Alert("hypertension", grade, f"BP {bp} mmHg", float(excess)))
    if sbp is not None and sbp <= limits.systolic_low:
        alerts.append(Alert("hypotension", 1, f"BP {bp} mmHg", float(limits.systolic_low - sbp)))
    hr = reading.heart_rate
    if hr is not None and hr >= limits.heart_rate_high:
        alerts.append(
            Alert("sinus_tachycardia", 1, f"HR {hr} /min", float(hr - limits.heart_rate_high))
        )
    if hr is not None and hr <= limits.heart_rate_low:
        alerts.append(
            Alert("sinus_bradycardia", 1, f"HR {hr} /min", float(limits.heart_rate_low - hr))
        )
    spo2 = reading.spo2
    if spo2 is not None and spo2 <= limits.spo2_low:
        # CTCAE hypoxia: grade 3 is SpO2 below 88% at rest, grade 2 a lesser drop.
        grade = 3 if spo2 < 88 else 2
        alerts.append(Alert("hypoxia", grade, f"SpO2 {spo2}%", float(limits.spo2_low - spo2)))
    rr = reading.respiratory_rate
    if rr is not None and rr <= limits.respiratory_rate_low:
        grade = 3 if rr <= 8 else 2
        alerts.append(
            Alert(
                "respiratory_depression",
                grade,
                f"RR {rr} /min",
                float(limits.respiratory_rate_low - rr),
            )
        )
    moaas = reading.moaas
    if moaas is not None and moaas <= limits.moaas_low:
        # MOAA/S 2 answers only to prodding ("sedation, slow response"); 0-1 is "difficult to
        # arouse" or unresponsive.
        grade = 3 if moaas <= 1 else 2
        alerts.append(
            Alert(
                "depressed_level_of_consciousness",
                grade,
                f"MOAA/S {moaas}",
                float(limits.moaas_low - moaas),
            )
        )
    return alerts


def graded_terms(reading: Reading) -> dict[str, int]:
    """The CTCAE grades a reading's numbers define on their own (grade 0: normal). Only
    hypertension is graded from numbers across its range; other terms are graded when a
    site threshold is crossed (`check_thresholds`)."""
    return {"hypertension": hypertension_grade(reading.systolic, reading.diastolic) or 0}


def baseline_changes(reading: Reading, baseline: Reading) -> list[Alert]:
    """Alerts for a rise of at least one CTCAE grade over the pre-infusion baseline: the
    change the drug may have caused, whatever the patient's usual values."""
    alerts = []
    before = graded_terms(baseline)
    for term, grade in graded_terms(reading).items():
        if term not in before or grade < before[term] + 1:
            continue
        bp, base_bp = (
            f"{reading.systolic}/{reading.diastolic}",
            (f"{baseline.systolic}/{baseline.diastolic}"),
        )
        description = (
            f"BP {bp} mmHg, up from grade {before[term]} at the pre-infusion baseline "
            f"({base_bp} mmHg)"
        )
        alerts.append(Alert(term, grade, description, float(grade - before[term])))
    return alerts


def chair_alerts(
    reading: Reading, limits: Thresholds, baseline: Reading | None, *, is_pre_infusion: bool
) -> list[Alert]:
    """The suggested events a reading raises at the chair (DESIGN section 4): site threshold
    crossings, and a rise of at least one CTCAE grade over the patient's pre-infusion
    baseline (when there is one). A pre-infusion reading is the baseline: it raises none,
    since no drug has been given; its grade stays visible as information."""
    if is_pre_infusion:
        return []
    alerts = check_thresholds(reading, limits)
    if baseline is not None:
        raised = {alert.term_code for alert in alerts}
        alerts += [a for a in baseline_changes(reading, baseline) if a.term_code not in raised]
    return alerts


def dose_band(dose_mg_per_kg: Decimal) -> str:
    """Reporting band of a dose: < 0.5, 0.5-0.75, 0.75-1.0, > 1.0 mg/kg."""
    if dose_mg_per_kg < Decimal("0.5"):
        return "<0.5"
    if dose_mg_per_kg < Decimal("0.75"):
        return "0.5-0.75"
    if dose_mg_per_kg <= Decimal("1.0"):
        return "0.75-1.0"
    return ">1.0"


DOSE_BANDS = ("<0.5", "0.5-0.75", "0.75-1.0", ">1.0")


def total_dose_matches(dose_mg_per_kg: Decimal, weight_kg: Decimal, total_mg: Decimal) -> bool:
    """Total dose agrees with dose x weight within 2% or 1 mg (rounding on the pump)."""
    expected = dose_mg_per_kg * weight_kg
    return abs(total_mg - expected) <= max(Decimal("1"), expected * Decimal("0.02"))


def review_due_at(
    submitted_at: datetime, *, is_serious: bool, is_expected: bool, is_fatal_or_lt: bool
) -> datetime:
    """Due clock: serious unexpected events in 7 days when fatal or life-threatening,
    15 days otherwise; every other event in 30 days."""
    if is_serious and not is_expected:
        return submitted_at + timedelta(days=7 if is_fatal_or_lt else 15)
    return submitted_at + timedelta(days=30)


def minutes_between(start: datetime | None, moment: datetime | None) -> int | None:
    if start is None or moment is None:
        return None
    return int((moment - start).total_seconds() // 60)


@dataclass(frozen=True)
class CourseEntry:
    """One non-voided session of a patient's course, as numbering sees it. `key` breaks ties
    between equal start times (the session id; a not yet saved session sorts last)."""

    key: Hashable
    has_started: bool
    started_at: datetime | None


_NO_TIME = datetime.max.replace(tzinfo=UTC)


def course_numbers(entries: Iterable[CourseEntry]) -> dict[Hashable, int]:
    """Each session's number in the patient's course: its place among the started sessions in
    start-time order (1, 2, ...), so no two share a number and a back-dated session takes its
    place in time. Planned sessions follow the started ones, in planned-time order. Voided
    sessions are not given to this function: they leave the course."""
    entries = list(entries)
    started = sorted(
        (e for e in entries if e.has_started), key=lambda e: (e.started_at, _order(e.key))
    )
    planned = sorted(
        (e for e in entries if not e.has_started),
        key=lambda e: (e.started_at or _NO_TIME, _order(e.key)),
    )
    return {entry.key: number for number, entry in enumerate(started + planned, start=1)}


def _order(key: Hashable) -> float:
    # Saved sessions sort by id; the one being added (key None) comes after them.
    return float("inf") if key is None else float(key)  # type: ignore[arg-type]


# Events of one patient in different sessions are compared only this close together: a
# repeat of the same term a day or more later is a new event, not a second entry of one.
DUPLICATE_PATIENT_SPAN = timedelta(days=1)


@dataclass(frozen=True)
class EventLikeness:
    """What the duplicate rule compares between two events. `term` is the term's id, with
    the described text for a term that needs one ("Other: ...")."""

    session_id: int | None
    patient_id: int
    term: tuple[int, str]
    onset_at: datetime


def is_likely_duplicate(a: EventLikeness, b: EventLikeness, *, window: timedelta) -> bool:
    """Two events are likely one event entered twice when they have the same term and their
    onsets lie within `window` of each other, in the same session, or for the same patient
    within a day (`DUPLICATE_PATIENT_SPAN`)."""
    if a.patient_id != b.patient_id or a.term != b.term:
        return False
    gap = abs(a.onset_at - b.onset_at)
    if gap > window:
        return False
    same_session = a.session_id is not None and a.session_id == b.session_id
    return same_session or gap <= DUPLICATE_PATIENT_SPAN
