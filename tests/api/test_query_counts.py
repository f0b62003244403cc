"""Every list endpoint runs the same number of queries for 1 row as for 10.

Requests authenticate with a token, as an API client does, so each request reads its user
and memberships afresh. Lists of patient data also write their access-log row, which on
PostgreSQL takes the ledger's advisory lock first (one more query).
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction

from audit.services import audited_save
from events.choices import EventStatus, SuggestionStatus
from events.models import AlertSuggestion, EventTerm
from tests.api.conftest import Api
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    SiteFactory,
    VitalSignFactory,
    api_token,
)

# Queries every request makes:
# * the token with its user
# * the user's memberships (which sites they may see)
AUTH = 2
# Queries of the access-log row a list of patient data writes:
# * SAVEPOINT, INSERT, RELEASE SAVEPOINT
# * and on SQLite the chain head (last hash); PostgreSQL links the row inside its INSERT
ACCESS_LOG = 3 + (connection.vendor == "sqlite")


def _token_client(user) -> Api:
    api = Api()
    api.client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api


def _suggestions(session, count):
    vital = VitalSignFactory(session=session, systolic=190, diastolic=100)
    term = EventTerm.objects.get(code="hypertension")
    for _ in range(count):
        suggestion = AlertSuggestion(
            session=session,
            term=term,
            vital_sign=vital,
            grade=3,
            summary="Hypertension, grade 3",
            status=SuggestionStatus.DISMISSED,
            dismiss_reason="Cuff too small",
        )
        with transaction.atomic():
            audited_save(suggestion, actor=session.administered_by, reason="Test data")


def _events(north, nurse, count, status=EventStatus.DRAFT):
    for _ in range(count):
        session = InfusionSessionFactory(patient=PatientFactory(site=north))
        AdverseEventFactory(session=session, reported_by=nurse, status=status)


@pytest.mark.parametrize("rows", [1, 10])
def test_the_patient_list(nurse, north, rows, django_assert_num_queries):
    PatientFactory.create_batch(rows, site=north)
    api = _token_client(nurse)
    # Expect AUTH + 2 + ACCESS_LOG queries:
    # * count the patients at the user's sites
    # * one page of patients joined with their site
    with django_assert_num_queries(AUTH + 2 + ACCESS_LOG):
        response = api.get("/api/v1/patients/")
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_session_list(nurse, north, rows, django_assert_num_queries):
    for _ in range(rows):
        InfusionSessionFactory(patient=PatientFactory(site=north), administered_by=nurse)
    api = _token_client(nurse)
    # Expect AUTH + 2 + ACCESS_LOG queries:
    # * count the sessions
    # * one page of sessions joined with patient, site and administering user
    with django_assert_num_queries(AUTH + 2 + ACCESS_LOG):
        response = api.get("/api/v1/sessions/", {"status": "in_progress"})
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_vital_sign_list(nurse, session, rows, django_assert_num_queries):
    for minute in range(rows):
        VitalSignFactory(session=session, taken_at=session.started_at + timedelta(minutes=minute))
    api = _token_client(nurse)
    # Expect AUTH + 3 + ACCESS_LOG queries:
    # * the session (scoped to the user's sites)
    # * count its readings
    # * one page of readings
    with django_assert_num_queries(AUTH + 3 + ACCESS_LOG):
        response = api.get(f"/api/v1/sessions/{session.pk}/vitals/")
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_suggestion_list(nurse, session, rows, django_assert_num_queries):
    _suggestions(session, rows)
    api = _token_client(nurse)
    # Expect AUTH + 3 + ACCESS_LOG queries:
    # * the session (scoped to the user's sites)
    # * count its suggestions
    # * one page of suggestions joined with term and reading
    with django_assert_num_queries(AUTH + 3 + ACCESS_LOG):
        response = api.get(f"/api/v1/sessions/{session.pk}/suggestions/")
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_event_list(nurse, north, rows, django_assert_num_queries):
    _events(north, nurse, rows)
    api = _token_client(nurse)
    # Expect AUTH + 2 + ACCESS_LOG queries:
    # * count the events
    # * one page of events joined with term, site, reporter, session and patient
    with django_assert_num_queries(AUTH + 2 + ACCESS_LOG):
        response = api.get("/api/v1/events/", {"status": "draft", "term": "nausea"})
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_review_queue(nurse, director, north, rows, django_assert_num_queries):
    _events(north, nurse, rows, status=EventStatus.SUBMITTED)
    api = _token_client(director)
    # Expect AUTH + 7 + ACCESS_LOG queries:
    # * count the submitted events
    # * the ids of the page's events in each part of the queue (without a due time, serious
    #   and unexpected, serious, the rest: four reads)
    # * those events, with their joins
    # * the open questions of those events, counted per event
    with django_assert_num_queries(AUTH + 7 + ACCESS_LOG):
        response = api.get("/api/v1/review-queue/")
    assert response.data["count"] == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_term_list(nurse, rows, django_assert_num_queries):
    api = _token_client(nurse)
    # Expect 3 queries (the vocabulary is not patient data: no access-log row):
    # * the token with its user
    # * count the active terms
    # * one page of terms
    with django_assert_num_queries(3):
        response = api.get("/api/v1/terms/", {"page_size": rows})
    assert len(response.data["results"]) == rows


@pytest.mark.parametrize("rows", [1, 10])
def test_the_site_list(auditor, rows, django_assert_num_queries):
    SiteFactory.create_batch(rows)
    api = _token_client(auditor)
    # Expect AUTH + 2 queries:
    # * count the sites the user may see
    # * one page of sites
    with django_assert_num_queries(AUTH + 2):
        response = api.get("/api/v1/sites/")
    assert response.data["count"] == rows
