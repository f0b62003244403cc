"""The audit-log PDF says what it holds: every entry, or an extract titled "first N of M
entries" with its filters; and a row is never split across two pages."""

import re
import subprocess

import pytest

from events.services.patients import patient_update
from exports.services import job_writers
from tests.exports.helpers import body, exported, words_outside_margins
from tests.factories import PatientFactory


@pytest.fixture
def five_changes(north, nurse):
    """Five versions by alice: a patient created, then changed four times."""
    patient = PatientFactory(site=north, chart_number="N-7")
    for version in range(1, 5):
        patient_update(
            patient=patient,
            actor=nurse,
            data={"birth_year": 1980 + version},
            expected_version=version,
            reason=f"Correction {version}",
        )
    return patient


def pages_of(content: bytes, tmp_path) -> list[str]:
    path = tmp_path / "log.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def test_a_log_longer_than_the_pdf_is_titled_as_an_extract_with_its_filters(
    client, auditor, five_changes, monkeypatch, tmp_path
):
    monkeypatch.setattr(job_writers, "LOG_PDF_ROW_LIMIT", 3)
    client.force_login(auditor)

    response = exported(client, "/exports/audit/log.pdf?model=events.patient&user=alice")

    pages = pages_of(body(response), tmp_path)
    assert "Audit log: extract, the first 3 of 4 entries" in pages[0]
    assert "user = alice; record type = events.patient" in pages[0]
    assert all("extract, first 3 of 4 entries" in page for page in pages)
    assert "Correction 4" in pages[0] and "Correction 1" not in " ".join(pages)


def test_a_log_that_fits_says_it_holds_every_entry(client, auditor, five_changes, tmp_path):
    client.force_login(auditor)

    response = exported(client, "/exports/audit/log.pdf?model=events.patient&user=alice")

    pages = pages_of(body(response), tmp_path)
    assert "Audit log: all 4 entries" in pages[0]
    assert "extract" not in " ".join(pages)


def test_rows_are_never_split_across_pages_and_no_text_leaves_the_page(
    client, auditor, nurse, five_changes, tmp_path
):
    # Long reasons make rows of several lines, so page breaks fall where a row could split.
    patient = five_changes
    for version in range(5, 60):
        patient_update(
            patient=patient,
            actor=nurse,
            data={"birth_year": 1900 + version},
            expected_version=version,
            reason=f"Correction {version}: " + "the chart was re-read against the paper form " * 3,
        )
    client.force_login(auditor)

    response = exported(client, "/exports/audit/log.pdf?model=events.patient")

    content = body(response)
    pages = pages_of(content, tmp_path)
    assert len(pages) > 1
    assert words_outside_margins(content, tmp_path) == []
    for page in pages[1:]:
        # Each continued page starts with the repeated headings, then a whole row: its time.
        after_headings = page.split("Source", 1)[1].strip()
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", after_headings), after_headings[:80]
