"""What counts: every session that started (in progress included) and every event not voided
in it, in every rendering; sessions left open are data-quality items; the review status
filter chooses which events count and every rendering says which; drafts are marked."""

import csv
import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus, SessionStatus
from exports.summary_pdf import serious_events
from reporting import rollups
from reporting.filters import ReportFilters
from tests.exports.helpers import body, exported, read_pdf_text
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

SUMMARY = "/api/v1/reporting/summary/"


def download(response) -> str:
    return body(response).decode()


@pytest.fixture
def clinic(north, nurse):
    """North: a session nobody closed (started 5 hours ago, planned 40 minutes) with a serious
    draft; a session in the chair now; a completed session with a submitted and a signed-off
    event."""
    now = timezone.now()
    left_open = InfusionSessionFactory(
        patient=PatientFactory(site=north, chart_number="N-OPEN"),
        status=SessionStatus.IN_PROGRESS,
        started_at=now - timedelta(hours=5),
    )
    in_chair = InfusionSessionFactory(
        patient=PatientFactory(site=north, chart_number="N-CHAIR"),
        status=SessionStatus.IN_PROGRESS,
        started_at=now - timedelta(minutes=30),
    )
    done = InfusionSessionFactory(
        patient=PatientFactory(site=north, chart_number="N-DONE"),
        status=SessionStatus.COMPLETED,
        started_at=now - timedelta(days=2),
    )
    ambulance = AdverseEventFactory(
        session=left_open,
        grade=3,
        is_hospitalisation=True,
        narrative="Transferred by ambulance.",
        reported_by=nurse,
        status=EventStatus.DRAFT,
    )
    submitted = AdverseEventFactory(session=done, reported_by=nurse, status=EventStatus.SUBMITTED)
    signed = AdverseEventFactory(session=done, reported_by=nurse, status=EventStatus.SIGNED_OFF)
    return SimpleNamespace(
        left_open=left_open,
        in_chair=in_chair,
        done=done,
        ambulance=ambulance,
        submitted=submitted,
        signed=signed,
    )


def test_an_event_in_a_session_nobody_closed_counts_in_every_rendering(
    client, director, clinic, tmp_path
):
    client.force_login(director)

    data = client.get(SUMMARY).json()
    assert (data["sessions"], data["events"], data["serious_events"]) == (3, 3, 1)

    listing = download(exported(client, reverse("events-csv")))
    rows = {int(r["event_id"]): r for r in csv.DictReader(io.StringIO(listing))}
    assert set(rows) == {clinic.ambulance.pk, clinic.submitted.pk, clinic.signed.pk}
    assert rows[clinic.ambulance.pk]["session_status"] == "in_progress"
    assert rows[clinic.ambulance.pk]["is_draft"] == "true"
    assert rows[clinic.signed.pk]["is_draft"] == "false"

    pdf = client.get(reverse("safety-summary-pdf")).content
    text = " ".join(read_pdf_text(pdf, tmp_path).split())
    assert f"Event {clinic.ambulance.pk}: Nausea, grade 3 DRAFT, not yet submitted" in text
    assert "Transferred by ambulance." in text


def test_sessions_left_open_are_data_quality_items_with_links(
    client, director, clinic, tmp_path, settings
):
    client.force_login(director)
    page = client.get(reverse("reports-overview")).content.decode()
    open_link = reverse("session-detail", args=[clinic.left_open.pk])
    assert f'href="{open_link}"' in page
    assert reverse("session-detail", args=[clinic.in_chair.pk]) + '"' not in page
    assert "more than 120 minutes after the planned end" in page

    quality = client.get(SUMMARY).json()["data_quality"]
    assert quality["overdue_session_count"] == 1 and quality["margin_minutes"] == 120
    [item] = quality["overdue_sessions"]
    assert (item["session_id"], item["patient_chart_number"]) == (clinic.left_open.pk, "N-OPEN")
    assert 5 * 60 - 40 - 1 <= item["minutes_overdue"] <= 5 * 60 - 40 + 1

    pdf = client.get(reverse("safety-summary-pdf")).content
    text = " ".join(read_pdf_text(pdf, tmp_path).split())
    assert "Data quality 1 session still in progress" in text
    assert f"(id {clinic.left_open.pk})" in text

    settings.OPEN_SESSION_MARGIN_MINUTES = 600
    assert client.get(SUMMARY).json()["data_quality"]["overdue_session_count"] == 0


@pytest.mark.parametrize(
    ("review", "events", "label"),
    [
        ("all", 3, "all events not voided, drafts included"),
        ("submitted", 2, "submitted and signed-off events (drafts left out)"),
        ("signed_off", 1, "signed-off events only"),
    ],
)
def test_the_review_filter_narrows_events_and_every_rendering_says_which(
    client, director, clinic, review, events, label
):
    client.force_login(director)
    query = {"review": review}

    data = client.get(SUMMARY, query).json()
    assert (data["sessions"], data["events"]) == (3, events)  # never the denominator
    assert (data["review_status"], data["review_status_label"]) == (review, label)

    page = client.get(reverse("reports-overview"), query).content.decode()
    assert f'data-review-status="{review}">{label}</span>' in page
    tables = client.get(reverse("reports-tables"), query).content.decode()
    assert tables.count(f"Review status: {label}.") == 10  # under every table
    assert f"Review status: {label}." in data["counting_rule"]

    table = client.get(reverse("summary-table-csv", args=["key_figures"]), query)
    figures = {r["figure"]: r for r in csv.DictReader(io.StringIO(table.content.decode()))}
    assert figures["events"]["count"] == str(events)
    assert figures["events"]["review_status"] == review

    listing = download(exported(client, reverse("events-csv"), query))
    assert len(listing.strip().splitlines()) == 1 + events


def test_a_review_filter_other_than_all_is_counted_from_the_records():
    assert rollups.is_answerable(ReportFilters())
    assert not rollups.is_answerable(ReportFilters(review="submitted"))


def test_an_unknown_review_status_is_a_400_naming_the_parameter(client, director):
    client.force_login(director)
    response = client.get(SUMMARY, {"review": "approved"})
    assert response.status_code == 400 and "review" in response.json()
    assert client.get(reverse("reports-dashboard"), {"review": "x"}).status_code == 400


def test_drafts_are_marked_in_the_web_listing_and_left_out_of_the_serious_list_on_request(
    client, director, clinic
):
    client.force_login(director)
    page = client.get(reverse("reports-event-list")).content.decode()
    assert page.count('<span class="badge draft">Draft</span>') == 1

    reviewed = ReportFilters(review="submitted")
    assert serious_events(director, reviewed) == ([], False)
    assert serious_events(director, ReportFilters())[0] == [clinic.ambulance]
