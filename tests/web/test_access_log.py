"""Every page that shows a patient, a session or an event writes one access-log row; list and
search pages write one row with their filters. Ids only: never chart numbers or clinical text."""

from django.urls import reverse

from audit.models import AccessLog
from tests.factories import PatientFactory


def _rows_after(call) -> list[AccessLog]:
    last = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call()
    return list(AccessLog.objects.filter(id__gt=last).order_by("id"))


def test_viewing_a_patient_writes_one_view_row(signed_in, nurse, patient):
    client = signed_in(nurse)
    rows = _rows_after(lambda: client.get(reverse("patient-detail", args=[patient.pk])))
    assert [(r.action, r.object_type, r.object_id, r.site_id, r.user_id) for r in rows] == [
        ("view", "events.patient", str(patient.pk), patient.site_id, nurse.pk)
    ]


def test_viewing_a_session_writes_one_view_row(signed_in, nurse, session):
    client = signed_in(nurse)
    rows = _rows_after(lambda: client.get(reverse("session-detail", args=[session.pk])))
    assert [(r.action, r.object_type, r.object_id) for r in rows] == [
        ("view", "events.infusionsession", str(session.pk))
    ]


def test_viewing_an_event_writes_one_view_row(signed_in, auditor, draft_event):
    client = signed_in(auditor)
    rows = _rows_after(lambda: client.get(reverse("event-detail", args=[draft_event.pk])))
    assert [(r.action, r.object_type, r.object_id, r.user_id) for r in rows] == [
        ("view", "events.adverseevent", str(draft_event.pk), auditor.pk)
    ]


def test_htmx_panel_refreshes_do_not_log_the_page_again(signed_in, nurse, session):
    client = signed_in(nurse)
    rows = _rows_after(
        lambda: client.post(
            reverse("vital-new", args=[session.pk]),
            {"form_token": "x", "heart_rate": "90"},
            headers={"HX-Request": "true"},
        )
    )
    assert rows == []


def test_another_sites_record_is_not_found_and_not_logged_as_viewed(
    signed_in, other_site_nurse, patient
):
    client = signed_in(other_site_nurse)
    rows = _rows_after(lambda: client.get(reverse("patient-detail", args=[patient.pk])))
    assert rows == []


def test_a_chart_number_search_logs_the_matches_by_id_not_the_typed_number(
    signed_in, nurse, patient, north
):
    PatientFactory(site=north, chart_number="N-7777")
    client = signed_in(nurse)
    rows = _rows_after(lambda: client.post(reverse("patient-list"), {"chart_number": "N-1001"}))
    [row] = rows
    assert (row.action, row.object_type, row.row_count) == ("search", "events.patient", 1)
    assert row.detail == {
        "view": "patient-list",
        "filters": {"chart_number": "given"},
        "ids": [patient.pk],
    }
    assert "N-1001" not in str(row.detail)


def test_listing_patients_and_todays_sessions_writes_list_rows(signed_in, nurse, session):
    client = signed_in(nurse)
    rows = _rows_after(lambda: (client.get(reverse("patient-list")), client.get("/")))
    assert [(r.action, r.object_type, r.row_count, r.detail["view"]) for r in rows] == [
        ("list", "events.patient", 1, "patient-list"),
        ("list", "events.infusionsession", 1, "home"),
    ]
