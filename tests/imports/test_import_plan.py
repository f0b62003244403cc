"""The import's plan and commit, through the services (the web page and the command use
them too)."""

import pytest
import time_machine

from events.imports.models import ImportStatus
from events.imports.services import import_job_commit, import_upload
from events.models import AdverseEvent, InfusionSession, Patient
from tests.imports.files import history_rows, to_csv

pytestmark = pytest.mark.django_db
NOW = "2026-03-01 12:00Z"


def _upload(director, north, content, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_upload(actor=director, site=north, content=content, file_name="h.csv")
    job.refresh_from_db()
    return job


@time_machine.travel(NOW, tick=False)
def test_a_clean_file_passes_its_dry_run_and_writes_nothing(
    director, north, django_capture_on_commit_callbacks
):
    job = _upload(director, north, to_csv(history_rows(20)), django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.DONE, job.error
    assert job.problems == []
    assert job.result["new"] == {"patients": 2, "sessions": 20, "events": 10, "vital_signs": 0}
    assert not Patient.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_commit_writes_every_record_with_history_and_once(
    director, north, django_capture_on_commit_callbacks
):
    content = to_csv(history_rows(20))
    dry = _upload(director, north, content, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_commit(actor=director, dry_run=dry)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.result["written"], job.error
    assert InfusionSession.objects.count() == 20
    assert AdverseEvent.objects.count() == 10
    history = AdverseEvent.history.get(id=AdverseEvent.objects.first().pk)
    assert history.history_user == director
    assert history.source == f"import:{job.file_sha256}"
    numbers = sorted(
        InfusionSession.objects.filter(patient__chart_number="H-00000").values_list(
            "sequence_number", flat=True
        )
    )
    assert numbers == list(range(1, 11))
    again = _upload(director, north, content, django_capture_on_commit_callbacks)
    assert again.result["new"] == {"patients": 0, "sessions": 0, "events": 0, "vital_signs": 0}
    assert again.result["on_file"]["events"] == 10
