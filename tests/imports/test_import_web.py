"""A director imports a clinic's history through the web page: upload, dry run, import, the
events in the dashboard, and the same file again with nothing changed."""

from datetime import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.chain import verify_chain
from events.imports.models import ImportJob
from events.models import AdverseEvent, InfusionSession, Patient
from tests.conftest import login
from tests.imports.files import history_rows, to_csv

pytestmark = pytest.mark.django_db
NOW = "2026-03-01 12:00Z"
ROWS = int(__import__("os").environ.get("IMPORT_TEST_ROWS", "10000"))


def _upload(client, site, content: bytes, capture, name: str = "history.csv"):
    with capture(execute=True):
        response = client.post(
            "/imports/", {"site": site.pk, "file": SimpleUploadedFile(name, content)}
        )
    assert response.status_code == 302, response.content[:2000]
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _commit(client, job, capture):
    with capture(execute=True):
        response = client.post(f"/imports/jobs/{job.pk}/commit/")
    assert response.status_code == 302
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def _stored_counts():
    return (
        Patient.objects.count(),
        InfusionSession.objects.count(),
        AdverseEvent.objects.count(),
        AdverseEvent.history.count(),
        InfusionSession.history.count(),
    )


@time_machine.travel(NOW, tick=False)
def test_a_director_imports_ten_thousand_rows_after_a_dry_run_and_again_with_nothing_changed(
    client, director, north, django_capture_on_commit_callbacks
):
    login(client, director)
    content = to_csv(history_rows(ROWS, start=datetime(2025, 10, 6, 9, 0)))

    dry_run = _upload(client, north, content, django_capture_on_commit_callbacks)
    page = client.get(f"/imports/jobs/{dry_run.pk}/").content.decode()
    assert dry_run.status == "done" and dry_run.problem_count == 0, dry_run.problems[:5]
    assert 'data-problem-count="0"' in page
    assert f"Import {ROWS} sessions and {ROWS // 2} events" in page
    assert _stored_counts() == (0, 0, 0, 0, 0)

    job = _commit(client, dry_run, django_capture_on_commit_callbacks)
    assert job.status == "done" and job.result["written"], job.error
    assert job.result["new"] == {
        "patients": ROWS // 10,
        "sessions": ROWS,
        "events": ROWS // 2,
        "vital_signs": 0,
    }
    summary = client.get("/api/v1/reporting/summary/").json()
    assert summary["sessions"] == ROWS and summary["events"] == ROWS // 2
    overview = client.get("/reports/overview/").content.decode()
    assert f'data-figure="events"><a href="/reports/events/?">{ROWS // 2}<' in overview
    before = _stored_counts()

    again = _upload(client, north, content, django_capture_on_commit_callbacks, "again.csv")
    assert again.result["new"] == {"patients": 0, "sessions": 0, "events": 0, "vital_signs": 0}
    assert again.result["on_file"]["events"] == ROWS // 2
    second = _commit(client, again, django_capture_on_commit_callbacks)
    assert second.status == "done" and second.result["written"]
    assert _stored_counts() == before
    assert verify_chain(AdverseEvent.history.model).is_intact
    assert verify_chain(InfusionSession.history.model).is_intact
