"""A medical director's journey through the safety reports, in Chromium: open the dashboard,
filter, read the figures, drill down to the events behind a number, download the PDF and CSV."""

import re

from tests.e2e.conftest import log_in
from tests.reporting.dataset import build_dataset


def test_director_filters_the_dashboard_and_drills_down_to_the_events(
    page, screenshot, director, north, south, password
):
    build_dataset(north, south)
    # The live server's first request imports the whole URL map (pandas, scipy, the PDF and
    # FHIR libraries): give that one request time on a busy machine.
    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, director.username, password)

    page.goto("/reports/")
    page.get_by_role("heading", name="Safety dashboard").wait_for()
    # The figures, then the tables, load after the frame (HTMX).
    page.locator('table[data-table="term"]').wait_for()
    # Nine counted sessions at North (the director's site, the one in progress included);
    # South's stay out of sight.
    assert page.locator('[data-figure="sessions"]').inner_text() == "9"
    assert page.locator("svg.chart").count() >= 5

    # The filters are folded away behind the bar of active filters.
    assert not page.get_by_label("From:", exact=True).is_visible()
    page.get_by_text("Change filters").click()
    page.get_by_label("From:", exact=True).fill("2026-01-01")
    page.get_by_label("To:", exact=True).fill("2026-01-31")
    page.get_by_role("checkbox", name="Intravenous").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/reports/?*route=iv*")
    page.locator('table[data-table="term"]').wait_for()
    assert page.get_by_role("link", name="Route: Intravenous").is_visible()  # its chip
    # January at North by IV: sessions 0 to 3 and 7 (one starts 1 February UTC, 31 January
    # in Chicago).
    assert page.locator('[data-figure="sessions"]').inner_text() == "5"
    screenshot("director-dashboard-filtered")

    nausea = page.locator('table[data-table="term"] tr', has_text="Nausea")
    assert nausea.locator("td").nth(0).inner_text() == "3"  # events
    nausea.locator("td a").first.click()
    page.get_by_role("heading", name="Events behind the report").wait_for()
    assert "3 events" in page.locator('[data-figure="count"]').inner_text()
    rows = page.locator("table.listing tbody tr")
    assert rows.count() == 3
    assert all("Nausea" in text for text in rows.all_inner_texts())
    screenshot("director-dashboard-listing")

    # A listing is an export job: its page shows the status, then the download link.
    page.get_by_role("link", name="CSV listing").click()
    with page.expect_download() as csv_download:
        page.get_by_role("link", name=re.compile(r"^Download safety-ledger-events-")).click()
    assert csv_download.value.suggested_filename.endswith(".csv")
    with open(csv_download.value.path(), encoding="utf-8") as handle:
        assert handle.read().count("nausea") >= 3

    page.go_back()
    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("heading", name="Safety dashboard").wait_for()
    page.locator('[data-figure="sessions"]').wait_for()
    with_event = page.locator('[data-figure="sessions_with_event"] a')
    count = with_event.inner_text()
    with_event.click()
    page.get_by_role("heading", name="Sessions behind the report").wait_for()
    assert page.locator('[data-figure="count"] strong').inner_text() == count
    page.go_back()
    page.get_by_role("heading", name="Safety dashboard").wait_for()
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="PDF safety summary").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    with open(pdf_download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
