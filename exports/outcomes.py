"""Outcome exports: the scores listing and the benefit-risk table as CSV, and the measures
a report's filters select.

Both CSVs are UTF-8 with stable column names (docs/exports.md), text guarded against
spreadsheet formulas, numbers as numbers, times in ISO 8601 with the site's offset. They are
written by export jobs (`exports.outcome_jobs`).
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime

import pandas as pd
from django.db.models import QuerySet

from audit.services import Actor
from events.models import OutcomeMeasure
from events.models.measures import PHQ9_ITEMS
from events.outcomes import is_remission, is_response
from exports.formula_guard import guard_frame
from reporting.benefit_risk import BenefitRisk, export_frame
from reporting.filters import ReportFilters
from reporting.queries import COUNTED_STATUSES, session_conditions
from reporting.selectors import report_sites, reporting_database

SCORE_COLUMNS = (
    "measure_id",
    "site",
    "chart_number",
    "patient_id",
    "session_id",
    "session_number",
    "session_started_at",
    "recorded_at",
    *PHQ9_ITEMS,
    "phq9_total",
    "baseline_phq9",
    "response",
    "remission",
    "madrs_total",
    "gad7_total",
    "screen_ideation",
    "screen_behaviour",
    "entered_by_patient",
    "drug",
    "route",
    "dose_mg_per_kg",
    "dose_band",
)


def frame_csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    guard_frame(frame).to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode()


def benefit_risk_csv(result: BenefitRisk) -> bytes:
    """The benefit-risk table as CSV: counts, estimates and exact bounds as numbers."""
    return frame_csv(export_frame(result))


def scores_measures(
    user: Actor, filters: ReportFilters, zones: dict[int, str] | None = None
) -> QuerySet[OutcomeMeasure]:
    """The current (not voided) measures of the report's counted sessions, over the sites
    `user` may see, in the order of the listing: site, chart number, session number."""
    using = reporting_database()
    if zones is None:
        zones = {s["id"]: s["timezone"] for s in report_sites(user, filters, using)}
    return (
        OutcomeMeasure.objects.using(using)
        .filter(is_voided=False)
        .filter(session_conditions(filters, user, zones, prefix="session__"))
        .order_by(
            "session__site__code", "session__patient__chart_number", "session__sequence_number"
        )
    )


def scores_frame(user: Actor, filters: ReportFilters) -> pd.DataFrame:
    """One row per current (not voided) set of measures in the report's counted sessions,
    with the patient's baseline and the response and remission rules applied to each score."""
    using = reporting_database()
    sites = report_sites(user, filters, using)
    zones = {s["id"]: s["timezone"] for s in sites}
    measures = scores_measures(user, filters, zones)
    rows = list(
        measures.values(
            "id",
            "session__site__code",
            "session__site_id",
            "session__patient__chart_number",
            "session__patient_id",
            "session_id",
            "session__sequence_number",
            "session__started_at",
            "recorded_at",
            *PHQ9_ITEMS,
            "phq9_total",
            "madrs_total",
            "gad7_total",
            "screen_ideation",
            "screen_behaviour",
            "entered_by_patient",
            "session__drug",
            "session__route",
            "session__dose_mg_per_kg",
            "session__dose_band",
        )
    )
    baselines = dict(
        OutcomeMeasure.objects.using(using)
        .filter(
            is_voided=False,
            phq9_total__isnull=False,
            session__sequence_number=1,
            session__is_voided=False,
            session__status__in=COUNTED_STATUSES,
            session__patient_id__in={r["session__patient_id"] for r in rows},
        )
        .values_list("session__patient_id", "phq9_total")
    )
    records = []
    for r in rows:
        zone = zoneinfo.ZoneInfo(zones[r["session__site_id"]])
        baseline = baselines.get(r["session__patient_id"])
        score = r["phq9_total"]
        records.append(
            {
                "measure_id": r["id"],
                "site": r["session__site__code"],
                "chart_number": r["session__patient__chart_number"],
                "patient_id": r["session__patient_id"],
                "session_id": r["session_id"],
                "session_number": r["session__sequence_number"],
                "session_started_at": _iso(r["session__started_at"], zone),
                "recorded_at": _iso(r["recorded_at"], zone),
                **{name: r[name] for name in PHQ9_ITEMS},
                "phq9_total": score,
                "baseline_phq9": baseline,
                "response": (
                    None
                    if score is None or baseline is None or r["session__sequence_number"] == 1
                    else is_response(baseline, score)
                ),
                "remission": None if score is None else is_remission(score),
                "madrs_total": r["madrs_total"],
                "gad7_total": r["gad7_total"],
                "screen_ideation": r["screen_ideation"],
                "screen_behaviour": r["screen_behaviour"],
                "entered_by_patient": r["entered_by_patient"],
                "drug": r["session__drug"],
                "route": r["session__route"],
                "dose_mg_per_kg": r["session__dose_mg_per_kg"],
                "dose_band": r["session__dose_band"],
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(SCORE_COLUMNS))
    integer_columns = [*PHQ9_ITEMS, "phq9_total", "baseline_phq9", "madrs_total", "gad7_total"]
    frame[integer_columns] = frame[integer_columns].astype("Int64")
    return frame


def _iso(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None
