"""Pages run a fixed number of queries whatever the number of rows they show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    VitalSignFactory,
)

# Every page request starts with:
# * the login session
# * the signed-in user
# * the user's memberships (read once per request, then cached on the user)
# * the unread notifications (the count in the navigation)
REQUEST = 4


def access_log_queries() -> int:
    # Writing the access-log row:
    # * savepoint
    # * (SQLite only) the head of the access-log chain; PostgreSQL links the row in its insert
    # * the insert
    # * savepoint release
    return 3 if connection.vendor == "postgresql" else 4


@pytest.mark.parametrize("rows", [1, 5])
def test_home_page_for_staff(signed_in, nurse, north, rows, django_assert_num_queries):
    for _ in range(rows):
        InfusionSessionFactory(patient=PatientFactory(site=north))
    client = signed_in(nurse)
    # * today's sessions with their patients, sites and staff (one joined query)
    # * the questions waiting for the nurse's answer, with their events and sites
    with django_assert_num_queries(REQUEST + 2 + access_log_queries()):
        response = client.get("/")
    assert response.text.count("Open<span") == rows


@pytest.mark.parametrize("rows", [1, 5])
def test_home_page_for_a_director(signed_in, director, session, rows, django_assert_num_queries):
    for _ in range(rows):
        AdverseEventFactory(
            session=session,
            status=EventStatus.SUBMITTED,
            submitted_at=timezone.now(),
            review_due_at=timezone.now() + timedelta(days=30),
        )
    client = signed_in(director)
    # * today's sessions
    # * the questions waiting for the director's answer (as reporter)
    # * queue counts (total and overdue in one aggregate)
    # * the ids of the first five events of the queue, part by part (without a due time,
    #   serious and unexpected, serious, the rest: four reads), then those events with term
    #   and site
    # * the number of overdue questions
    with django_assert_num_queries(REQUEST + 9 + access_log_queries()):
        response = client.get("/")
    assert f"<strong>{rows}</strong> submitted event" in response.text


@pytest.mark.parametrize("rows", [1, 5])
def test_patient_list(signed_in, nurse, north, rows, django_assert_num_queries):
    for _ in range(rows):
        PatientFactory(site=north)
    client = signed_in(nurse)
    # * count of the patients (pagination)
    # * the page of patients with their sites
    with django_assert_num_queries(REQUEST + 2 + access_log_queries()):
        response = client.get(reverse("patient-list"))
    assert response.text.count('<td class="chart-number"><a href="/patients/') == rows


@pytest.mark.parametrize("rows", [1, 5])
def test_session_page(signed_in, nurse, session, rows, django_assert_num_queries):
    for minute in range(rows):
        VitalSignFactory(session=session, taken_at=session.started_at + timedelta(minutes=minute))
        AdverseEventFactory(session=session)
    client = signed_in(nurse)
    # * the session with patient, site and staff
    # * its readings
    # * its events with terms and reporters
    # * its open suggestions with terms and readings
    # * its current outcome measures
    with django_assert_num_queries(REQUEST + 5 + access_log_queries()):
        response = client.get(reverse("session-detail", args=[session.pk]))
    # 130/80, the factory's reading: grade 1 as information (the first, at minute 0, is the
    # pre-infusion baseline), never a finding badge.
    assert response.text.count("BP grade 1 (baseline") == rows
    assert "Hypertension G1" not in response.text


@pytest.mark.parametrize("rows", [1, 5])
def test_review_queue(signed_in, director, north, rows, django_assert_num_queries):
    for _ in range(rows):
        AdverseEventFactory(
            session=InfusionSessionFactory(patient=PatientFactory(site=north)),
            status=EventStatus.SUBMITTED,
            submitted_at=timezone.now(),
            review_due_at=timezone.now() + timedelta(days=30),
        )
    client = signed_in(director)
    # * the number of events waiting
    # * the ids of the page's events in each part of the queue (without a due time, serious
    #   and unexpected, serious, the rest: four reads)
    # * those events, with terms, sites, reporters, sessions and patients
    # * the open questions of those events, counted per event
    # * the open suicidality alerts, with their sessions, sites and patients
    with django_assert_num_queries(REQUEST + 8 + access_log_queries()):
        response = client.get(reverse("review-queue"))
    assert response.text.count("left</strong>") == rows
