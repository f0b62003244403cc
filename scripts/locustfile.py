"""Load test: 20 API users against gunicorn on 127.0.0.1, 70% reads, 20% writes, 10% exports.

`make load` runs `python scripts/locustfile.py`, which prepares a PostgreSQL database with the
demo data, serves it with gunicorn (production settings without the SSL redirect and the
second factor), runs locust headless against it for `--duration`, prints the percentiles and
drops the database. Locust itself loads the classes below (`locust -f scripts/locustfile.py`).

Users authenticate with API tokens of the demo nurse (writes at her site) and director.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, task

# Filled in by the driver through the environment (see `main`).
TOKENS_ENV = "LOAD_TOKENS"
SESSIONS_ENV = "LOAD_SESSIONS"


def _environment() -> tuple[dict, list[dict]]:
    import json
    import os

    return json.loads(os.environ[TOKENS_ENV]), json.loads(os.environ[SESSIONS_ENV])


class ClinicUser(HttpUser):
    """One tablet or desk: mostly reading lists and records, sometimes filing, rarely exporting.

    Reads go out as the nurse or the director; filings as the nurse (staff file events);
    the review queue and exports as the director (the roles allowed to use them).
    """

    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        tokens, self.sessions = _environment()
        self.as_nurse = {"Authorization": f"Token {tokens['nurse']}"}
        self.as_director = {"Authorization": f"Token {tokens['director']}"}
        self.as_reader = random.choice([self.as_nurse, self.as_director])  # noqa: S311
        self.event_ids: list[int] = []

    # 70% reads
    @task(30)
    def list_events(self) -> None:
        response = self.client.get(
            "/api/v1/events/", headers=self.as_reader, name="/api/v1/events/ [list]"
        )
        if response.ok:
            self.event_ids = [row["id"] for row in response.json().get("results", [])][:20]

    @task(20)
    def read_event(self) -> None:
        if not self.event_ids:
            return self.list_events()
        event_id = random.choice(self.event_ids)  # noqa: S311
        self.client.get(
            f"/api/v1/events/{event_id}/", headers=self.as_reader, name="/api/v1/events/<id>/"
        )

    @task(10)
    def review_queue(self) -> None:
        self.client.get("/api/v1/review-queue/", headers=self.as_director)

    @task(10)
    def list_sessions(self) -> None:
        self.client.get(
            "/api/v1/sessions/", headers=self.as_reader, name="/api/v1/sessions/ [list]"
        )

    # 20% writes
    @task(20)
    def file_event(self) -> None:
        session = random.choice(self.sessions)  # noqa: S311
        onset = datetime.fromisoformat(session["started_at"]) + timedelta(
            minutes=random.randint(1, 40)  # noqa: S311
        )
        body = {
            "session": session["id"],
            "term": random.choice(["nausea", "dizziness", "headache", "hypertension"]),  # noqa: S311
            "onset_at": onset.astimezone(UTC).isoformat(),
            "grade": 1,
            "narrative": "Load test filing",
            "confirm_not_duplicate": True,
        }
        self.client.post(
            "/api/v1/events/",
            json=body,
            headers={**self.as_nurse, "Idempotency-Key": uuid.uuid4().hex},
            name="/api/v1/events/ [file]",
        )

    # 10% exports
    @task(7)
    def export_listing(self) -> None:
        self.client.get(
            "/api/v1/exports/listing.csv?date_from=2026-01-01&date_to=2026-01-31",
            headers=self.as_director,
            name="/api/v1/exports/listing.csv [1 month]",
        )

    @task(3)
    def export_summary_pdf(self) -> None:
        self.client.get(
            "/api/v1/exports/summary.pdf?date_from=2026-01-01&date_to=2026-03-31",
            headers=self.as_director,
            name="/api/v1/exports/summary.pdf [3 months]",
        )


SETUP = """
import json
from django.contrib.auth import get_user_model
from django.conf import settings
from django.utils import timezone
from events.accounts.models import ApiToken
from events.models import InfusionSession
User = get_user_model()
tokens = {name: ApiToken.objects.create(
              user=User.objects.get(username=name), name="load test",
              expiry=settings.API_TOKEN_MAX_AGE, last_used_at=timezone.now())[1]
          for name in ("nurse", "director")}
nurse = User.objects.get(username="nurse")
from events.access import visible_site_ids
sessions = list(
    InfusionSession.objects.filter(site_id__in=visible_site_ids(nurse), is_voided=False)
    .order_by("-started_at").values("id", "started_at")[:50])
print(json.dumps({"tokens": tokens, "sessions": [
    {"id": s["id"], "started_at": s["started_at"].isoformat()} for s in sessions]}))
"""


def main() -> int:
    """Prepare, serve, load, report, clean up."""
    import argparse
    import json
    import os
    import secrets
    import shutil
    import signal
    import subprocess  # nosec B404
    import tempfile
    import time
    from pathlib import Path

    from crash_consistency import (
        GUNICORN,
        ROOT,
        admin_sql,
        free_port,
        last_json_line,
        manage,
        wait_until_serving,
    )

    parser = argparse.ArgumentParser(description="Load test against gunicorn.")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=2000, help="Demo sessions to seed.")
    options = parser.parse_args()

    database = f"sl_load_{secrets.token_hex(3)}"
    scratch = tempfile.mkdtemp(prefix="sl-load-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_2FA": "false",
        "LOG_LEVEL": "WARNING",
        "SAFETY_LEDGER_VAR_DIR": scratch,
    }
    admin_sql(f'CREATE DATABASE "{database}"')
    server = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        manage(env, "seed_demo", "--sessions", str(options.sessions), "-v", "0")
        setup = last_json_line(manage(env, "shell", "-c", SETUP, capture=True).stdout)
        port = free_port()
        server = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                GUNICORN,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--preload",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_serving(f"http://127.0.0.1:{port}", time.monotonic() + 120)
        report = Path(scratch) / "locust"
        load_env = {
            **env,
            TOKENS_ENV: json.dumps(setup["tokens"]),
            SESSIONS_ENV: json.dumps(setup["sessions"]),
        }
        subprocess.run(  # noqa: S603  # nosec B603
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                __file__,
                "--headless",
                "-u",
                str(options.users),
                "-r",
                str(options.users),
                "-t",
                options.duration,
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(report),
                "--only-summary",
            ],
            cwd=ROOT,
            env=load_env,
            check=False,
        )
        stats = Path(f"{report}_stats.csv")
        if stats.exists():
            out = ROOT / "var" / "load"
            out.mkdir(parents=True, exist_ok=True)
            shutil.copy(stats, out / "stats.csv")
            print(f"Per-endpoint figures: {out / 'stats.csv'}")
        return 0
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
        admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    import sys

    sys.exit(main())
