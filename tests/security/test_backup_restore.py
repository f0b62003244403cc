"""A backup taken while the application runs restores into a new database whose audit chains
verify, with the same row counts and chain heads as when it was taken."""

import json
import sqlite3
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.chain import chained_models, verify_chain
from tests.factories import AdverseEventFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ledger_with_events(session, nurse):
    from events.services.terms import event_terms_seed
    from tests.factories import system_actor

    event_terms_seed(actor=system_actor())
    return [AdverseEventFactory(session=session, reported_by=nurse) for _ in range(3)]


def _live_manifest() -> dict:
    tables = {}
    for model in chained_models():
        report = verify_chain(model)
        assert report.is_intact, report
        tables[report.table] = {
            "rows": report.rows,
            "head": report.head,
            "chains": {head.chain: head.hash for head in report.heads},
        }
    return tables


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup API")
def test_a_sqlite_backup_restores_with_identical_verified_chains(ledger_with_events, tmp_path):
    backup = tmp_path / "ledger.sqlite3"
    call_command("backup", output=str(backup))
    manifest = json.loads((tmp_path / "ledger.sqlite3.manifest.json").read_text())
    assert manifest["tables"] == _live_manifest()
    assert manifest["tables"]["events_historicaladverseevent"]["rows"] >= 3
    # Each site's chain is named with its head, so a restore missing one site's rows shows.
    site = ledger_with_events[0].site_id
    assert (
        f"events_historicaladverseevent@site{site}"
        in (manifest["tables"]["events_historicaladverseevent"]["chains"])
    )

    restored = tmp_path / "restored.sqlite3"
    call_command("restore", input=str(backup), target=str(restored))
    with sqlite3.connect(restored) as copy:
        (events,) = copy.execute("SELECT count(*) FROM events_adverseevent").fetchone()
    assert events == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup API")
def test_a_restore_refuses_a_backup_whose_chain_was_altered(ledger_with_events, tmp_path):
    backup = tmp_path / "ledger.sqlite3"
    call_command("backup", output=str(backup))
    with sqlite3.connect(backup) as copy:
        # Someone edits a history row in the backup file (bypassing the trigger).
        copy.execute("DROP TRIGGER events_historicaladverseevent_no_update")
        copy.execute("UPDATE events_historicaladverseevent SET grade = 4")
    with pytest.raises(CommandError, match="chain broken"):
        call_command("restore", input=str(backup), target=str(tmp_path / "restored.sqlite3"))


def test_a_backup_never_overwrites_a_file(tmp_path):
    existing = tmp_path / "ledger.backup"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("backup", output=str(existing))
    assert existing.read_text() == "keep me"


@pytest.mark.postgres_only
def test_a_postgres_dump_restores_into_a_new_database_with_identical_chains(
    ledger_with_events, tmp_path
):
    backup = tmp_path / "ledger.dump"
    call_command("backup", output=str(backup))
    manifest = json.loads((tmp_path / "ledger.dump.manifest.json").read_text())
    assert manifest["tables"] == _live_manifest()

    target = f"sl_restore_{uuid.uuid4().hex[:8]}"
    try:
        call_command("restore", input=str(backup), target_database=target)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
