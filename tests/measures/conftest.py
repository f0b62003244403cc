"""Fixtures of the measures tests: a session about to start, and a full PHQ-9."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from events.models.measures import PHQ9_ITEMS
from tests.api.conftest import as_auditor, as_director, as_nurse, as_outsider  # noqa: F401
from tests.factories import InfusionSessionFactory


@pytest.fixture
def chair_session(patient, nurse):
    """A session that started five minutes ago: measures recorded now are pre-infusion."""
    return InfusionSessionFactory(
        patient=patient, administered_by=nurse, started_at=timezone.now() - timedelta(minutes=5)
    )


def phq9(*items: int) -> dict:
    """A PHQ-9 body from nine item scores."""
    assert len(items) == 9
    return dict(zip(PHQ9_ITEMS, items, strict=True))


NEGATIVE = {**phq9(2, 2, 2, 1, 1, 2, 1, 1, 0), "screen_ideation": False, "screen_behaviour": False}
ITEM9_POSITIVE = {**phq9(2, 2, 2, 1, 1, 2, 1, 1, 1)}


@pytest.fixture
def signed_in():
    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in
