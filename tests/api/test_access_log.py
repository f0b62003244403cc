"""Reads of patient data through the API leave one access-log row each: a `view` per detail,
a `list` per list request with its filters and row count. Ids and filters only."""

import pytest

from audit.models import AccessLog
from tests.factories import AdverseEventFactory


@pytest.mark.parametrize("kind", ["patient", "session", "event"])
def test_each_detail_read_writes_one_view_row(as_nurse, nurse, patient, session, kind):
    record = {"patient": patient, "session": session}.get(kind) or AdverseEventFactory(
        session=session
    )
    url = {
        "patient": f"/api/v1/patients/{record.pk}/",
        "session": f"/api/v1/sessions/{record.pk}/",
        "event": f"/api/v1/events/{record.pk}/",
    }[kind]
    before = AccessLog.objects.count()

    assert as_nurse.get(url).status_code == 200

    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("id")
    assert (row.user, row.action) == (nurse, "view")
    assert row.object_type == record._meta.label_lower
    assert row.object_id == str(record.pk)
    assert row.site_id == record.site_id
    assert row.source == "api" and row.request_id


def test_a_list_writes_one_row_with_its_filters_and_count(as_nurse, nurse, patient, north):
    before = AccessLog.objects.count()

    response = as_nurse.get("/api/v1/patients/", {"search": "N-10", "site": north.pk, "page": 1})

    assert response.data["count"] == 1
    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("id")
    assert (row.user, row.action, row.object_type) == (nurse, "list", "events.patient")
    assert row.row_count == 1
    assert row.site_id == north.pk
    assert row.detail["filters"] == {"search": "N-10", "site": str(north.pk)}


def test_a_refused_read_writes_nothing(as_outsider, patient):
    before = AccessLog.objects.count()
    assert as_outsider.get(f"/api/v1/patients/{patient.pk}/").status_code == 404
    assert as_outsider.get("/api/v1/events/", {"onset_from": "2026-02-30"}).status_code == 400
    assert AccessLog.objects.count() == before


def test_terms_and_sites_are_not_patient_data(as_nurse, north):
    before = AccessLog.objects.count()
    as_nurse.get("/api/v1/terms/")
    as_nurse.get(f"/api/v1/sites/{north.pk}/")
    assert AccessLog.objects.count() == before
