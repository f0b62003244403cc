"""Concurrent writers append to one chain per table and site, never a fork (PostgreSQL,
threads)."""

import threading
import time

import pytest
from django.db import connection, transaction

from audit.chain import chained_models, verify_chain
from audit.models import AccessLog
from audit.services import access_log_record
from config.env import sqlite_database
from events.models import Patient
from events.services.patients import patient_create
from tests.factories import PatientFactory

WRITERS = 6
WRITES_EACH = 5


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_valid_chain_per_table(north, nurse):
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def file_patients(writer: int) -> None:
        try:
            start.wait()
            for number in range(WRITES_EACH):
                patient = patient_create(
                    actor=nurse,
                    site=north,
                    data={
                        "chart_number": f"C-{writer}-{number}",
                        "birth_year": 1980,
                        "sex": "female",
                        "indication": "trd",
                    },
                )
                access_log_record(
                    user=nurse, action="view", object_type="events.patient", object_id=patient.pk
                )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_patients, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    total = WRITERS * WRITES_EACH
    assert Patient.history.count() == total
    assert AccessLog.objects.count() == total
    for model in chained_models():
        report = verify_chain(model)
        assert report.is_intact, report
    # One chain: every row's predecessor is the row just before it, so no two rows share one.
    hashes = list(AccessLog.objects.order_by("pk").values_list("hash", flat=True))
    assert len(set(hashes)) == total


def _wait_until_a_writer_waits_for_the_ledger_lock(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return
    pytest.fail("the second writer never waited for the ledger lock")


def _second_access_log_writer(nurse, *, after: threading.Event, site_id: int | None = None):
    """A thread that appends one access-log row (in the chain of `site_id`) once `after` is
    set; its errors are returned in the list, for the test to assert on after joining it."""
    errors: list[BaseException] = []

    def write() -> None:
        try:
            after.wait()
            access_log_record(
                user=nurse,
                action="view",
                object_type="events.patient",
                object_id=2,
                site_id=site_id,
            )
        except BaseException as error:  # noqa: BLE001 - reported by the test's assertion
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread, errors


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_that_waited_for_the_lock_chains_onto_the_row_committed_meanwhile(nurse):
    # The first writer holds the ledger lock, with its row inserted but not committed, until
    # the second is seen waiting for the lock. The second must then read the first's row as
    # the head: a head read in the same statement as the lock would see the chain as it was
    # before the wait, and both rows would follow the same predecessor.
    first_row_inserted = threading.Event()
    thread, errors = _second_access_log_writer(nurse, after=first_row_inserted)
    with transaction.atomic():
        access_log_record(user=nurse, action="view", object_type="events.patient", object_id=1)
        first_row_inserted.set()
        _wait_until_a_writer_waits_for_the_ledger_lock()
    thread.join()

    assert not errors, errors
    report = verify_chain(AccessLog)
    assert report.is_intact and report.rows == 2, report


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_keys_follow_the_chain_when_a_writer_waits_for_the_lock(north, nurse):
    # The first writer takes the site's chain lock with another table's row (a patient's
    # history), and appends to the access log only once the second is waiting for the lock to
    # append to the same site's chain there. The second row must get the later key: keys
    # drawn before the lock would put it first in the table but after the first writer's row
    # in the chain.
    holding_the_lock = threading.Event()
    thread, errors = _second_access_log_writer(nurse, after=holding_the_lock, site_id=north.pk)
    with transaction.atomic():
        PatientFactory(site=north, actor=nurse)
        holding_the_lock.set()
        _wait_until_a_writer_waits_for_the_ledger_lock()
        access_log_record(user=nurse, action="view", object_type="events.patient", object_id=1)
    thread.join()

    assert not errors, errors
    assert list(AccessLog.objects.order_by("pk").values_list("object_id", flat=True)) == [
        "1",
        "2",
    ]
    assert verify_chain(AccessLog).is_intact


def test_sqlite_transactions_take_the_write_lock_when_they_begin(tmp_path):
    # On SQLite the chain takes no lock of its own: IMMEDIATE transactions admit one writer
    # at a time, so a chain's head cannot move between reading it and inserting after it.
    database = sqlite_database(tmp_path / "ledger.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
