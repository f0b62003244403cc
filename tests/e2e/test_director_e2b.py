"""A medical director downloads a signed-off event's E2B(R3) report from its page, in
Chromium, and the file passes the validator of FDA's data-element table."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from events.choices import EventStatus, SessionStatus
from events.models import EventTerm
from tests.e2e.conftest import log_in
from tests.exports.e2b_validator import E2bValidator
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory


def test_director_downloads_the_e2b_report_of_a_signed_off_event(
    page, screenshot, director, nurse, north, password
):
    session = InfusionSessionFactory(
        patient=PatientFactory(site=north, chart_number="N-7"),
        status=SessionStatus.COMPLETED,
        started_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )
    event = AdverseEventFactory(
        session=session,
        term=EventTerm.objects.get(code="nausea"),
        onset_at=session.started_at + timedelta(minutes=20),
        reported_by=nurse,
        status=EventStatus.SIGNED_OFF,
    )
    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, director.username, password)
    page.goto(f"/events/{event.pk}/")
    for name, width, height in (("desktop", 1366, 900), ("tablet", 820, 1180)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(f"director-e2b-event-{name}")

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="E2B(R3) XML").click()

    assert download.value.suggested_filename.startswith(f"safety-ledger-e2b-event-{event.pk}-")
    document = Path(download.value.path()).read_bytes()
    findings = [str(finding) for finding in E2bValidator().validate(document)]
    # No MedDRA codes are recorded: the term goes as text, and only the codes are missing.
    assert findings == [
        "E.i.2.1a: Data value required for tag",
        "E.i.2.1b: Data value required for tag",
    ]
