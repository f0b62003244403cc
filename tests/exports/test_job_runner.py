"""Export jobs never run in the request: it answers with a queued job at once, and a worker
(Celery, the in-process thread, or `run_export_jobs`) produces the file, resuming the jobs a
stopped worker left behind."""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from exports.models import ExportJob, ExportJobStatus
from exports.services import export_job_file, export_job_run, export_jobs_drain
from exports.worker import export_worker_stop
from tests.audit_helpers import assert_audited

CLAIMED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_request_answers_with_a_queued_job_and_writes_no_file(client, director, dataset):
    client.force_login(director)
    with override_settings(EXPORT_JOB_RUNNER="manual"):
        response = client.get(reverse("events-csv"))

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export-job", args=[job.pk])
    assert (job.status, job.expected_rows, job.file_name) == (ExportJobStatus.QUEUED, None, "")


def test_a_job_is_run_once_however_many_workers_reach_it(client, director, dataset):
    client.force_login(director)
    client.get(reverse("events-csv"))
    job = ExportJob.objects.get()

    assert export_job_run(job.pk).status == ExportJobStatus.DONE
    assert export_job_run(job.pk) is None  # a second worker, or a redelivered task
    assert export_jobs_drain() == []
    assert job.history.filter(history_change_reason="Export started").count() == 1


def test_a_job_left_running_by_a_stopped_worker_is_queued_again_and_finished(
    client, director, dataset
):
    client.force_login(director)
    client.get(reverse("events-csv"))
    job = ExportJob.objects.get()
    with time_machine.travel(CLAIMED_AT, tick=False):
        # The worker claims the job, then its process dies before writing a line.
        from exports.services.jobs import _claim

        _claim(job.pk)

    with time_machine.travel(CLAIMED_AT + timedelta(seconds=119), tick=False):
        assert export_jobs_drain() == []  # still within its heartbeat: left alone
    with time_machine.travel(CLAIMED_AT + timedelta(minutes=5), tick=False):
        (ran,) = export_jobs_drain()

    assert ran.pk == job.pk and ran.status == ExportJobStatus.DONE and ran.row_count == 4
    assert export_job_file(ran).is_file()
    reasons = list(
        job.history.order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons[:4] == [
        "Export requested",
        "Export started",
        "Export interrupted; queued again",
        "Export started",
    ]
    assert_audited(ran, actor=director, reason="Export finished")


def test_the_run_export_jobs_command_drains_the_queue(client, director, dataset, capsys):
    client.force_login(director)
    client.get(reverse("events-csv"))
    client.get(reverse("events-fhir"))

    call_command("run_export_jobs")

    assert capsys.readouterr().out.strip() == "Ran 2 export job(s)."
    assert set(ExportJob.objects.values_list("status", flat=True)) == {ExportJobStatus.DONE}


@pytest.mark.django_db(transaction=True)
def test_with_no_broker_the_in_process_worker_runs_the_job_after_the_request(client, director):
    client.force_login(director)  # no events yet: the listing is just its header
    try:
        with override_settings(EXPORT_JOB_RUNNER="thread", EXPORT_WORKER_POLL_SECONDS=0.2):
            response = client.get(reverse("events-csv"))
            job = ExportJob.objects.get()
            assert response.status_code == 302
            # The worker thread takes the job once the request's transaction has committed.
            deadline = time.monotonic() + 60
            while job.status != ExportJobStatus.DONE and time.monotonic() < deadline:
                time.sleep(0.05)
                job.refresh_from_db()
    finally:
        export_worker_stop()

    assert job.status == ExportJobStatus.DONE and job.row_count == 0
    download = client.get(reverse("export-job-download", args=[job.pk]))
    assert download.status_code == 200
