"""Fixtures of the web tests: signed-in clients for the people of tests/conftest.py, and
records in the states the pages act on."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from events.choices import EventStatus, Role
from events.models import EventTerm
from tests.factories import AdverseEventFactory, MembershipFactory, UserFactory


@pytest.fixture
def signed_in():
    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def second_director(north):
    user = UserFactory(username="devi", first_name="Devi", last_name="Director")
    MembershipFactory(user=user, site=north, role=Role.MEDICAL_DIRECTOR)
    return user


@pytest.fixture
def draft_event(session, nurse):
    return AdverseEventFactory(session=session, reported_by=nurse, actor=nurse)


@pytest.fixture
def submitted_event(session, nurse):
    now = timezone.now()
    return AdverseEventFactory(
        session=session,
        reported_by=nurse,
        actor=nurse,
        term=EventTerm.objects.get(code="hypertension"),
        grade=3,
        status=EventStatus.SUBMITTED,
        submitted_at=now,
        review_due_at=now + timedelta(days=30),
    )
