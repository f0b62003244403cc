"""Outcome exports: the benefit-risk table and the scores listing as CSV.

Both are UTF-8 CSV with stable column names (docs/exports.md), text guarded against
spreadsheet formulas, numbers as numbers, times in ISO 8601 with the site's offset. Each
download is written to the access log.
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime

import pandas as pd
from django.http import HttpRequest

from audit.services import Actor, access_log_export
from events.models import OutcomeMeasure
from events.models.measures import PHQ9_ITEMS
from events.outcomes import is_remission, is_response
from exports.filenames import CSV, export_filename
from exports.formula_guard import guard_frame
from exports.services import ExportFile
from reporting.benefit_risk import benefit_risk, export_frame
from reporting.filters import ReportFilters
from reporting.queries import COUNTED_STATUSES, session_conditions
from reporting.selectors import report_sites, reporting_database, require_report_reader

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


def _csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    guard_frame(frame).to_csv(out, index=False, lineterminator="\n")
    return out.getvalue().encode()


def benefit_risk_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None, by_site: bool
) -> ExportFile:
    """The benefit-risk table as CSV: counts, estimates and exact bounds as numbers."""
    result = benefit_risk(actor, filters, by_site=by_site)
    content = _csv(export_frame(result))
    access_log_export(
        actor=actor,
        request=request,
        object_type="reporting.benefit_risk",
        row_count=len(result.table),
        filters=filters.as_dict(),
        extra={"kind": "benefit_risk_csv", "by_site": by_site},
    )
    return ExportFile(content, export_filename("benefit-risk", "csv"), CSV)


def scores_frame(user: Actor, filters: ReportFilters) -> pd.DataFrame:
    """One row per current (not voided) set of measures in the report's counted sessions,
    with the patient's baseline and the response and remission rules applied to each score."""
    using = reporting_database()
    sites = report_sites(user, filters, using)
    zones = {s["id"]: s["timezone"] for s in sites}
    measures = (
        OutcomeMeasure.objects.using(using)
        .filter(is_voided=False)
        .filter(session_conditions(filters, user, zones, prefix="session__"))
        .order_by(
            "session__site__code", "session__patient__chart_number", "session__sequence_number"
        )
    )
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


def scores_csv_export(
    *, actor: Actor, filters: ReportFilters, request: HttpRequest | None
) -> ExportFile:
    """The scores listing as CSV (directors and auditors)."""
    require_report_reader(actor)
    frame = scores_frame(actor, filters)
    access_log_export(
        actor=actor,
        request=request,
        object_type="events.outcomemeasure",
        row_count=len(frame),
        filters=filters.as_dict(),
        extra={"kind": "scores_csv"},
    )
    return ExportFile(_csv(frame), export_filename("scores", "csv"), CSV)
