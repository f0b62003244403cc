"""What history and the hash chain add to a write: one statement on PostgreSQL, two on SQLite,
and no per-save rebuilding of simple-history's manager."""

from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AccessLog
from audit.services import access_log_record
from events.models import EventTerm
from events.services.adverse_events import adverse_event_create
from tests.factories import PatientFactory


def _file_event(nurse, session) -> list[str]:
    """File one event through the service; return the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        adverse_event_create(
            actor=nurse,
            session=session,
            data={
                "term": EventTerm.objects.get(code="nausea"),
                "onset_at": session.started_at + timedelta(minutes=20),
                "grade": 1,
            },
        )
    return [query["sql"] for query in captured.captured_queries]


class _Undo(Exception):
    pass


def test_history_adds_two_statements_to_filing_an_event(nurse, session, settings):
    _file_event(nurse, session)  # reads and caches the nurse's memberships
    settings.SIMPLE_HISTORY_ENABLED = False
    # Rolled back: an event without history is what PostgreSQL's deferred live-row check
    # refuses (at commit, or when the test's constraints are checked at teardown).
    try:
        with transaction.atomic():
            without_history = _file_event(nurse, session)
            raise _Undo
    except _Undo:
        pass
    settings.SIMPLE_HISTORY_ENABLED = True
    with_history = _file_event(nurse, session)

    history = [sql for sql in with_history if "historicaladverseevent" in sql]
    if connection.vendor == "postgresql":
        # Expect 1 more statement: the history INSERT, which takes the ledger lock, reads the
        # chain's head and links the row itself (`audit_chain_append`).
        assert len(with_history) == len(without_history) + 1, history
        assert len(history) == 1 and "audit_chain_append" in history[0]
    else:
        # Expect 2 more statements: the chain's head (SQLite's IMMEDIATE transaction is the
        # lock) and the history INSERT.
        assert len(with_history) == len(without_history) + 2, history
        assert len(history) == 2
    assert not any("pg_advisory_xact_lock" in sql for sql in with_history)


def test_a_ledger_row_keeps_the_primary_key_it_was_stored_under(nurse):
    entries = [
        access_log_record(user=nurse, action="view", object_type="events.patient", object_id=n)
        for n in range(3)
    ]

    stored = dict(AccessLog.objects.values_list("pk", "hash"))
    assert {entry.pk: entry.hash for entry in entries} == stored


def test_reading_a_records_history_reuses_one_manager_class(nurse, north):
    first, second = PatientFactory(site=north), PatientFactory(site=north)

    assert type(first.history) is type(second.history)
    assert first.history.instance == first
    assert list(second.history.values_list("id", flat=True)) == [second.pk]
