"""List pages and API lists cost the same number of queries for 1 row as for 20.

A related object read per row (an N+1) would add 19 queries between the two counts. The
count for one row is measured, then asserted for twenty, on the pages staff and directors
open all day: the patient list, the review queue (web and API), and the API's patient,
session, event, vital-sign, term and site lists. Query counts of the audit log and the trail
are pinned in tests/audit/test_auditor_pages.py.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.choices import EventStatus, SessionStatus
from events.models import EventTerm
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    UserFactory,
    VitalSignFactory,
)

pytestmark = pytest.mark.django_db


def _session(site, nurse):
    patient = PatientFactory(site=site)
    return InfusionSessionFactory(
        patient=patient, administered_by=nurse, status=SessionStatus.COMPLETED
    )


def _submitted_event(site, nurse):
    """An event in a session of its own, with its own patient, term and reporter, so a
    per-row read of any related object would show."""
    session = _session(site, nurse)
    terms = list(EventTerm.objects.filter(is_active=True).exclude(code="other").order_by("id"))
    reporter = UserFactory()
    return AdverseEventFactory(
        session=session,
        term=terms[session.pk % len(terms)],
        onset_at=session.started_at + timedelta(minutes=15),
        status=EventStatus.SUBMITTED,
        submitted_at=session.started_at + timedelta(minutes=30),
        review_due_at=session.started_at + timedelta(days=15),
        reported_by=reporter,
    )


def _add_patients(north, nurse, count):
    for _ in range(count):
        PatientFactory(site=north)


def _add_sessions(north, nurse, count):
    for _ in range(count):
        _session(north, nurse)


def _add_events(north, nurse, count):
    for _ in range(count):
        _submitted_event(north, nurse)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context.captured_queries)


# (url name, who asks, how rows are added, how many rows the page shows for one added row)
# Each page's queries, whatever the row count: the session and user, the memberships that
# scope the read, the page's rows (related objects joined), a COUNT for paginated API lists,
# and one access-log row (its chain head read and its insert) where the page is logged.
PAGES = [
    ("patient-list", "nurse", _add_patients),
    ("review-queue", "director", _add_events),
    ("api:patient-list", "nurse", _add_patients),
    ("api:session-list", "nurse", _add_sessions),
    ("api:event-list", "nurse", _add_events),
    ("api:review-queue", "director", _add_events),
]


@pytest.mark.parametrize(("url_name", "who", "add_rows"), PAGES)
def test_a_list_costs_the_same_queries_for_one_row_as_for_twenty(
    client, django_assert_num_queries, north, nurse, director, url_name, who, add_rows
):
    client.force_login({"nurse": nurse, "director": director}[who])
    url = reverse(url_name)
    add_rows(north, nurse, 1)
    client.get(url)  # the first request reads what later ones find cached (content types...)
    one_row = _queries(client, url)

    add_rows(north, nurse, 19)

    with django_assert_num_queries(one_row):
        response = client.get(url)
    assert response.status_code == 200


def test_the_vital_sign_list_of_a_session_does_not_grow_with_its_readings(
    client, django_assert_num_queries, session, nurse
):
    client.force_login(nurse)
    url = reverse("api:vital-list", args=[session.pk])
    VitalSignFactory(session=session, taken_at=session.started_at + timedelta(minutes=1))
    client.get(url)
    one_row = _queries(client, url)

    for minute in range(2, 21):
        VitalSignFactory(session=session, taken_at=session.started_at + timedelta(minutes=minute))

    with django_assert_num_queries(one_row):
        client.get(url)


@pytest.mark.parametrize("url_name", ["api:term-list", "api:site-list"])
def test_reference_lists_are_read_in_a_fixed_number_of_queries(
    client, django_assert_num_queries, nurse, url_name
):
    # Expect at most 6 queries: session, user, memberships, the rows, a COUNT for the page,
    # and the access log when the list is logged; the vocabulary (28 terms) is read at once.
    client.force_login(nurse)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(context.captured_queries) <= 6
