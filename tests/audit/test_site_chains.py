"""One chain per site (and a global chain) in every ledger table: writers at different sites
never wait on each other, a transaction appends to one chain, and verification, heads and
tampering all speak per chain."""

import io
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.chain import chain_heads, verify_chain
from audit.models import AccessLog
from audit.services import access_log_record
from audit.triggers import maintenance_flush
from events.models import Patient
from tests.factories import PatientFactory, SiteFactory

HISTORY = "events_historicalpatient"


def _chains(model) -> dict:
    rows = model.objects.order_by("pk").values_list("pk", "chain_site_id")
    return dict(rows)


@pytest.mark.django_db
def test_rows_join_their_sites_chain_and_rows_without_a_site_the_global_one(north, south, nurse):
    at_north = PatientFactory(site=north, actor=nurse)
    at_south = PatientFactory(site=south, actor=nurse)
    entry = access_log_record(user=nurse, action="view", object_type="events.patient", object_id=1)

    history = Patient.history.model
    assert history.objects.get(id=at_north.pk).chain_site_id == north.pk
    assert history.objects.get(id=at_south.pk).chain_site_id == south.pk
    assert entry.chain_site_id is None
    # Each site's chain starts from the genesis hash of its own: both verify.
    report = verify_chain(history)
    assert report.is_intact, report
    assert {head.site for head in report.heads} >= {north.pk, south.pk}
    names = {head.chain for head in chain_heads()}
    assert f"{HISTORY}@site{north.pk}" in names
    assert f"{HISTORY}@site{south.pk}" in names
    assert "audit_accesslog" in names


@pytest.mark.django_db
def test_a_transaction_appends_to_the_chain_of_its_first_row(north, south, nurse):
    with transaction.atomic():
        PatientFactory(site=north, actor=nurse)
        second = PatientFactory(site=south, actor=nurse)
        entry = access_log_record(user=nurse, action="view", object_type="x", object_id=1)
    with transaction.atomic():
        third = PatientFactory(site=south, actor=nurse)

    history = Patient.history.model
    # One chain lock per transaction: the south row and the site-less entry join north's.
    assert history.objects.get(id=second.pk).chain_site_id == north.pk
    assert entry.chain_site_id == north.pk
    assert history.objects.get(id=third.pk).chain_site_id == south.pk
    assert verify_chain(history).is_intact
    assert verify_chain(AccessLog).is_intact


@pytest.mark.django_db
def test_a_row_moved_to_another_sites_chain_is_named(north, south, nurse):
    PatientFactory(site=north, actor=nurse)
    moved = PatientFactory(site=north, actor=nurse)
    PatientFactory(site=south, actor=nurse)
    history_id = Patient.history.get(id=moved.pk).history_id
    with maintenance_flush(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {HISTORY} SET chain_site_id = %s WHERE history_id = %s",  # noqa: S608
            [south.pk, history_id],
        )

    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    assert f"{HISTORY} at row {history_id}" in str(raised.value)


@pytest.mark.django_db
def test_a_sites_chain_cut_at_its_end_is_named_against_recorded_heads(
    north, south, nurse, tmp_path
):
    PatientFactory(site=north, actor=nurse)
    last_at_south = PatientFactory(site=south, actor=nurse)
    PatientFactory(site=north, actor=nurse)  # the table's last row is north's
    heads = tmp_path / "heads.txt"
    out = io.StringIO()
    call_command("verify_audit", "--heads", stdout=out)
    heads.write_text(out.getvalue())
    history_id = Patient.history.get(id=last_at_south.pk).history_id
    assert f"{HISTORY}@site{south.pk} {history_id} " in heads.read_text()
    with maintenance_flush(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {HISTORY} WHERE history_id = %s", [history_id])  # noqa: S608

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--expect-heads", str(heads), stdout=io.StringIO(), stderr=err)
    assert (
        f"recorded head row {history_id} is missing (chain {HISTORY}@site{south.pk})"
        in err.getvalue()
    )


@pytest.mark.django_db
def test_heads_recorded_before_the_split_still_check_the_global_chain(nurse, tmp_path):
    entries = [
        access_log_record(user=nurse, action="view", object_type="x", object_id=n) for n in range(3)
    ]
    heads = tmp_path / "heads.txt"
    heads.write_text(f"audit_accesslog {entries[-1].pk} {'f' * 64}\n")

    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", "--expect-heads", str(heads), stdout=io.StringIO(), stderr=err)
    assert f"row {entries[-1].pk} no longer has the recorded head hash" in err.getvalue()


def _wait_for_advisory_waiter(seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def _writer_at(site, nurse, done: threading.Event, errors: list) -> threading.Thread:
    def write() -> None:
        try:
            PatientFactory(site=site, actor=nurse)
            done.set()
        except BaseException as error:  # noqa: BLE001 - reported by the test's assertion
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_writer_at_another_site_commits_while_a_site_holds_its_chain_lock(north, nurse):
    # One transaction holds north's chain lock (its patient inserted, not committed) while a
    # writer at another site files and commits, and a second north writer waits for the lock.
    east = SiteFactory(code="east")
    errors: list[BaseException] = []
    east_done, north_done = threading.Event(), threading.Event()
    with transaction.atomic():
        PatientFactory(site=north, actor=nurse)
        east_writer = _writer_at(east, nurse, east_done, errors)
        assert east_done.wait(20), "the writer at another site waited for north's chain lock"
        east_writer.join()
        north_writer = _writer_at(north, nurse, north_done, errors)
        assert _wait_for_advisory_waiter(), "a second north writer did not wait for the lock"
        assert not north_done.is_set()
    north_writer.join()

    assert not errors, errors
    history = Patient.history.model
    report = verify_chain(history)
    assert report.is_intact, report
    assert sorted(history.objects.values_list("chain_site_id", flat=True)) == sorted(
        [north.pk, north.pk, east.pk]
    )


@pytest.mark.django_db
def test_the_chain_status_page_and_api_list_each_sites_head(
    client, api_client, auditor, north, nurse
):
    PatientFactory(site=north, actor=nurse)
    last = Patient.history.model.objects.order_by("-pk").first()
    line = f"{HISTORY}@site{north.pk} {last.pk} {last.hash}"
    client.force_login(auditor)

    assert line in client.get("/audit/chain/").content.decode()

    api_client.force_authenticate(auditor)
    heads = api_client.get("/api/v1/audit/verification/").json()["heads"]
    assert {
        "chain": f"{HISTORY}@site{north.pk}",
        "table": HISTORY,
        "site": north.pk,
        "last_pk": last.pk,
        "hash": last.hash,
    } in heads
