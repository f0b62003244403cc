"""How `seed_demo` stores its batches (`events.demo.storage`): from a writer process outside a
transaction, inline inside one, and never silently when storing fails."""

import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from audit.chain import chained_models, verify_chain
from events.demo import storage
from events.models import AdverseEvent, InfusionSession, VitalSign
from events.services.terms import event_terms_seed
from tests.subprocesses import run_django


@pytest.mark.django_db
def test_inside_a_transaction_batches_are_stored_on_the_callers_connection():
    with transaction.atomic():
        assert storage.stores_inline("default")


@pytest.mark.django_db(transaction=True)
def test_a_seed_outside_a_transaction_is_whole_and_chained(django_user_model):
    """On PostgreSQL (and a SQLite file) the batches go through the writer process; an
    in-memory SQLite test database is stored inline, as no other process can open it."""
    # Transactional tests empty every table, the migrations' vocabulary included.
    event_terms_seed(actor=django_user_model.objects.create_user("vocabulary"))
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert storage.stores_inline("default") == in_memory

    call_command("seed_demo", "--profile", "stress", "--sessions", "40", stdout=StringIO())

    assert InfusionSession.objects.count() == 40
    assert VitalSign.objects.exists() and AdverseEvent.objects.exists()
    for model in chained_models():
        report = verify_chain(model)
        assert report.is_intact, (report.table, report.first_break, report.problem)


def test_a_seed_into_a_sqlite_file_goes_through_the_writer_process_and_verifies(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from events.demo import storage\n"
        "call_command('migrate', verbosity=0)\n"
        "print('inline' if storage.stores_inline('default') else 'process')\n"
        "call_command('seed_demo', '--profile', 'stress', '--sessions', '60')\n"
        "call_command('verify_audit')\n"
    )

    result = run_django(script, tmp_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0] == "process"
    assert "chains intact" in result.stdout
    [database] = list(tmp_path.rglob("*.sqlite3"))
    with sqlite3.connect(database) as stored:
        sessions = stored.execute("SELECT count(*) FROM events_infusionsession").fetchone()[0]
        versions = stored.execute("SELECT count(*) FROM events_historicalinfusionsession")
        assert sessions == 60
        assert versions.fetchone()[0] >= 2 * sessions  # started, then completed or stopped


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_cannot_be_stored_stops_the_writer_and_says_why():
    writer = storage.WriterProcess("default")
    writer.put([("events.eventterm", ("no_such_column",), [[1]])])

    with pytest.raises(RuntimeError, match="storing a batch failed") as failure:
        writer.close()

    assert "no_such_column" in str(failure.value)
