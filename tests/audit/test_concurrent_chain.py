"""Concurrent writers append to one chain per table, never a fork (PostgreSQL, threads)."""

import threading

import pytest
from django.db import connection

from audit.chain import chained_models, verify_chain
from audit.models import AccessLog
from audit.services import access_log_record
from events.models import Patient
from events.services.patients import patient_create

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
