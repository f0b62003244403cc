"""Two events of one patient filed alike, the pair a director resolves."""

from datetime import timedelta

import pytest

from events.models import EventTerm
from tests.factories import AdverseEventFactory


@pytest.fixture
def pair(session, nurse):
    """Nausea at 15 and at 40 minutes into the same session, both submitted."""
    nausea = EventTerm.objects.get(code="nausea")
    first = AdverseEventFactory(
        session=session,
        term=nausea,
        reported_by=nurse,
        status="submitted",
        onset_at=session.started_at + timedelta(minutes=15),
    )
    second = AdverseEventFactory(
        session=session,
        term=nausea,
        reported_by=nurse,
        status="submitted",
        onset_at=session.started_at + timedelta(minutes=40),
    )
    return first, second
