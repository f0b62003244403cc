"""The ledger views name the records a foreign key points to, read access-log details as
text, and offer only real records as record types."""

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from events.models import EventTerm
from events.services.adverse_events import adverse_event_create


def reported_event(session, nurse):
    return adverse_event_create(
        actor=nurse,
        session=session,
        data={
            "term": EventTerm.objects.get(code="hypertension"),
            "onset_at": session.started_at + timedelta(minutes=10),
            "grade": 2,
        },
        submit=False,
    )


def test_the_trail_names_the_site_term_session_and_reporter(
    signed_in, auditor, session, nurse, north
):
    event = reported_event(session, nurse)

    page = signed_in(auditor).get(reverse("audit:trail", args=["events.adverseevent", event.pk]))

    assert f"North Clinic (site {north.pk})" in page.text
    assert "Hypertension" in page.text and "event term #" not in page.text
    assert f"Session 1 of N-1001 (session {session.pk})" in page.text
    assert "Alice Nurse (staff)" in page.text
    assert "user #" not in page.text and "site #" not in page.text


def test_the_point_in_time_view_names_them_too(signed_in, auditor, session, nurse, north):
    event = reported_event(session, nurse)
    moment = (timezone.now() + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S")

    response = signed_in(auditor).get(
        reverse("audit:trail", args=["events.adverseevent", event.pk]), {"as_of": moment}
    )

    values = dict(response.context["as_of_version"].values)
    assert values["site"] == f"North Clinic (site {north.pk})"
    assert values["term"] == "Hypertension"
    assert values["reported by"] == "Alice Nurse (staff)"


def test_the_trail_csv_names_them(signed_in, auditor, session, nurse, north):
    event = reported_event(session, nurse)

    response = signed_in(auditor).get(
        reverse("audit-trail-export", args=["events.adverseevent", event.pk, "csv"])
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    new_values = {row["field"]: row["new_value"] for row in rows if row["version"] == "1"}
    assert new_values["site"] == f"North Clinic (site {north.pk})"
    assert new_values["term"] == "Hypertension"


def test_access_log_details_read_as_text(signed_in, auditor, nurse):
    signed_in(nurse).get("/")

    page = signed_in(auditor).get(reverse("audit:access-log")).text

    assert "view: todays_sessions; filters: none" in page
    assert "{&#x27;" not in page and "{'" not in page


def test_bookkeeping_tables_are_not_offered_as_record_types(signed_in, auditor):
    client = signed_in(auditor)

    for url in (reverse("audit:home"), reverse("audit:log"), reverse("audit:access-log")):
        page = client.get(url).text
        assert "Idempotency record" not in page, url
        assert "Adverse event" in page, url
    assert AccessLog.objects.exists()
