"""`manage.py import_records`: the same checks and writes as the page, from a shell."""

import pytest
import time_machine
from django.core.management import CommandError, call_command

from events.models import AdverseEvent, InfusionSession, Patient, VitalSign
from reporting.models import StalePartition
from tests.imports.files import history_rows, to_csv

pytestmark = pytest.mark.django_db
NOW = "2026-03-01 12:00Z"


def _file(tmp_path, rows, name="history.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(to_csv(rows, **kwargs))
    return path


@time_machine.travel(NOW, tick=False)
def test_a_dry_run_writes_nothing_and_a_commit_writes_once(tmp_path, director, north, capsys):
    path = _file(tmp_path, history_rows(12))
    call_command("import_records", str(path), site="north", user="dana")
    assert "Dry run" in capsys.readouterr().out and not Patient.objects.exists()

    call_command("import_records", str(path), site="north", user="dana", commit=True)
    assert InfusionSession.objects.count() == 12 and AdverseEvent.objects.count() == 6
    # The rollups of the months the import filled are marked stale in the same transaction.
    assert set(StalePartition.objects.values_list("month", flat=True)) == {
        "2025-01",
        "2025-02",
        "2025-03",
    }

    # Overlapping rows: the first six again, six new sessions after them.
    overlap = history_rows(18)[6:]
    call_command(
        "import_records",
        str(_file(tmp_path, overlap, "more.csv")),
        site="north",
        user="dana",
        commit=True,
    )
    assert InfusionSession.objects.count() == 18 and AdverseEvent.objects.count() == 9


@time_machine.travel(NOW, tick=False)
def test_readings_and_events_of_sessions_on_file_are_added_to_them(tmp_path, director, north):
    call_command(
        "import_records",
        str(_file(tmp_path, history_rows(2))),
        site="north",
        user="dana",
        commit=True,
    )
    session = InfusionSession.objects.order_by("started_at").first()
    rows = [
        {
            "patient_chart_number": "H-00000",
            "session_started_at": "2025-01-06 09:00",
            "vital_taken_at": "2025-01-06 09:10",
            "systolic": "150",
            "diastolic": "90",
            "heart_rate": "88",
            "term_code": "dizziness",
            "onset_at": "2025-01-06 09:12",
            "grade": "1",
        }
    ]
    call_command(
        "import_records",
        str(_file(tmp_path, rows, "vitals.csv")),
        site="north",
        user="dana",
        commit=True,
    )
    vital = VitalSign.objects.get()
    assert vital.session == session and vital.minutes_from_start == 10
    assert AdverseEvent.objects.filter(session=session).count() == 2


@time_machine.travel(NOW, tick=False)
def test_problems_and_unknown_users_fail_the_command_with_the_report(
    tmp_path, director, nurse, north
):
    rows = history_rows(2)
    rows[1]["dose_mg_per_kg"] = "9"
    path = _file(tmp_path, rows)
    report = tmp_path / "report.csv"
    with pytest.raises(CommandError, match="1 problems: nothing was written"):
        call_command(
            "import_records", str(path), site="north", user="dana", commit=True, report=str(report)
        )
    assert "3,dose_mg_per_kg,9,Dose must be more than 0 and at most 3 mg/kg." in report.read_text()
    assert not Patient.objects.exists()
    with pytest.raises(CommandError, match="Only a medical director|role does not allow"):
        call_command("import_records", str(path), site="north", user="alice")
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_records", str(path), site="north", user="nobody")
