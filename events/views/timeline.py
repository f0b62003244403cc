"""The session timeline shown on the session page and on a director's event review: each
reading with its grade, the chart with the site's thresholds, open suggestions and events."""

from dataclasses import dataclass, field

from events.charts import ChartLimits, ChartMarker, ChartPoint, session_chart_svg
from events.choices import EventStatus
from events.models import AdverseEvent, InfusionSession, VitalSign
from events.rules import Alert, Reading, Thresholds, check_thresholds, hypertension_grade
from events.selectors import suggestion_list, vital_sign_list

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
    """A reading with its CTCAE hypertension band and the site thresholds it crossed."""

    vital: VitalSign
    hypertension_grade: int | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def crossed(self) -> set[str]:
        return {name for alert in self.alerts for name in ALERT_FIELDS.get(alert.term_code, ())}

    @property
    def grade_labels(self) -> list[str]:
        labels = []
        if self.hypertension_grade:
            labels.append(f"Hypertension G{self.hypertension_grade}")
        for alert in self.alerts:
            if alert.term_code != "hypertension":
                labels.append(f"{alert.term_code.replace('_', ' ').capitalize()} G{alert.grade}")
        return labels


def site_thresholds(session: InfusionSession) -> Thresholds:
    site = session.site
    return Thresholds(**{name: getattr(site, name) for name in site.THRESHOLD_FIELDS})


def reading_rows(session: InfusionSession, vitals: list[VitalSign]) -> list[ReadingRow]:
    limits = site_thresholds(session)
    rows = []
    for vital in vitals:
        reading = Reading(
            systolic=vital.systolic,
            diastolic=vital.diastolic,
            heart_rate=vital.heart_rate,
            spo2=vital.spo2,
            respiratory_rate=vital.respiratory_rate,
            moaas=vital.moaas,
        )
        rows.append(
            ReadingRow(
                vital=vital,
                hypertension_grade=hypertension_grade(vital.systolic, vital.diastolic),
                alerts=check_thresholds(reading, limits),
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
    events = list(
        AdverseEvent.objects.filter(session=session)
        .select_related("term", "reported_by")
        .order_by("onset_at", "id")
    )
    return {
        "readings": reading_rows(session, vitals),
        "suggestions": list(suggestion_list(session)),
        "session_events": events,
        "chart": chart_for(session, vitals, events),
    }
