"""An export job through a real Celery worker and Redis on 127.0.0.1.

How the worker shares the test's data: the test runs on PostgreSQL with a live (committed)
database (`transactional_db`), and the worker is started as `celery -A config worker` with
`DJANGO_SETTINGS_MODULE=config.settings.test` and `DATABASE_URL` naming the *test* database
(`test_<name>` that pytest-django created), so both processes read and write the same rows.
SQLite test databases live in memory, out of another process's reach: the test is PostgreSQL
only. Broker: Redis database 15, on a queue named for this run (in place of `exports`), so
parallel runs do not take each other's tasks. The wait for the worker is bounded; the worker
is stopped before the database is emptied.
"""

import csv
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from events.services.terms import event_terms_seed
from exports.models import ExportJob, ExportJobStatus
from exports.services import export_job_file
from tests.audit_helpers import assert_audited
from tests.factories import system_actor

BROKER_URL = "redis://127.0.0.1:6379/15"
WAIT_SECONDS = 90

pytestmark = [pytest.mark.celery, pytest.mark.postgres_only]


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A Celery worker process on a queue of its own, and this process sending to it."""
    event_terms_seed(actor=system_actor())  # the emptied database needs its vocabulary
    queue = f"exports-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
    }
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_routes")
    }
    celery_app.conf.update(
        broker_url=BROKER_URL,
        task_always_eager=False,
        task_routes={"exports.*": {"queue": queue}},
    )
    # Earlier eager runs leave broker connection and producer pools (to the default broker)
    # and a router built from the old routes: drop them so this test's messages reach its
    # worker.
    saved_pool, celery_app._pool = celery_app._pool, None
    saved_producers, celery_app.amqp._producer_pool = celery_app.amqp._producer_pool, None
    celery_app.amqp.__dict__.pop("router", None)
    try:
        yield process, tmp_path / "worker.log"
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app._pool = saved_pool
        celery_app.amqp._producer_pool = saved_producers
        celery_app.amqp.__dict__.pop("router", None)
        celery_app.conf.update(saved)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        redis.Redis.from_url(BROKER_URL).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def _wait_until_finished(job: ExportJob, process, log_path: Path) -> ExportJob:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if process.poll() is not None:
            break
        time.sleep(0.25)  # the worker is another process: poll its result, bounded
    raise AssertionError(
        f"Job {job.pk} is {job.status} after {WAIT_SECONDS} s; worker log:\n"
        + log_path.read_text(errors="replace")[-4000:]
    )


def test_a_real_celery_worker_runs_the_export_job(worker, client, director, dataset):
    process, log_path = worker
    client.force_login(director)

    response = client.get(reverse("events-csv"))

    job = ExportJob.objects.get()
    assert response.status_code == 302
    job = _wait_until_finished(job, process, log_path)
    assert job.status == ExportJobStatus.DONE, job.error
    assert job.row_count == len(dataset.counted_events)
    history = assert_audited(job, actor=director, reason="Export finished")
    assert history.source == "task:export"
    content = export_job_file(job).read_bytes().decode()
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert sorted(int(row["event_id"]) for row in rows) == sorted(
        event.pk for event in dataset.counted_events
    )
