"""Trail and audit-log downloads: CSV that round-trips, PDF that shows every version, and an
access-log row for each download."""

import csv
import io
import subprocess
from datetime import datetime

import pandas as pd
import pytest

from audit.models import AccessLog
from events.services.patients import patient_update
from tests.factories import PatientFactory
from tests.system_packages import require_program


@pytest.fixture
def corrected(patient, nurse):
    """A patient with two versions; the second reason looks like a spreadsheet formula."""
    patient_update(
        patient=patient,
        actor=nurse,
        data={"birth_year": 1985},
        expected_version=1,
        reason='=HYPERLINK("http://evil")',
    )
    return patient


def trail_export(client, patient, fmt):
    return client.get(f"/exports/audit/trail/events.patient/{patient.pk}.{fmt}")


def pdf_text(content: bytes, tmp_path) -> str:
    pdftotext = require_program("pdftotext", "poppler-utils")
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_trail_csv_round_trips_through_csv_and_pandas(client, auditor, corrected):
    client.force_login(auditor)

    response = trail_export(client, corrected, "csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    frame = pd.read_csv(io.BytesIO(response.content))
    assert len(rows) == len(frame)
    change = next(r for r in rows if r["version"] == "2" and r["field"] == "birth_year")
    assert (change["old_value"], change["new_value"], change["user"]) == ("1980", "1985", "alice")
    assert change["reason"] == '\'=HYPERLINK("http://evil")'  # shown as text, not run
    assert datetime.fromisoformat(change["changed_at_utc"]).utcoffset().total_seconds() == 0
    site_time = datetime.fromisoformat(change["changed_at_site"])
    assert site_time.utcoffset().total_seconds() in (-6 * 3600, -5 * 3600)  # Chicago
    assert frame["version"].dtype.kind == "i"  # numbers stay numbers
    assert set(frame["version"]) == {1, 2}


def test_the_trail_pdf_shows_every_version_with_who_when_and_why(
    client, auditor, corrected, tmp_path
):
    client.force_login(auditor)

    response = trail_export(client, corrected, "pdf")

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "Version 1: Created" in text and "Version 2: Changed" in text
    assert "alice" in text and '=HYPERLINK("http://evil")' in text
    assert "1980" in text and "1985" in text
    assert "Page 1 of" in text
    assert "Generated" in text and "aubrey" in text


def test_a_download_is_written_to_the_access_log(client, auditor, corrected):
    client.force_login(auditor)

    trail_export(client, corrected, "csv")

    entry = AccessLog.objects.order_by("-pk").first()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "export",
        "events.patient",
        str(corrected.pk),
    )
    assert entry.detail["kind"] == "audit_trail_csv" and entry.row_count == 2


def test_the_filtered_audit_log_downloads_as_csv_and_pdf(client, auditor, corrected, tmp_path):
    client.force_login(auditor)
    query = "?model=events.patient&user=alice"

    as_csv = client.get(f"/exports/audit/log.csv{query}")
    as_pdf = client.get(f"/exports/audit/log.pdf{query}")

    frame = pd.read_csv(io.BytesIO(as_csv.content))
    assert list(frame["record"]) == ["events.patient"]
    assert list(frame["action"]) == ["Changed"]
    text = pdf_text(as_pdf.content, tmp_path)
    assert "Audit log" in text and "record type = events.patient" in text and "Patient" in text
    entry = AccessLog.objects.order_by("-pk").first()
    assert entry.detail == {
        "kind": "audit_log_pdf",
        "filters": {"username": "alice", "model": "events.patient"},
    }
    assert entry.row_count == 1


def test_staff_cannot_download_trails(client, nurse, corrected):
    client.force_login(nurse)
    assert trail_export(client, corrected, "csv").status_code == 403
    assert client.get("/exports/audit/log.csv").status_code == 403


def test_a_director_cannot_download_another_sites_trail(client, director, south):
    elsewhere = PatientFactory(site=south, chart_number="S-3")
    client.force_login(director)
    assert trail_export(client, elsewhere, "pdf").status_code == 404
    assert trail_export(client, elsewhere, "xls").status_code == 404
