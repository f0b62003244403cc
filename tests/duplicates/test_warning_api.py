"""Filing through the API: an event like one on file is refused with 409 and the
candidate's id, unless the client confirms it is not a duplicate."""

from datetime import timedelta

from events.models import AdverseEvent
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, InfusionSessionFactory


def _body(session, minutes=20, **extra):
    return {
        "session": session.pk,
        "term": "nausea",
        "onset_at": (session.started_at + timedelta(minutes=minutes)).isoformat(),
        "grade": 1,
        **extra,
    }


def test_a_likely_duplicate_is_refused_with_409_naming_the_event_on_file(nurse, session):
    on_file = AdverseEventFactory(session=session, reported_by=nurse)

    response = Api(nurse).post("/api/v1/events/", _body(session))

    assert response.status_code == 409
    assert response.data["duplicate_of"] == on_file.pk
    assert response.data["candidates"] == [on_file.pk]
    assert f"#{on_file.pk}" in response.data["detail"]
    assert AdverseEvent.objects.count() == 1


def test_a_confirmed_filing_is_stored_and_says_so_in_its_history(nurse, session):
    on_file = AdverseEventFactory(session=session, reported_by=nurse)

    response = Api(nurse).post(
        "/api/v1/events/", _body(session, confirm_not_duplicate=True, submit=True)
    )

    assert response.status_code == 201, response.data
    event = AdverseEvent.objects.get(pk=response.data["id"])
    row = event.history.get()
    assert row.history_change_reason == (
        f"Event submitted (confirmed not a duplicate of #{on_file.pk})"
    )
    assert "confirm_not_duplicate" not in response.data


def test_an_idempotent_retry_of_a_refused_filing_is_still_refused(nurse, session):
    AdverseEventFactory(session=session, reported_by=nurse)
    api = Api(nurse)

    first = api.post("/api/v1/events/", _body(session), **{"Idempotency-Key": "k-1"})
    confirmed = api.post(
        "/api/v1/events/",
        _body(session, confirm_not_duplicate=True),
        **{"Idempotency-Key": "k-2"},
    )

    assert (first.status_code, confirmed.status_code) == (409, 201)


def test_events_outside_the_window_voided_or_of_another_term_do_not_warn(nurse, director, session):
    voided = AdverseEventFactory(session=session, reported_by=nurse)
    Api(director).post(
        f"/api/v1/events/{voided.pk}/void/", {"reason": "Wrong chair"}, **if_match(voided.version)
    )
    AdverseEventFactory(
        session=session, reported_by=nurse, onset_at=session.started_at + timedelta(minutes=90)
    )
    api = Api(nurse)

    assert api.post("/api/v1/events/", _body(session, minutes=15)).status_code == 201
    assert api.post("/api/v1/events/", _body(session, term="headache")).status_code == 201


def test_the_window_is_a_setting(nurse, session, settings):
    AdverseEventFactory(session=session, reported_by=nurse)  # onset at 15 minutes
    settings.DUPLICATE_ONSET_WINDOW_MINUTES = 2

    response = Api(nurse).post("/api/v1/events/", _body(session, minutes=20))

    assert response.status_code == 201


def test_the_same_patient_in_another_session_the_same_day_warns(nurse, session, patient):
    earlier = AdverseEventFactory(session=session, reported_by=nurse)
    # A second record of the same visit, opened by mistake (and closed) five minutes later.
    later_session = InfusionSessionFactory(
        patient=patient,
        administered_by=nurse,
        status="completed",
        started_at=session.started_at + timedelta(minutes=5),
        ended_at=session.started_at + timedelta(minutes=30),
    )

    response = Api(nurse).post("/api/v1/events/", _body(later_session, minutes=15))

    assert response.status_code == 409
    assert response.data["candidates"] == [earlier.pk]


def test_the_schema_documents_the_confirmation_and_the_409(nurse):
    schema = Api(nurse).get("/api/schema/", {"format": "json"}).json()
    create = schema["paths"]["/api/v1/events/"]["post"]
    body = schema["components"]["schemas"]["AdverseEventCreateInputRequest"]

    assert "409" in create["responses"]
    assert body["properties"]["confirm_not_duplicate"]["type"] == "boolean"
