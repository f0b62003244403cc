"""The session timeline shown on the session page and on a director's event review: each
reading with its grade, the chart with the site's thresholds, open suggestions and events."""

from dataclasses import dataclass, field

from events.charts import ChartLimits, ChartMarker, ChartPoint, session_chart_svg
from events.choices import EventStatus
from events.models import InfusionSession, VitalSign
from events.rules import Alert, Reading, Thresholds, chair_alerts, hypertension_grade
from events.selectors import session_event_list, suggestion_list, vital_sign_list

# Which measurement each alert term is about, to highlight the cell that crossed.
ALERT_FIELDS = {
    "hypertension": ("systolic", "diastolic"),
    "hypotension": ("systolic",),
    "sinus_tachycardia": ("heart_rate",),
    "sinus_bradycardia": ("heart_rate",),
    "hypoxia": ("spo2",),
    "respiratory_depression": ("respiratory_rate",),
    "depressed_level_of_consciousness": ("moaas",),
}


@dataclass
class ReadingRow:
    """A reading with its CTCAE blood-pressure band and the alerts it raised: site thresholds
    crossed, or a rise of a grade or more over the pre-infusion baseline."""

    vital: VitalSign
    hypertension_grade: int | None
    alerts: list[Alert] = field(default_factory=list)
    is_baseline: bool = False
    baseline_grade: int | None = None

    @property
    def crossed(self) -> set[str]:
        return {name for alert in self.alerts for name in ALERT_FIELDS.get(alert.term_code, ())}

    @property
    def finding_labels(self) -> list[str]:
        """Badges for what raised a suggestion, and nothing else."""
        return [
            f"{alert.term_code.replace('_', ' ').capitalize()} G{alert.grade}"
            for alert in self.alerts
        ]

    @property
    def grade_note(self) -> str:
        """The blood-pressure grade as information when it raised nothing: a baseline of
        132/69 is "BP grade 1 (baseline)", not a hypertension finding."""
        if not self.hypertension_grade or any(a.term_code == "hypertension" for a in self.alerts):
            return ""
        if self.is_baseline:
            return f"BP grade {self.hypertension_grade} (baseline)"
        if self.baseline_grade is not None:
            return f"BP grade {self.hypertension_grade} (baseline grade {self.baseline_grade})"
        return f"BP grade {self.hypertension_grade} (no baseline)"


def site_thresholds(session: InfusionSession) -> Thresholds:
    site = session.site
    return Thresholds(**{name: getattr(site, name) for name in site.THRESHOLD_FIELDS})


def _reading(vital: VitalSign) -> Reading:
    return Reading(
        systolic=vital.systolic,
        diastolic=vital.diastolic,
        heart_rate=vital.heart_rate,
        spo2=vital.spo2,
        respiratory_rate=vital.respiratory_rate,
        moaas=vital.moaas,
    )


def _pre_infusion(session: InfusionSession, vital: VitalSign) -> bool:
    return session.started_at is not None and vital.taken_at <= session.started_at


def reading_rows(session: InfusionSession, vitals: list[VitalSign]) -> list[ReadingRow]:
    """Each reading (in time order, none voided) with the alerts the service raised for it:
    the same rule (`events.rules.chair_alerts`) against the same baseline."""
    limits = site_thresholds(session)
    pre = [
        v
        for v in vitals
        if _pre_infusion(session, v) and (v.systolic is not None or v.diastolic is not None)
    ]
    baseline = pre[-1] if pre else None
    base_reading = _reading(baseline) if baseline is not None else None
    base_grade = (
        hypertension_grade(baseline.systolic, baseline.diastolic) or 0 if baseline else None
    )
    rows = []
    for vital in vitals:
        rows.append(
            ReadingRow(
                vital=vital,
                hypertension_grade=hypertension_grade(vital.systolic, vital.diastolic),
                alerts=chair_alerts(
                    _reading(vital),
                    limits,
                    base_reading,
                    is_pre_infusion=_pre_infusion(session, vital),
                ),
                is_baseline=vital is baseline,
                baseline_grade=base_grade,
            )
        )
    return rows


def chart_for(session: InfusionSession, vitals, events) -> str:
    site = session.site
    limits = ChartLimits(**{name: getattr(site, name) for name in ChartLimits.__annotations__})
    points = [
        ChartPoint(v.minutes_from_start, v.systolic, v.diastolic, v.heart_rate, v.spo2)
        for v in vitals
        if v.minutes_from_start is not None
    ]
    markers = [
        ChartMarker(e.onset_minutes, e.term.name)
        for e in events
        if e.onset_minutes is not None and e.status != EventStatus.VOIDED
    ]
    return session_chart_svg(
        points, limits, planned_minutes=session.planned_duration_min, markers=markers
    )


def session_timeline(session: InfusionSession) -> dict:
    """Everything the timeline shows, read in three queries (readings, suggestions, events)."""
    vitals = list(vital_sign_list(session))
    events = list(session_event_list(session))
    return {
        "readings": reading_rows(session, vitals),
        "suggestions": list(suggestion_list(session)),
        "session_events": events,
        "chart": chart_for(session, vitals, events),
    }
