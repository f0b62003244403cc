"""Scale-out: reports can read from a read replica, exports run in their own Celery queue.

The test settings declare a `replica` alias mirrored to the test database (a second
connection to the same database, as a streaming replica would be). These tests commit their
rows (transactional), because a second connection cannot see a test transaction's rows.
"""

from datetime import timedelta

import pytest
from celery import Celery
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.routers import ReportingReplicaRouter
from events.choices import EventStatus, SessionStatus
from events.models import AdverseEvent, EventTerm
from exports.csv_listing import listing_csv_chunks
from reporting.filters import ReportFilters
from reporting.selectors import reporting_database, safety_summary
from tests.factories import AdverseEventFactory, InfusionSessionFactory

REPLICA = ["default", "replica"]
RECORD_TABLES = ("events_infusionsession", "events_adverseevent")


@pytest.fixture
def vocabulary(transactional_db):
    """Transactional tests start from an emptied database: put the vocabulary back."""
    from events.services.terms import event_terms_seed
    from tests.factories import system_actor

    event_terms_seed(actor=system_actor())


@pytest.fixture
def reports_on_replica(settings):
    settings.REPORTING_DATABASE = "replica"
    return settings


@pytest.fixture
def completed_session_with_event(vocabulary, patient, nurse):
    session = InfusionSessionFactory(
        patient=patient, administered_by=nurse, status=SessionStatus.COMPLETED
    )
    AdverseEventFactory(
        session=session,
        term=EventTerm.objects.get(code="nausea"),
        onset_at=session.started_at + timedelta(minutes=20),
        status=EventStatus.SUBMITTED,
    )
    return session


def _touches_record_tables(queries) -> bool:
    return any(table in query["sql"] for query in queries for table in RECORD_TABLES)


@pytest.mark.django_db(transaction=True, databases=REPLICA)
def test_the_safety_summary_is_computed_on_the_replica(
    reports_on_replica, completed_session_with_event, director
):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        summary = safety_summary(director, ReportFilters())

    assert summary.sessions == 1 and summary.events == 1
    # Every GROUP BY ran on the replica; the primary only answered who may see which site.
    assert _touches_record_tables(on_replica.captured_queries)
    assert not _touches_record_tables(on_primary.captured_queries)


@pytest.mark.django_db(transaction=True, databases=REPLICA)
@pytest.mark.parametrize("use_copy", [False, True], ids=["cursor", "copy"])
def test_the_csv_listing_streams_from_the_replica(
    reports_on_replica, completed_session_with_event, director, use_copy
):
    if use_copy and connections["default"].vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        chunks = listing_csv_chunks(director, ReportFilters(), use_copy=use_copy)
        lines = b"".join(chunks).splitlines()

    assert len(lines) == 2  # header and the one event
    assert not _touches_record_tables(on_primary.captured_queries)
    if not use_copy:
        assert _touches_record_tables(on_replica.captured_queries)
    # COPY goes through psycopg's own cursor, which Django does not capture: the rows came
    # from the replica because the primary was never asked for them.


@pytest.mark.django_db(transaction=True, databases=REPLICA)
def test_filing_an_event_writes_to_the_primary_even_when_reports_use_the_replica(
    reports_on_replica, completed_session_with_event
):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        AdverseEventFactory(session=completed_session_with_event)

    assert on_replica.captured_queries == []
    assert AdverseEvent.objects.using("default").count() == 2


def test_a_configured_replica_is_where_reports_read_unless_another_alias_is_named(settings):
    del settings.REPORTING_DATABASE
    assert "replica" in settings.DATABASES
    assert reporting_database() == "replica"

    settings.DATABASES = {"default": settings.DATABASES["default"]}
    assert reporting_database() == "default"


def test_the_router_keeps_writes_and_migrations_on_the_primary():
    router = ReportingReplicaRouter()

    assert router.db_for_write(AdverseEvent) == "default"
    assert router.allow_migrate("default", "events") is True
    assert router.allow_migrate("replica", "events") is False


def test_export_jobs_are_sent_to_the_exports_queue_for_their_own_workers(settings):
    app = Celery("routing-check")
    app.config_from_object("django.conf:settings", namespace="CELERY")

    route = app.amqp.router.route({}, "exports.run_export_job")

    assert route["queue"].name == "exports"
    # Anything else stays on the default queue the web workers' jobs use.
    assert app.amqp.router.route({}, "other.task")["queue"].name == "celery"
