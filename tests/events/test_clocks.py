"""Rules that depend on the time, with the clock frozen: the review due clock runs from the
moment of submission, and nothing clinical may be dated after now (five minutes of grace)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from events.models import EventTerm
from events.services.adverse_events import adverse_event_create
from tests.factories import InfusionSessionFactory

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def started(patient, nurse, frozen):
    return InfusionSessionFactory(
        patient=patient, administered_by=nurse, started_at=NOW - timedelta(minutes=40)
    )


def _event(session, **values):
    return {
        "term": EventTerm.objects.get(code=values.pop("term", "nausea")),
        "onset_at": session.started_at + timedelta(minutes=10),
        "grade": 1,
        **values,
    }


@pytest.mark.parametrize(
    ("values", "due_in"),
    [
        ({}, timedelta(days=30)),  # not serious
        (
            {"is_hospitalisation": True, "is_expected": False, "narrative": "Admitted overnight"},
            timedelta(days=15),
        ),
        (
            {"is_life_threatening": True, "is_expected": False, "grade": 4, "narrative": "Apnoea"},
            timedelta(days=7),
        ),
    ],
)
def test_the_review_clock_runs_from_the_moment_of_submission(started, nurse, values, due_in):
    event = adverse_event_create(
        actor=nurse, session=started, data=_event(started, **values), submit=True
    )

    assert event.submitted_at == NOW
    assert event.review_due_at == NOW + due_in


def test_an_onset_up_to_five_minutes_ahead_is_accepted_and_later_is_refused(started, nurse):
    # Five minutes of grace for a device clock a little ahead of the server's.
    adverse_event_create(
        actor=nurse, session=started, data=_event(started, onset_at=NOW + timedelta(minutes=5))
    )

    with pytest.raises(ValidationError) as refused:
        adverse_event_create(
            actor=nurse,
            session=started,
            data=_event(started, onset_at=NOW + timedelta(minutes=5, seconds=1)),
        )
    assert refused.value.message_dict["onset_at"] == ["Onset cannot be in the future."]
