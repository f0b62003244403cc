"""Crash consistency: file events through gunicorn while its workers are killed with SIGKILL,
then prove that nothing acknowledged was lost and nothing half-written exists.

1. Creates a fresh PostgreSQL database, migrates it and seeds one site, one nurse (with an
   API token), one patient and one session in progress.
2. Serves the application with gunicorn on 127.0.0.1 (production settings, without the SSL
   redirect and the second factor) and files events from several threads, each filing with
   its own Idempotency-Key, while another thread SIGKILLs workers at random moments (every
   0.3-1.5 s) until `--kills` workers are dead. Most kills wait for a worker whose database
   session is inside a transaction (each worker names its connection after its pid, and
   `pg_stat_activity` shows which are in one), so filings die mid-transaction as well as
   between requests. Requests that die with their worker are not retried: they were never
   acknowledged.
3. Checks: every 201 has its event and its creation history row; no event lacks history and
   no history row lacks its event; `manage.py verify_audit` passes (every chain intact and
   every live row equal to its latest history version). Drops the database.

Run: `.venv/bin/python scripts/crash_consistency.py` (CI runs it; about two minutes).
Exit status 0 when every check holds and at least `--kills` workers were killed.
"""

import argparse
import itertools
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

SEED = """
import json
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.conf import settings
from events.accounts.models import ApiToken
from audit.services import audited_save
from events.choices import Role
from events.models import Membership, Site
from events.services.patients import patient_create
from events.services.sessions import infusion_session_start
User = get_user_model()
with transaction.atomic():
    admin = User(username="crash-admin")
    audited_save(admin, actor=admin, reason="Crash test setup")
    nurse = User(username="crash-nurse")
    nurse.set_unusable_password()
    audited_save(nurse, actor=admin, reason="Crash test setup")
    site = Site(code="crash", name="Crash Clinic", timezone="America/Chicago")
    audited_save(site, actor=admin, reason="Crash test setup")
    audited_save(Membership(user=nurse, site=site, role=Role.STAFF), actor=admin, reason="Setup")
patient = patient_create(actor=nurse, site=site, data={
    "chart_number": "C-1", "birth_year": 1980, "sex": "female", "indication": "trd"})
session = infusion_session_start(actor=nurse, patient=patient, data={
    "drug": "ketamine", "route": "iv", "dose_mg_per_kg": Decimal("0.5"),
    "weight_kg": Decimal("70"), "started_at": timezone.now() - timedelta(minutes=50)})
_, token = ApiToken.objects.create(user=nurse, name="crash test", expiry=settings.API_TOKEN_MAX_AGE,
                                   last_used_at=timezone.now())
print(json.dumps({"token": token, "session": session.pk,
                  "started_at": session.started_at.isoformat()}))
"""

# Gunicorn configuration: with --preload the master imports the application once; warming
# the URL map (and every view module it imports) there too lets a re-forked worker answer at
# once instead of importing for seconds after each kill.
GUNICORN_CONFIG = """
def when_ready(server):
    from django.urls import get_resolver
    get_resolver().url_patterns

def post_fork(server, worker):
    # libpq names the worker's database sessions after it, so the killer can find the
    # workers that are inside a transaction (pg_stat_activity.application_name).
    import os
    os.environ["PGAPPNAME"] = f"crash-worker-{os.getpid()}"
"""

CHECK = """
import json, os
from events.models import AdverseEvent
acknowledged = set(json.load(open(os.environ["CRASH_ACKNOWLEDGED_FILE"])))
events = set(AdverseEvent.objects.values_list("pk", flat=True))
history = AdverseEvent.history.model.objects
created = set(history.filter(history_type="+").values_list("id", flat=True))
with_history = set(history.values_list("id", flat=True))
print(json.dumps({
    "events": len(events),
    "acknowledged": len(acknowledged),
    "acknowledged_missing": sorted(acknowledged - events),
    "acknowledged_without_creation_history": sorted(acknowledged - created),
    "events_without_history": sorted(events - with_history),
    "history_without_event": sorted(with_history - events),
}))
"""


def last_json_line(output: str) -> dict:
    """The JSON a shell snippet printed last (start-up messages may come before it)."""
    return json.loads(output.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(statement)


def manage(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  # nosec B603
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def wait_until_serving(base_url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=2)  # noqa: S310  # nosec B310
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start in time")


def file_event(base_url: str, token: str, body: dict) -> tuple[int, int | None]:
    request = urllib.request.Request(  # noqa: S310
        f"{base_url}/api/v1/events/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
            return response.status, json.load(response).get("id")
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, None  # the worker died with the request: never acknowledged


class Killer:
    """SIGKILLs gunicorn workers at random moments; most of them inside a transaction."""

    def __init__(self, master_pid: int, database_url: str, *, seed: int):
        self.master_pid = master_pid
        self.database_url = database_url.replace("postgres://", "postgresql://")
        self.rng = random.Random(seed)  # noqa: S311  # nosec B311 (a test schedule)
        self.kills: list[int] = []
        self.mid_transaction = 0

    def run(self, wanted: int, stop: threading.Event) -> None:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as watch:
            while len(self.kills) < wanted and not stop.wait(self.rng.uniform(0.3, 1.5)):
                # Two kills in three wait (up to half a second) for a worker in a transaction.
                victim = self._in_transaction(watch) if self.rng.random() < 2 / 3 else None
                inside = victim is not None
                if victim is None:
                    pids = worker_pids(self.master_pid)
                    victim = self.rng.choice(pids) if pids else None
                if victim is None:
                    continue
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    continue
                self.kills.append(victim)
                self.mid_transaction += inside
        stop.set()

    def _in_transaction(self, watch) -> int | None:
        """A live worker whose database session is inside a transaction, polled briefly."""
        give_up = time.monotonic() + 0.5
        while time.monotonic() < give_up:
            rows = watch.execute(
                "SELECT application_name FROM pg_stat_activity "
                "WHERE application_name LIKE 'crash-worker-%' AND xact_start IS NOT NULL"
            ).fetchall()
            workers = set(worker_pids(self.master_pid))
            busy = [int(name.rsplit("-", 1)[1]) for (name,) in rows]
            busy = [pid for pid in busy if pid in workers]
            if busy:
                return self.rng.choice(busy)
            time.sleep(0.005)
        return None


def _exit_on_sigterm(signum, frame):
    raise SystemExit(143)  # runs the clean-up below (gunicorn, database)


def main() -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--kills", type=int, default=12, help="Workers to kill; filing stops after the last."
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7, help="Seed of the kill schedule.")
    parser.add_argument(
        "--seconds", type=float, default=90, help="Stop sending new filings after this long."
    )
    parser.add_argument("--keep-database", action="store_true")
    options = parser.parse_args()

    started = time.monotonic()
    database = f"sl_crash_{os.getpid()}_{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "REQUIRE_2FA": "false",
        "LOG_LEVEL": "WARNING",
        # Static files (collected for the manifest storage) and exports go to a scratch dir.
        "SAFETY_LEDGER_VAR_DIR": tempfile.mkdtemp(prefix="sl-crash-"),
    }
    admin_sql(f'CREATE DATABASE "{database}"')
    gunicorn = None
    try:
        # Static files first: under the manifest storage, the checks `migrate` runs render
        # template tags that need the manifest.
        manage(env, "collectstatic", "--no-input", "-v", "0")
        manage(env, "migrate", "--no-input", "-v", "0")
        seed = last_json_line(manage(env, "shell", "-c", SEED, capture=True).stdout)
        gunicorn_config = Path(env["SAFETY_LEDGER_VAR_DIR"]) / "gunicorn.conf.py"
        gunicorn_config.write_text(GUNICORN_CONFIG)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(  # noqa: S603  # nosec B603
            [
                GUNICORN,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options.workers),
                "--timeout",
                "30",
                # The master imports the application (and the URL map) once; a killed worker
                # is re-forked ready to answer.
                "--preload",
                "--config",
                str(gunicorn_config),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_serving(base_url, time.monotonic() + 120)

        onset = datetime.fromisoformat(seed["started_at"]) + timedelta(minutes=5)
        stop_filing = threading.Event()
        killer = Killer(gunicorn.pid, env["DATABASE_URL"], seed=options.seed)
        killer_thread = threading.Thread(
            target=killer.run, args=(options.kills, stop_filing), daemon=True
        )
        deadline = time.monotonic() + options.seconds
        numbers = itertools.count()

        def send_until_stopped() -> list[tuple[int, int | None]]:
            results = []
            while not stop_filing.is_set() and time.monotonic() < deadline:
                i = next(numbers)
                body = {
                    "session": seed["session"],
                    "term": "nausea",
                    "onset_at": (onset + timedelta(seconds=i)).astimezone(UTC).isoformat(),
                    "grade": 1 + i % 2,
                    "narrative": f"Filing {i} under fire",
                    # Many filings of one term in one session, on purpose.
                    "confirm_not_duplicate": True,
                }
                results.append(file_event(base_url, seed["token"], body))
            return results

        killer_thread.start()
        with ThreadPoolExecutor(max_workers=options.threads) as pool:
            futures = [pool.submit(send_until_stopped) for _ in range(options.threads)]
            results = [result for future in futures for result in future.result()]
        stop_filing.set()
        killer_thread.join()
        kills = killer.kills
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        gunicorn = None

        acknowledged = [event_id for status, event_id in results if status == 201]
        statuses: dict[int, int] = {}
        for status, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        ids_file = Path(env["SAFETY_LEDGER_VAR_DIR"]) / "acknowledged.json"
        ids_file.write_text(json.dumps(acknowledged))
        try:
            check = last_json_line(
                manage(
                    {**env, "CRASH_ACKNOWLEDGED_FILE": str(ids_file)},
                    "shell",
                    "-c",
                    CHECK,
                    capture=True,
                ).stdout
            )
        finally:
            ids_file.unlink(missing_ok=True)
        verify = subprocess.run(  # noqa: S603  # nosec B603
            [PYTHON, "manage.py", "verify_audit"],
            cwd=ROOT,
            env=env,
            text=True,
            capture_output=True,
        )
        problems = [
            name
            for name in (
                "acknowledged_missing",
                "acknowledged_without_creation_history",
                "events_without_history",
                "history_without_event",
            )
            if check[name]
        ]
        if verify.returncode != 0:
            problems.append("verify_audit")
        print(
            f"crash consistency: {len(results)} filings, {len(kills)} workers killed "
            f"({killer.mid_transaction} inside a transaction), "
            f"statuses {dict(sorted(statuses.items()))}, {check['acknowledged']} acknowledged, "
            f"{check['events']} events stored, verify_audit exit {verify.returncode}, "
            f"{time.monotonic() - started:.0f} s"
        )
        if problems:
            print(json.dumps(check, indent=2), verify.stdout, verify.stderr, file=sys.stderr)
            print(f"FAILED: {', '.join(problems)}", file=sys.stderr)
            return 1
        if len(kills) < options.kills or not acknowledged:
            print(
                f"FAILED: {len(kills)} of {options.kills} workers killed before the time ran "
                f"out, {len(acknowledged)} filings acknowledged",
                file=sys.stderr,
            )
            return 1
        print("OK: every acknowledged filing is stored with its history; the ledger verifies.")
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.kill()
            gunicorn.wait()
        shutil.rmtree(env["SAFETY_LEDGER_VAR_DIR"], ignore_errors=True)
        if not options.keep_database:
            admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
