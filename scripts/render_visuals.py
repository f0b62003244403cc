"""Render every PDF kind and the main pages of the three journeys as PNGs, to look at.

    .venv/bin/python scripts/render_visuals.py [--out var/visuals] [--sessions 400]

Builds a throw-away SQLite database (demo data plus a worst-case event: 20,000-character
narrative, 40 readings, every seriousness criterion), serves it with `runserver`, downloads
the PDFs as the demo director and auditor and turns each page into a PNG (`pdftoppm`), and
screenshots the pages in Chromium at 1366 and 820 px. Nothing is written to the repository's
own database. `tests/e2e/test_visual.py` checks the same documents and pages automatically.
"""

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": (1366, 900), "tablet": (820, 1180)}


def build_database(var_dir: Path, sessions: int) -> dict:
    """Migrate, seed the demo and add the worst-case event; return the ids the pages need."""
    os.environ["SAFETY_LEDGER_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from events.models import AdverseEvent, InfusionSession, Site
    from tests.exports.worst_case import worst_case_event
    from tests.factories import system_actor

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", sessions=sessions, stdout=io.StringIO())
    site = Site.objects.get(code="lakeshore")
    worst = worst_case_event(site=site, reporter=system_actor())
    # The director's sites; a serious event if the demo drew one, else the latest event.
    seeded = AdverseEvent.objects.filter(site__code__in=["lakeshore", "harbor"]).exclude(
        pk=worst.pk
    )
    event = seeded.order_by("-is_serious", "-onset_at").first()
    session = InfusionSession.objects.filter(site=site).order_by("-started_at").first()
    return {
        "worst": worst.pk,
        "serious": event.pk,
        "session": session.pk,
        **look_alikes_and_notifications(site, event),
    }


def look_alikes_and_notifications(site, serious) -> dict:
    """A session in progress with nausea on file (the form's duplicate warning), a pair of
    look-alike events (the directors' list), and the director's notifications."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events.models import EventTerm
    from events.notifications.services import review_digests_send, serious_event_notify
    from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

    users = get_user_model().objects
    nurse = users.get(username="nurse")
    now = timezone.now().replace(second=0, microsecond=0)
    session = InfusionSessionFactory(
        patient=PatientFactory(site=site, chart_number="LS-DUP-01"),
        administered_by=nurse,
        started_at=now - timedelta(minutes=40),
    )
    nausea = EventTerm.objects.get(code="nausea")
    for minutes in (25, 10):
        AdverseEventFactory(
            session=session,
            term=nausea,
            reported_by=nurse,
            status="submitted",
            submitted_at=now,
            review_due_at=now + timedelta(hours=minutes),  # due within 48 h: in the digest
            onset_at=now - timedelta(minutes=minutes),
        )
    serious_event_notify(event=serious, actor=nurse)
    review_digests_send()
    return {"duplicate_session": session.pk}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("runserver did not start")


def documents(ids: dict) -> dict[str, tuple[str, str]]:
    """PDF name -> (demo user, path)."""
    return {
        "summary": ("director", "/exports/summary.pdf"),
        "case-report-worst": ("director", f"/exports/events/{ids['worst']}/case-report.pdf"),
        "case-report-seeded": ("director", f"/exports/events/{ids['serious']}/case-report.pdf"),
        "audit-log": ("auditor", "/exports/audit/log.pdf"),
        "trail": ("auditor", f"/exports/audit/trail/events.adverseevent/{ids['serious']}.pdf"),
    }


def pages(ids: dict) -> dict[str, tuple[str, str]]:
    """Screen name -> (demo user, path): the main pages of the three journeys."""
    return {
        "staff-home": ("nurse", "/"),
        "staff-session": ("nurse", f"/sessions/{ids['session']}/"),
        "director-review": ("director", "/review/"),
        "director-event": ("director", f"/events/{ids['serious']}/"),
        "director-reports": ("director", "/reports/"),
        "auditor-log": ("auditor", "/audit/log/"),
        "auditor-trail": ("auditor", f"/audit/trail/events.adverseevent/{ids['serious']}/"),
        "director-duplicates": ("director", "/duplicates/"),
        "director-notifications": ("director", "/notifications/"),
        "director-account": ("director", "/accounts/"),
    }


def duplicate_warning(page, base: str, session_id: int) -> None:
    """File nausea again in the session that has it on file: the form shows the warning."""
    page.goto(f"{base}/sessions/{session_id}/events/new/", wait_until="networkidle")
    page.select_option("#id_term", label="Nausea")
    page.wait_for_load_state("networkidle")
    page.locator("input[name=grade][value='1']").check()
    for name, value in {
        "action_taken": "dose_not_changed",
        "outcome": "recovering",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
    }.items():
        page.select_option(f"select[name={name}]", value)
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_selector("#duplicate-warning")


def log_in(context, base: str, username: str) -> None:
    from events.demo.specs import PASSWORD

    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "visuals")
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument(
        "--pages-only", action="store_true", help="Screenshot the pages, skip the PDFs."
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as var_dir:
        ids = build_database(Path(var_dir), args.sessions)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(port)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                contexts = {}
                for user in ("nurse", "director", "auditor"):
                    contexts[user] = browser.new_context()
                    log_in(contexts[user], base, user)
                for name, (user, path) in ({} if args.pages_only else documents(ids)).items():
                    response = contexts[user].request.get(base + path, timeout=300_000)
                    pdf = args.out / f"{name}.pdf"
                    pdf.write_bytes(response.body())
                    command = ["pdftoppm", "-png", "-r", "70", str(pdf), str(args.out / name)]
                    subprocess.run(  # noqa: S603 - poppler's pdftoppm on our own file
                        command,  # noqa: S607
                        check=True,
                    )
                    print(f"{name}: {response.status} {path}")
                for name, (user, path) in pages(ids).items():
                    for width_name, (width, height) in WIDTHS.items():
                        page = contexts[user].new_page()
                        page.set_viewport_size({"width": width, "height": height})
                        page.goto(base + path, wait_until="networkidle")
                        page.screenshot(path=str(args.out / f"{name}-{width}.png"), full_page=True)
                        scrolls = page.evaluate(
                            "document.documentElement.scrollWidth > "
                            "document.documentElement.clientWidth"
                        )
                        print(f"{name} at {width_name} {width}px: scrolls sideways: {scrolls}")
                        page.close()
                for width_name, (width, height) in WIDTHS.items():
                    page = contexts["nurse"].new_page()
                    page.set_viewport_size({"width": width, "height": height})
                    duplicate_warning(page, base, ids["duplicate_session"])
                    shot = args.out / f"staff-duplicate-warning-{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    print(f"duplicate warning at {width_name} {width}px")
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait()
    print(f"PNGs in {args.out}")


if __name__ == "__main__":
    main()
