"""Every reason a person types is held to one rule, whether the action requires a reason or
not: markup is refused naming `reason`, and nothing is written."""

import pytest

from events.choices import EventStatus
from events.models import AdverseEvent, InfusionSession, Patient
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory

MARKUP = "<b>reviewed</b>"


@pytest.fixture
def submitted_event(session, nurse):
    return AdverseEventFactory(session=session, reported_by=nurse, status=EventStatus.SUBMITTED)


def _actions(session, patient, submitted_event, nurse, director):
    """(who, path, body, version, record): one per action that takes a reason."""
    event = submitted_event
    return {
        "void an event": (director, f"/api/v1/events/{event.pk}/void/", {}, event),
        "amend an event": (nurse, f"/api/v1/events/{event.pk}/", {"grade": 2}, event),
        "assess an event": (
            director,
            f"/api/v1/events/{event.pk}/assess/",
            {"causality": "possible"},
            event,
        ),
        "finish a session": (
            nurse,
            f"/api/v1/sessions/{session.pk}/finish/",
            {"status": "completed"},
            session,
        ),
        "stop a session early": (
            nurse,
            f"/api/v1/sessions/{session.pk}/finish/",
            {"status": "stopped_early"},
            session,
        ),
        "correct a patient": (
            nurse,
            f"/api/v1/patients/{patient.pk}/",
            {"birth_year": 1970},
            patient,
        ),
    }


ACTIONS = [
    "void an event",
    "amend an event",
    "assess an event",
    "finish a session",
    "stop a session early",
    "correct a patient",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_markup_in_any_reason_is_refused_and_nothing_is_written(
    action, session, patient, submitted_event, nurse, director
):
    who, path, body, record = _actions(session, patient, submitted_event, nurse, director)[action]
    histories = [model.history.count() for model in (AdverseEvent, InfusionSession, Patient)]
    api = Api(who)
    method = api.patch if path.endswith(f"/{record.pk}/") else api.post
    response = method(path, {**body, "reason": MARKUP}, **if_match(record.version))
    assert response.status_code == 400, response.content
    assert "reason" in response.json()
    after = [model.history.count() for model in (AdverseEvent, InfusionSession, Patient)]
    assert after == histories


@pytest.mark.parametrize("action", ACTIONS)
def test_the_same_reason_in_plain_text_is_accepted(
    action, session, patient, submitted_event, nurse, director
):
    who, path, body, record = _actions(session, patient, submitted_event, nurse, director)[action]
    api = Api(who)
    method = api.patch if path.endswith(f"/{record.pk}/") else api.post
    response = method(path, {**body, "reason": "Reviewed, SpO2 <88%"}, **if_match(record.version))
    assert response.status_code == 200, response.content
