"""Audit trails and the audit log as CSV and PDF.

CSV has one row per changed field (a version with no field change still gets one row), so a
spreadsheet can filter by field; times are ISO 8601 with their offset. Text cells go through
the formula guard. The PDF shows every version with its changes, who, when and why.
"""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from exports.formula_guard import guard_frame
from exports.pdf import render_pdf

TRAIL_COLUMNS = [
    "record",
    "record_id",
    "version",
    "history_id",
    "action",
    "changed_at_utc",
    "changed_at_site",
    "user",
    "reason",
    "source",
    "request_id",
    "field",
    "old_value",
    "new_value",
    "hash",
]

LOG_COLUMNS = [
    "changed_at_utc",
    "changed_at_site",
    "record",
    "record_id",
    "history_id",
    "action",
    "user",
    "reason",
    "source",
    "request_id",
    "site_id",
]


def _iso(moment: datetime, zone: ZoneInfo | None = None) -> str:
    return moment.astimezone(zone or UTC).isoformat()


def trail_frame(versions, *, label: str, pk, zone: ZoneInfo | None) -> pd.DataFrame:
    rows = []
    for v in versions:
        common = {
            "record": label,
            "record_id": str(pk),
            "version": v.number,
            "history_id": v.history_id,
            "action": v.action_label,
            "changed_at_utc": _iso(v.at),
            "changed_at_site": _iso(v.at, zone) if zone else "",
            "user": v.user_name,
            "reason": v.reason,
            "source": v.source,
            "request_id": v.request_id,
            "hash": v.hash,
        }
        changes = v.changes or [None]
        for change in changes:
            rows.append(
                {
                    **common,
                    "field": change.name if change else "",
                    "old_value": change.old if change else "",
                    "new_value": change.new if change else "",
                }
            )
    return pd.DataFrame(rows, columns=TRAIL_COLUMNS)


def log_frame(entries, *, zones: dict[int, str]) -> pd.DataFrame:
    rows = [
        {
            "changed_at_utc": _iso(e.at),
            "changed_at_site": (
                _iso(e.at, ZoneInfo(zones[e.site_id])) if e.site_id in zones else ""
            ),
            "record": e.label,
            "record_id": e.object_id,
            "history_id": e.history_id,
            "action": e.action_label,
            "user": e.user_name,
            "reason": e.reason,
            "source": e.source,
            "request_id": e.request_id,
            "site_id": e.site_id,
        }
        for e in entries
    ]
    frame = pd.DataFrame(rows, columns=LOG_COLUMNS)
    frame["site_id"] = frame["site_id"].astype("Int64")
    return frame


def frame_csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    guard_frame(frame).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def trail_pdf(
    versions, *, model_name: str, label: str, pk, zone, generated_by: str, sections=()
) -> bytes:
    """A record's trail as a PDF, newest version first like the web trail."""
    return render_pdf(
        "exports/audit_trail.html",
        {
            "versions": list(reversed(versions)),
            "model_name": model_name,
            "label": label,
            "pk": pk,
            "zone": zone,
            "sections": sections,
            "generated_at": datetime.now(UTC),
            "generated_by": generated_by,
        },
    )


LOG_FILTER_LABELS = {
    "username": "user",
    "site_id": "site id",
    "model": "record type",
    "action": "action",
    "since": "from",
    "until": "to",
}


def log_pdf(
    entries, *, total: int, csv_limit: int, filters: dict, zones: dict[int, str], generated_by: str
) -> bytes:
    """The newest `entries` of the log as a PDF. When the filters match more (`total`), the
    title, the running header of every page and the file's metadata call it an extract, "the
    first N of M entries", so a printed page can never pass for the whole log."""
    return render_pdf(
        "exports/audit_trail_log.html",
        {
            "entries": entries,
            "total": total,
            "is_extract": total > len(entries),
            "shown_text": f"{len(entries):,}",
            "total_text": f"{total:,}",
            "csv_limit_text": f"{csv_limit:,}",
            "filters": [(LOG_FILTER_LABELS.get(k, k), v) for k, v in filters.items()],
            "zones": zones,
            "generated_at": datetime.now(UTC),
            "generated_by": generated_by,
        },
    )
