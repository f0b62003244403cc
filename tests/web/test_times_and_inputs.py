"""Every time on the staff and director pages names its zone and is in the site's time;
the year shows outside the current year; date-time boxes are 24-hour, site-local text read
into UTC; the event form chooses no clinical answer for the nurse."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.models import AdverseEvent, EventTerm
from tests.factories import AdverseEventFactory, InfusionSessionFactory

# A summer afternoon at North (America/Chicago, CDT = UTC-5).
NOW = datetime(2026, 6, 25, 19, 57, tzinfo=UTC)


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock stopped at NOW for everything that asks `django.utils.timezone.now`."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_todays_sessions_show_the_site_time_and_its_zone(signed_in, nurse, patient, frozen_now):
    InfusionSessionFactory(patient=patient, started_at=datetime(2026, 6, 25, 17, 21, tzinfo=UTC))

    page = text_of(signed_in(nurse).get("/").text)

    assert "12:21 CDT" in page and "17:21" not in page


def test_the_review_queue_names_the_zone_and_the_year_of_last_years_dates(
    signed_in, director, session, nurse, frozen_now
):
    AdverseEventFactory(
        session=session,
        reported_by=nurse,
        actor=nurse,
        onset_at=datetime(2025, 12, 30, 15, 0, tzinfo=UTC),
        term=EventTerm.objects.get(code="hypertension"),
        grade=3,
        status=EventStatus.SUBMITTED,
        submitted_at=NOW,
        review_due_at=NOW + timedelta(days=30),
    )

    page = text_of(signed_in(director).get(reverse("review-queue")).text)

    assert "30 Dec 2025, 09:00 CST" in page  # onset last winter: year and standard time
    assert "25 Jun, 14:57 CDT" in page  # submitted this year: no year, daylight time
    assert "25 Jul" in page and "25 Jul 2026" not in page


def test_the_event_page_gives_every_time_in_the_site_zone(
    signed_in, director, submitted_event, frozen_now
):
    page = text_of(signed_in(director).get(reverse("event-detail", args=[submitted_event.pk])).text)
    onset = timezone.localtime(submitted_event.onset_at, submitted_event.site.zone)

    assert f"{onset:%H:%M} {onset.tzname()}" in page
    assert "UTC" not in page


def test_the_onset_box_is_24_hour_site_time_text_labelled_with_the_zone(
    signed_in, nurse, session, frozen_now
):
    page = signed_in(nurse).get(reverse("event-new", args=[session.pk])).text

    onset_input = re.search(r'<input[^>]*name="onset_at"[^>]*>', page).group(0)
    assert 'type="text"' in onset_input and "datetime-local" not in page
    assert 'value="2026-06-25 14:57"' in onset_input
    assert 'placeholder="YYYY-MM-DD HH:MM"' in onset_input
    assert "Onset (America/Chicago, 24-hour)" in page


def _event_post(session, token, **overrides) -> dict:
    return {
        "form_token": token,
        "term": EventTerm.objects.get(code="nausea").pk,
        "grade": "1",
        "outcome": "recovered",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "intent": "draft",
        **overrides,
    }


def test_a_typed_site_time_is_stored_in_utc(signed_in, nurse, patient):
    session = InfusionSessionFactory(
        patient=patient, started_at=timezone.now() - timedelta(hours=2)
    )
    client = signed_in(nurse)
    token = (
        client.get(reverse("event-new", args=[session.pk])).context["form"]["form_token"].value()
    )
    onset = timezone.localtime(session.started_at + timedelta(minutes=20), session.site.zone)

    client.post(
        reverse("event-new", args=[session.pk]),
        _event_post(session, token, onset_at=onset.strftime("%Y-%m-%d %H:%M")),
    )

    event = AdverseEvent.objects.get(session=session)
    assert event.onset_at == onset.replace(second=0, microsecond=0).astimezone(UTC)


def test_a_12_hour_us_date_is_refused_naming_the_field(signed_in, nurse, session):
    client = signed_in(nurse)
    token = (
        client.get(reverse("event-new", args=[session.pk])).context["form"]["form_token"].value()
    )

    response = client.post(
        reverse("event-new", args=[session.pk]),
        _event_post(session, token, onset_at="06/25/2026 02:30 PM"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["onset_at"] == [
        "Enter a date and a 24-hour time as YYYY-MM-DD HH:MM, e.g. 2026-03-02 14:05."
    ]
    assert not AdverseEvent.objects.exists()


def test_the_event_form_chooses_no_clinical_answer_for_the_nurse(signed_in, nurse, session):
    form = signed_in(nurse).get(reverse("event-new", args=[session.pk])).context["form"]
    page = form.as_p()

    for name in ("outcome", "action_taken", "dechallenge", "rechallenge"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
        assert "selected" in re.search(r"<option[^>]*>", select).group(0)  # the blank prompt
        assert select.count("selected") == 1


def test_the_other_text_box_is_tied_to_the_other_term_only(signed_in, nurse, session):
    page = signed_in(nurse).get(reverse("event-new", args=[session.pk])).text
    other = EventTerm.objects.get(requires_text=True)

    flagged = re.findall(r'<option value="(\d+)" data-needs-text', page)
    assert flagged == [str(other.pk)]
    assert '<div class="other-term">' in page  # hidden until that term is chosen (app.css)


def test_staff_get_403_on_the_review_queue_as_through_the_api(signed_in, nurse):
    client = signed_in(nurse)

    assert client.get(reverse("review-queue")).status_code == 403
    assert client.get("/api/v1/review-queue/").status_code == 403


def test_an_export_job_page_gives_its_times_in_the_sites_zone(
    signed_in, director, frozen_now, django_capture_on_commit_callbacks
):
    client = signed_in(director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("events-fhir"))
    page = text_of(client.get(response["Location"]).text)

    assert "at 25 Jun, 14:57 CDT" in page and "finished 25 Jun, 14:57 CDT" in page
