"""Import files for the tests: rows of a clinic's history as CSV bytes."""

import csv
import io
from datetime import datetime, timedelta

from events.imports.columns import TEMPLATES

HEADER = TEMPLATES["all"]
TERMS = ("nausea", "dizziness", "hypertension", "vomiting")


def history_rows(count: int, *, site: str = "north", start: datetime | None = None) -> list[dict]:
    """`count` rows: one session each (a patient has ten), every other one with an event."""
    start = start or datetime(2025, 1, 6, 9, 0)
    rows = []
    for index in range(count):
        patient, visit = divmod(index, 10)
        started = start + timedelta(days=visit * 7, minutes=patient % 480)
        row = {
            "site_code": site,
            "patient_chart_number": f"H-{patient:05d}",
            "birth_year": str(1960 + patient % 40),
            "sex": ("female", "male")[patient % 2],
            "indication": "trd",
            "session_started_at": started.strftime("%Y-%m-%d %H:%M"),
            "session_ended_at": (started + timedelta(minutes=40)).strftime("%Y-%m-%d %H:%M"),
            "drug": "ketamine",
            "route": "iv",
            "dose_mg_per_kg": "0.500",
            "weight_kg": "80.0",
        }
        if index % 2 == 0:
            row |= {
                "term_code": TERMS[index % len(TERMS)],
                "onset_at": (started + timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M"),
                "grade": "1",
                "outcome": "recovered",
            }
        rows.append(row)
    return rows


def to_csv(rows: list[dict], header: tuple[str, ...] = HEADER, *, separator: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=separator, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
