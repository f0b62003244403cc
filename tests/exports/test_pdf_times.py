"""Every time in a PDF says its zone, by the CSV's rule: a site's records in the site's time
with the offset from UTC, always with the year."""

from django.urls import reverse

from tests.exports.helpers import read_pdf_text


def text_of(response, tmp_path) -> str:
    assert response.status_code == 200
    return " ".join(read_pdf_text(response.content, tmp_path).split())


def test_the_summarys_serious_events_print_in_site_time_with_the_offset(
    client, director, dataset, tmp_path
):
    client.force_login(director)

    text = text_of(client.get(reverse("safety-summary-pdf")), tmp_path)

    # e2: onset 15:30 UTC, 09:30 in Chicago in January.
    assert "onset 2026-01-05 09:30 (UTC-06:00), 30 min from start" in text
    assert "15:30" not in text


def test_the_case_report_prints_site_times_with_the_offset_and_names_the_zone(
    client, director, dataset, tmp_path
):
    client.force_login(director)

    text = text_of(client.get(reverse("event-case-report", args=[dataset.e4.pk])), tmp_path)

    # e4's session is in June: Chicago is then UTC-05:00.
    assert "2026-06-10 09:00 (UTC-05:00)" in text  # the session start, in summer time
    assert "Times are site time (America/Chicago)" in text


def test_the_audit_log_prints_utc_and_the_sites_zone(client, auditor, dataset, tmp_path):
    client.force_login(auditor)

    text = text_of(client.get("/exports/audit/log.pdf?model=events.adverseevent"), tmp_path)

    assert " UTC " in text and (" CST" in text or " CDT" in text)
