"""A medical director downloads the safety summary PDF and the CSV line listing from the
dashboard, in Chromium, and the files hold the figures and rows of the record."""

import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from events.choices import EventStatus, SessionStatus
from events.models import EventTerm
from tests.e2e.conftest import log_in
from tests.exports.helpers import read_pdf_text
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory


def test_director_downloads_the_summary_pdf_and_the_csv_from_the_dashboard(
    page, screenshot, director, nurse, north, password, tmp_path
):
    patient = PatientFactory(site=north, chart_number="=HYPERLINK(1)")
    sessions = [
        InfusionSessionFactory(
            patient=patient,
            status=SessionStatus.COMPLETED,
            started_at=datetime(2026, 3, day, 15, 0, tzinfo=UTC),
        )
        for day in (2, 9, 16, 23)
    ]
    for session, term in ((sessions[0], "nausea"), (sessions[2], "dizziness")):
        AdverseEventFactory(
            session=session,
            term=EventTerm.objects.get(code=term),
            onset_at=session.started_at + timedelta(minutes=20),
            reported_by=nurse,
            status=EventStatus.SUBMITTED,
        )
    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, director.username, password)
    page.goto("/reports/")
    page.get_by_role("heading", name="Safety dashboard").wait_for()
    screenshot("director-exports-dashboard")

    with page.expect_download(timeout=120_000) as pdf_download:
        page.get_by_role("link", name="PDF safety summary").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    text = " ".join(read_pdf_text(pdf, tmp_path).split())
    # 4 sessions, 2 events: 50 per 100 sessions; 2 of 4 sessions with an event.
    assert "Sessions (denominator) 4" in text
    assert "Events (per 100 sessions) 2 50.00 (" in text
    assert "Sessions with an event 2 50.00% (" in text

    page.get_by_role("link", name="CSV listing").click()
    screenshot("director-exports-job")
    with page.expect_download(timeout=60_000) as csv_download:
        page.get_by_role("link", name=re.compile(r"^Download safety-ledger-events-")).click()
    with open(csv_download.value.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["term_code"] for row in rows) == ["dizziness", "nausea"]
    assert {row["patient_chart_number"] for row in rows} == {"'=HYPERLINK(1)"}
    assert rows[0]["onset_at"].endswith("-06:00")  # March 2 in Chicago, before DST
