"""An auditor opens an event's trail, reads what changed, filters the audit log and downloads
the trail as PDF, in Chromium."""

from datetime import timedelta

from events.choices import Role
from events.models import EventTerm
from events.services.adverse_events import adverse_event_create, adverse_event_update
from tests.e2e.conftest import log_in
from tests.factories import (
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    SiteFactory,
    UserFactory,
)


def test_an_auditor_reads_a_trail_filters_the_log_and_downloads_the_pdf(page, screenshot, password):
    north = SiteFactory(code="north", name="North Clinic", timezone="America/Chicago")
    nurse = UserFactory(username="alice", first_name="Alice", last_name="Nurse")
    MembershipFactory(user=nurse, site=north, role=Role.STAFF)
    auditor = UserFactory(username="aubrey", first_name="Aubrey", last_name="Auditor")
    MembershipFactory(user=auditor, site=None, role=Role.AUDITOR)
    session = InfusionSessionFactory(patient=PatientFactory(site=north), administered_by=nurse)
    event = adverse_event_create(
        actor=nurse,
        session=session,
        data={
            "term": EventTerm.objects.get(code="nausea"),
            "onset_at": session.started_at + timedelta(minutes=10),
            "grade": 1,
        },
        submit=True,
    )
    adverse_event_update(
        event=event,
        actor=nurse,
        data={"grade": 2},
        expected_version=event.version,
        reason="Vomited twice after the first report",
    )

    log_in(page, "aubrey", password)
    page.goto("/audit/")
    page.get_by_label("Record type").select_option("events.adverseevent")
    page.get_by_label("Id").fill(str(event.pk))
    page.get_by_role("button", name="Open trail").click()

    page.wait_for_url(f"**/audit/trail/events.adverseevent/{event.pk}/")
    latest = page.locator("#v2")
    assert "Vomited twice after the first report" in latest.inner_text()
    grade_row = latest.locator("table.diff tr", has_text="Grade")
    assert grade_row.locator("td.old").inner_text() == "1 - Mild"
    assert grade_row.locator("td.new").inner_text() == "2 - Moderate"
    screenshot("auditor-trail")

    page.get_by_role("link", name="Audit log").click()
    page.get_by_label("Record type").select_option("events.adverseevent")
    page.get_by_label("User (username)").fill("alice")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.log tbody tr")
    assert rows.count() == 2
    assert all(f"Adverse event #{event.pk}" in text for text in rows.all_inner_texts())
    screenshot("auditor-log-filtered")

    rows.first.get_by_role("link").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
