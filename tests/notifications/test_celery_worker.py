"""A serious event's e-mail through a real Celery worker (Redis on 127.0.0.1) and a real
SMTP server: the request commits, the task goes to the broker, the worker process sends
the e-mail to the server this test runs, and records it as sent.

The worker shares the test's database the way the export worker test does (PostgreSQL
only; see tests/exports/test_celery_worker.py): `DATABASE_URL` names the test database.
Broker: Redis database 5, on a queue named for this run.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection

from config.celery import app as celery_app
from events.notifications.choices import EmailStatus
from events.notifications.models import Notification
from events.services.terms import event_terms_seed
from tests.api.conftest import Api
from tests.factories import system_actor
from tests.notifications.mailbox import SmtpServer

BROKER_URL = "redis://127.0.0.1:6379/5"
WAIT_SECONDS = 90

pytestmark = [pytest.mark.celery, pytest.mark.postgres_only]


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def server():
    smtp = SmtpServer().start()
    try:
        yield smtp
    finally:
        smtp.stop()


@pytest.fixture
def worker(transactional_db, tmp_path, server):
    event_terms_seed(actor=system_actor())  # the emptied database needs its vocabulary
    queue = f"notifications-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
        "PUBLIC_BASE_URL": "https://ledger.clinic.example",
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
        task_routes={"notifications.*": {"queue": queue}},
    )
    # Drop pools and the router left by earlier eager runs (see the export worker test).
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


def _wait_until_sent(notification: Notification, process, log_path: Path) -> Notification:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.email_status != EmailStatus.PENDING:
            return notification
        if process.poll() is not None:
            break
        time.sleep(0.25)  # the worker is another process: poll its result, bounded
    raise AssertionError(
        f"Notification {notification.pk} is {notification.email_status} after {WAIT_SECONDS} s;"
        " worker log:\n" + log_path.read_text(errors="replace")[-4000:]
    )


def test_a_real_celery_worker_emails_the_director(worker, server, nurse, director, session):
    process, log_path = worker

    response = Api(nurse).post(
        "/api/v1/events/",
        {
            "session": session.pk,
            "term": "hypertension",
            "onset_at": (session.started_at + timedelta(minutes=20)).isoformat(),
            "grade": 3,
            "is_hospitalisation": True,
            "narrative": "Admitted for observation.",
            "submit": True,
        },
    )

    assert response.status_code == 201, response.data
    notification = _wait_until_sent(Notification.objects.get(recipient=director), process, log_path)
    assert notification.email_status == EmailStatus.SENT, notification.email_error
    [message] = server.mailbox.to(director.email)
    assert f"#{response.data['id']}" in message["Subject"]
    assert "https://ledger.clinic.example/events/" in message.get_content()
