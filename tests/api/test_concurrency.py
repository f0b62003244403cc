"""Optimistic concurrency: every detail carries `ETag: "<version>"`; every update and
lifecycle action needs `If-Match`. Without it: 428; with an old one: 412 naming who changed
the record and when. Either way nothing is written: no change, no history row."""

import pytest

from events.choices import EventStatus
from events.services.adverse_events import adverse_event_update
from tests.api.conftest import if_match
from tests.factories import AdverseEventFactory


@pytest.fixture
def draft(session, nurse):
    return AdverseEventFactory(session=session, reported_by=nurse, status=EventStatus.DRAFT)


def _unchanged(event, version, history_rows):
    event.refresh_from_db()
    assert event.version == version
    assert event.history.count() == history_rows


def test_details_carry_the_version_as_etag(as_nurse, patient, session, draft, north):
    for url, record in [
        (f"/api/v1/patients/{patient.pk}/", patient),
        (f"/api/v1/sessions/{session.pk}/", session),
        (f"/api/v1/events/{draft.pk}/", draft),
        (f"/api/v1/sites/{north.pk}/", north),
    ]:
        response = as_nurse.get(url)
        assert response["ETag"] == f'"{record.version}"', url
        assert response.data["version"] == record.version


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("", {"narrative": "Felt sick after 10 minutes."}),
        ("submit/", {}),
    ],
    ids=["update", "submit"],
)
def test_a_change_without_if_match_is_refused_with_428(as_nurse, draft, action, body):
    rows = draft.history.count()
    url = f"/api/v1/events/{draft.pk}/{action}"

    response = as_nurse.patch(url, body) if not action else as_nurse.post(url, body)

    assert response.status_code == 428
    assert "If-Match" in response.data["detail"]
    _unchanged(draft, 1, rows)


def test_a_stale_if_match_is_refused_with_412_naming_who_changed_it(as_nurse, draft, director):
    adverse_event_update(
        event=draft, actor=director, data={"grade": 2}, expected_version=1
    )  # a colleague saved first: now version 2
    rows = draft.history.count()

    response = as_nurse.patch(f"/api/v1/events/{draft.pk}/", {"narrative": "Mine"}, **if_match(1))

    assert response.status_code == 412
    assert response.data["current_version"] == 2
    assert response.data["changed_by"] == "dana"
    assert response.data["changed_at"]
    assert "dana" in response.data["detail"] and "version 2" in response.data["detail"]
    _unchanged(draft, 2, rows)
    draft.refresh_from_db()
    assert draft.narrative == "" and draft.grade == 2


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/sessions/{session}/",
        "/api/v1/patients/{patient}/",
    ],
)
def test_sessions_and_patients_refuse_stale_updates_too(as_nurse, session, patient, url):
    url = url.format(session=session.pk, patient=patient.pk)
    body = {"lot_number": "L-2"} if "sessions" in url else {"birth_year": 1981}

    assert as_nurse.patch(url, body).status_code == 428
    assert as_nurse.patch(url, body, **if_match(7)).status_code == 412
    response = as_nurse.patch(url, body, **if_match(1))
    assert response.status_code == 200 and response["ETag"] == '"2"'


def test_a_lifecycle_action_with_a_stale_etag_changes_nothing(as_director, session, nurse):
    event = AdverseEventFactory(session=session, reported_by=nurse, status=EventStatus.SUBMITTED)
    rows = event.history.count()

    response = as_director.post(
        f"/api/v1/events/{event.pk}/void/", {"reason": "Duplicate"}, **if_match(0)
    )

    assert response.status_code == 412
    _unchanged(event, 1, rows)
    assert event.status == EventStatus.SUBMITTED


@pytest.mark.parametrize("header", ["*", "abc", '"1", "2"', '"-1"'])
def test_an_unreadable_if_match_is_a_400_not_a_guess(as_nurse, draft, header):
    response = as_nurse.patch(
        f"/api/v1/events/{draft.pk}/", {"narrative": "x"}, **{"If-Match": header}
    )
    assert response.status_code == 400
    assert "If-Match" in response.data["detail"]


def test_a_weak_etag_is_accepted(as_nurse, draft):
    response = as_nurse.patch(
        f"/api/v1/events/{draft.pk}/", {"narrative": "x"}, **{"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200
