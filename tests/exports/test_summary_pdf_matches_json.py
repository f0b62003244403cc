"""Every key figure and every table row of the PDF safety summary, read back with pdftotext,
is the JSON summary's figure printed with two decimals, bounds rounded outward. The expected
text is worked out here from the JSON alone (floor and ceiling at the second decimal), not
with the application's formatter."""

import math
import re

import pytest
from django.urls import reverse

from tests.exports.helpers import read_pdf_text

# Table name in the JSON -> how its rows are labelled in the PDF, and whether the PDF shows
# the group's own sessions.
TABLES = {
    "by_term": (lambda r: r["term"], False),
    "by_category": (lambda r: r["category_label"], False),
    "by_grade": (lambda r: f"Grade {r['grade']}", False),
    "by_month": (lambda r: r["month"], True),
    "by_site": (lambda r: f"{r['site_code']} - {r['site_name']}", True),
    "by_route": (lambda r: r["route_label"], True),
    "by_drug": (lambda r: r["drug_label"], True),
    "by_dose_band": (lambda r: r["dose_band"], True),
    "by_session_number": (lambda r: r["session_number_label"], True),
    "by_onset": (lambda r: r["onset_band"].replace("_", " "), False),
}


def down(value: float, scale: float = 1) -> str:
    return f"{math.floor(value * scale * 100 + 1e-9) / 100:.2f}"


def up(value: float, scale: float = 1) -> str:
    return f"{math.ceil(value * scale * 100 - 1e-9) / 100:.2f}"


def rate_text(estimate, lower, upper, none_seen: bool) -> str:
    if estimate is None:
        return "-"
    if none_seen:
        return f"0 (< {up(upper)})"
    return f"{estimate:.2f} ({down(lower)}-{up(upper)})"


def percent_text(estimate, lower, upper, none_seen: bool) -> str:
    if estimate is None:
        return "-"
    if none_seen:
        return f"0% (< {up(upper, 100)}%)"
    return f"{estimate * 100:.2f}% ({down(lower, 100)}%-{up(upper, 100)}%)"


def interval_text(interval: dict, *, as_rate: bool) -> str:
    none_seen = interval["is_upper_bound_only"]
    parts = (interval["estimate"], interval["lower"], interval["upper"], none_seen)
    return rate_text(*parts) if as_rate else percent_text(*parts)


@pytest.fixture
def texts(client, director, dataset, tmp_path):
    client.force_login(director)
    summary = client.get("/api/v1/reporting/summary/").json()
    pdf = client.get(reverse("safety-summary-pdf")).content
    lines = [" ".join(line.split()) for line in read_pdf_text(pdf, tmp_path).splitlines()]
    return summary, [line for line in lines if line]


def test_every_key_figure_of_the_pdf_is_the_jsons(texts):
    summary, lines = texts
    expected = [
        f"Sessions (denominator) {summary['sessions']}",
        f"Patients {summary['patients']}",
        f"Events (per 100 sessions) {summary['events']} "
        + interval_text(summary["events_per_100"], as_rate=True),
        f"Sessions with an event {summary['sessions_with_event']} "
        + interval_text(summary["sessions_with_event_rate"], as_rate=False),
        f"Patients with an event {summary['patients_with_event']} "
        + interval_text(summary["patients_with_event_rate"], as_rate=False),
        f"Serious events {summary['serious_events']}",
    ]
    for line in expected:
        assert line in lines, line
    assert f"Review status {summary['review_status_label']}" in " ".join(lines)


def test_every_table_row_of_the_pdf_is_the_jsons(texts):
    summary, lines = texts
    missing = []
    for table, (label, has_sessions) in TABLES.items():
        rows = summary["tables"][table]
        assert rows, table
        for row in rows:
            figures = [
                *([str(row["sessions"])] if has_sessions else []),
                str(row["events"]),
                rate_text(
                    row["events_per_100"],
                    row["events_per_100_lower"],
                    row["events_per_100_upper"],
                    row["events"] == 0,
                ),
                str(row["sessions_with_event"]),
                percent_text(
                    row["proportion"],
                    row["proportion_lower"],
                    row["proportion_upper"],
                    row["is_upper_bound_only"],
                ),
                str(row["serious_events"]),
            ]
            if not printed(lines, label(row), " ".join(figures)):
                missing.append((table, label(row), figures))
    assert not missing, missing


def printed(lines: list[str], label: str, figures: str) -> bool:
    """Whether a line reads `label figures`; a long label may wrap onto the next lines."""
    for index, line in enumerate(lines):
        if not line.endswith(f" {figures}"):
            continue
        text = line[: -len(figures) - 1]
        for following in lines[index + 1 : index + 3]:
            if text == label:
                break
            text = f"{text} {following}"
        if text == label:
            return True
    return False


def test_every_printed_percentage_and_bound_has_two_decimals(texts):
    _, lines = texts
    text = " ".join(lines)
    figures = text[text.index("Key figures") : text.index("Signals")]
    tables = text[text.index("By term") : text.rindex("Serious events")]
    # Headers name the confidence level: "(95% CI)", "95% interval".
    printed_figures = re.sub(r"\(95%|95% (CI|interval|confidence)", "", figures + tables)
    percents = re.findall(r"(\d+(?:\.\d+)?)%", printed_figures)
    assert percents
    # Only a zero estimate ("0%") prints without decimals; every other percentage has two.
    odd = [p for p in percents if p != "0" and not re.fullmatch(r"\d+\.\d\d", p)]
    assert not odd, odd
