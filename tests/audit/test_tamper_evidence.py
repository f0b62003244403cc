"""`verify_audit` proves the ledger intact, and names the first row of any tampering.

Tampering goes around the append-only triggers the only way there is, the maintenance switch
(`maintenance_flush`), exactly as someone with database access could.
"""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import VerificationRun
from audit.services import access_log_record
from audit.triggers import maintenance_flush
from events.services.patients import patient_update

TABLE = "audit_accesslog"


def tamper(*statements):
    """Run raw SQL past the triggers; `{table}` in a statement stands for the access log."""
    with maintenance_flush(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql.format(table=TABLE), params)


def verify(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue()


def broken(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    assert raised.value.returncode == 1
    return str(raised.value), err.getvalue()


@pytest.fixture
def entries(nurse):
    return [
        access_log_record(user=nurse, action="view", object_type="events.patient", object_id=n)
        for n in range(1, 6)
    ]


def test_an_untouched_ledger_verifies_and_the_run_is_recorded(entries, session):
    output = verify()

    assert "All" in output and "chains intact" in output
    assert TABLE in output and "events_historicalpatient" in output
    run = VerificationRun.objects.get()
    assert run.is_intact and run.source == "command:verify_audit"
    summary = {t["table"]: t for t in run.tables}
    assert summary[TABLE]["rows"] == 5 and summary[TABLE]["head_pk"] == entries[-1].pk


def test_a_changed_value_is_named_by_table_and_row(entries):
    target = entries[2]
    tamper(("UPDATE {table} SET object_id = %s WHERE id = %s", ["999", target.pk]))

    message, errors = broken()

    assert f"{TABLE} at row {target.pk}" in message
    assert f"BROKEN {TABLE} at row {target.pk}" in errors


def test_a_deleted_row_is_named_by_the_row_after_it(entries):
    tamper(("DELETE FROM {table} WHERE id = %s", [entries[2].pk]))

    message, errors = broken()

    assert f"{TABLE} at row {entries[3].pk}" in message
    assert f"does not follow from row {entries[1].pk}" in errors


def test_two_rows_swapped_are_named_at_the_first_of_them(entries):
    first, second = entries[1].pk, entries[2].pk
    tamper(
        ("UPDATE {table} SET id = %s WHERE id = %s", [999_999, first]),
        ("UPDATE {table} SET id = %s WHERE id = %s", [first, second]),
        ("UPDATE {table} SET id = %s WHERE id = %s", [second, 999_999]),
    )

    message, _ = broken()

    assert f"{TABLE} at row {first}" in message


def test_a_row_inserted_in_the_middle_is_named(entries):
    # Make room after the second row, then slip a forged entry into the gap.
    statements = [
        ("UPDATE {table} SET id = %s WHERE id = %s", [entry.pk + 1, entry.pk])
        for entry in reversed(entries[2:])
    ]
    forged = entries[2].pk
    statements.append(
        (
            "INSERT INTO {table} (id, request_id, source, hash, occurred_at, username, action,"
            " object_type, object_id, detail) VALUES (%s, '', 'web', %s, %s, 'mallory', 'view',"
            " 'events.patient', '1', '{{}}')",
            [forged, entries[1].hash, entries[1].occurred_at],
        )
    )
    tamper(*statements)

    message, _ = broken()

    assert f"{TABLE} at row {forged}" in message


def test_a_changed_history_row_is_named(patient, nurse):
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1981}, expected_version=1)
    first = patient.history.order_by("history_id").first()
    tamper(
        (
            "UPDATE events_historicalpatient SET birth_year = 1999 WHERE history_id = %s",
            [first.history_id],
        )
    )

    message, _ = broken()

    assert f"events_historicalpatient at row {first.history_id}" in message


def test_rows_cut_from_the_end_are_caught_by_the_last_runs_heads(entries):
    verify()
    tamper(("DELETE FROM {table} WHERE id >= %s", [entries[3].pk]))

    message, errors = broken()

    assert TABLE in message and "rows missing at the end" in message
    assert f"recorded head row {entries[-1].pk} is missing" in errors


def test_rows_cut_from_the_end_are_caught_by_heads_recorded_in_a_file(entries, tmp_path):
    heads_file = tmp_path / "heads.txt"
    heads_file.write_text(verify("--heads"))
    assert f"{TABLE} {entries[-1].pk} {entries[-1].hash}" in heads_file.read_text()
    # The in-database record of runs goes too: only the operator's file is left to tell.
    tamper(
        ("DELETE FROM {table} WHERE id = %s", [entries[-1].pk]),
        ("DELETE FROM audit_verificationrun", []),
    )

    verify()  # the chain alone is consistent
    message, _ = broken("--expect-heads", str(heads_file))

    assert TABLE in message


def test_a_rewritten_chain_is_caught_by_recorded_heads(entries, tmp_path):
    heads_file = tmp_path / "heads.txt"
    heads_file.write_text(verify("--heads"))
    tamper(("UPDATE {table} SET hash = %s WHERE id = %s", ["f" * 64, entries[-1].pk]))

    message, _ = broken("--expect-heads", str(heads_file))

    assert f"{TABLE} at row {entries[-1].pk}" in message


def test_a_malformed_heads_file_is_refused(entries, tmp_path):
    heads_file = tmp_path / "heads.txt"
    heads_file.write_text("audit_accesslog 3 not-a-hash\n")
    with pytest.raises(CommandError, match="Line 1"):
        call_command("verify_audit", "--expect-heads", str(heads_file), stdout=io.StringIO())


def test_the_chain_status_page_runs_a_verification_for_an_auditor(client, auditor, entries):
    client.force_login(auditor)

    response = client.post("/audit/chain/verify/", follow=True)

    run = VerificationRun.objects.get()
    assert run.is_intact and run.username == "aubrey" and run.source == "web"
    assert "verified intact" in response.content.decode()


def test_staff_cannot_run_a_verification(client, nurse, entries):
    client.force_login(nurse)
    assert client.post("/audit/chain/verify/").status_code == 403
    assert not VerificationRun.objects.exists()


def test_verification_runs_are_themselves_append_only(entries):
    verify()
    run = VerificationRun.objects.get()
    run.is_intact = False
    with pytest.raises(Exception, match="append-only"):
        run.save()
    assert VerificationRun.objects.get().is_intact


def test_the_command_exits_non_zero_from_the_shell_on_a_break(tmp_path):
    """The exit status an operator's cron job sees, on a throwaway SQLite database."""
    root = Path(__file__).resolve().parents[2]
    env = {
        "PATH": "/usr/bin:/bin",
        "SAFETY_LEDGER_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_SUPERUSER_PASSWORD": "a long enough password 1",
    }

    def manage(*args, stdin=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert manage("migrate", "--no-input", "-v", "0").returncode == 0
    created = manage("createsuperuser", "--no-input", "--username", "root", "--email", "r@x.org")
    assert created.returncode == 0, created.stderr
    ok = manage("verify_audit")
    assert ok.returncode == 0, ok.stderr
    # Someone with the database file rewrites an account's history behind the triggers.
    tampering = (
        "from django.db import connection\n"
        "from audit.triggers import maintenance_flush\n"
        "with maintenance_flush(), connection.cursor() as cursor:\n"
        "    cursor.execute(\"UPDATE audit_historicaluser SET username = 'someone'\")\n"
    )
    assert manage("shell", stdin=tampering).returncode == 0
    failed = manage("verify_audit")
    assert failed.returncode == 1
    assert "BROKEN audit_historicaluser at row 1" in failed.stderr


def test_accounts_created_by_a_command_are_labelled_with_it(db):
    from django.contrib.auth import get_user_model

    call_command(
        "createsuperuser",
        "--no-input",
        "--username",
        "root",
        "--email",
        "r@x.org",
        stdout=io.StringIO(),
    )
    row = get_user_model().objects.get(username="root").history.get()
    assert row.source == "command:createsuperuser"


def test_heads_print_one_line_per_chain(entries):
    lines = [line for line in verify("--heads").splitlines() if not line.startswith("#")]
    heads = {line.split()[0]: line.split()[1:] for line in lines}
    assert heads[TABLE] == [str(entries[-1].pk), entries[-1].hash]
    assert "events_historicalpatient" in heads
    assert all(len(digest) == 64 for _, digest in heads.values())


# The tampering battery. Each case tampers with a patient's ledger the way someone with
# database access could, then runs `verify_audit` without a heads file and with one.

HISTORY = "events_historicalpatient"
LIVE = "events_patient"


@pytest.fixture
def versions(patient, nurse, north):
    """The history ids of `patient`'s versions 1-3; another patient's row lies between the
    first and the second, and the last two are the end of the chain."""
    from tests.factories import PatientFactory

    PatientFactory(site=north, chart_number="N-1002")
    for version, year in ((1, 1981), (2, 1982)):
        patient_update(
            patient=patient, actor=nurse, data={"birth_year": year}, expected_version=version
        )
    return list(patient.history.order_by("history_id").values_list("history_id", flat=True))


def run_sql(sql, params=()):
    with maintenance_flush(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def relink_from(first_pk: int) -> None:
    """Recompute the hash of `first_pk` and every later row, as a careful forger would, so
    the chain is consistent again from the start to its (new) end."""
    from audit.canonical import chained_fields
    from audit.chain import GENESIS_HASH, link

    model = history_model()
    names = ["history_id", "hash"] + [f.attname for f in chained_fields(model)]
    # The row's own chain (its site's): the other chains of the table are left alone.
    rows = model.objects.filter(chain_site_id=model.objects.get(pk=first_pk).chain_site_id)
    before = rows.filter(pk__lt=first_pk).order_by("-pk").values_list("hash", flat=True)
    previous = before.first() or GENESIS_HASH
    for values in rows.filter(pk__gte=first_pk).order_by("pk").values(*names):
        previous = link(previous, model, values)
        sql = f"UPDATE {HISTORY} SET hash = %s WHERE history_id = %s"  # noqa: S608
        run_sql(sql, [previous, values["history_id"]])


def history_model():
    from events.models import Patient

    return Patient.history.model


def shift_up_from(first_pk: int) -> None:
    """Make room for one row before `first_pk` (ids moved one up, last first)."""
    model = history_model()
    for pk in model.objects.filter(pk__gte=first_pk).order_by("-pk").values_list("pk", flat=True):
        run_sql(f"UPDATE {HISTORY} SET history_id = %s WHERE history_id = %s", [pk + 1, pk])  # noqa: S608


def insert_copy(of_pk: int, as_pk: int, *, birth_year: int, digest: str) -> None:
    model = history_model()
    row = model.objects.get(pk=of_pk)
    columns = [f.column for f in model._meta.concrete_fields if f.column != "history_id"]
    values = {f.column: getattr(row, f.attname) for f in model._meta.concrete_fields}
    values.update(history_id=as_pk, birth_year=birth_year, hash=digest)
    columns = ["history_id", *columns]
    placeholders = ", ".join(["%s"] * len(columns))
    run_sql(
        f"INSERT INTO {HISTORY} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
        [values[c] for c in columns],
    )


def both_ways(tmp_path, tamper_with, *, run_first=False) -> dict[str, str]:
    """The report of `verify_audit` after tampering, without a heads file (relying on the
    last recorded run when `run_first`) and with heads recorded before the tampering."""
    heads_file = tmp_path / "heads.txt"
    heads_file.write_text(verify("--heads"))
    if run_first:
        verify()
    tamper_with()
    return {
        "without heads": " ".join(broken()),
        "with heads": " ".join(broken("--expect-heads", str(heads_file))),
    }


def assert_named(reports: dict[str, str], *places: str) -> None:
    for mode, report in reports.items():
        for place in places:
            assert place in report, (mode, place, report)


def test_battery_a_changed_field_in_a_history_row_is_named(versions, tmp_path):
    middle = versions[1]
    reports = both_ways(
        tmp_path,
        lambda: run_sql(
            f"UPDATE {HISTORY} SET birth_year = 1999 WHERE history_id = %s",  # noqa: S608
            [middle],
        ),
    )
    assert_named(reports, f"{HISTORY} at row {middle}", f"BROKEN {HISTORY} at row {middle}")


def test_battery_a_history_row_deleted_in_the_middle_is_named(versions, tmp_path):
    middle, after = versions[1], versions[2]
    reports = both_ways(
        tmp_path,
        lambda: run_sql(f"DELETE FROM {HISTORY} WHERE history_id = %s", [middle]),  # noqa: S608
    )
    assert_named(reports, f"{HISTORY} at row {after}", f"does not follow from row {middle - 1}")


def test_battery_the_last_rows_deleted_are_named(patient, versions, tmp_path):
    reports = both_ways(
        tmp_path,
        lambda: run_sql(
            f"DELETE FROM {HISTORY} WHERE history_id >= %s",  # noqa: S608
            [versions[1]],
        ),
    )
    # Without heads, the live row tells: it is at version 3, its latest history at version 1.
    assert_named(reports, f"MISMATCH {LIVE} row {patient.pk}", "in: birth_year, version")
    # With them, the chain itself is known to have lost its end.
    assert f"recorded head row {versions[-1]} is missing" in reports["with heads"]


def test_battery_a_live_row_edited_without_a_history_row_is_named(patient, versions, tmp_path):
    reports = both_ways(
        tmp_path,
        lambda: run_sql(f"UPDATE {LIVE} SET birth_year = 1999 WHERE id = %s", [patient.pk]),  # noqa: S608
    )
    assert_named(
        reports,
        f"{LIVE} row {patient.pk}",
        f"live row differs from its latest history version (history_id {versions[-1]}) "
        "in: birth_year",
    )


def test_battery_a_live_row_with_no_history_at_all_is_named(patient, versions, tmp_path):
    reports = both_ways(
        tmp_path,
        lambda: run_sql(f"DELETE FROM {HISTORY} WHERE id = %s", [patient.pk]),  # noqa: S608
    )
    assert_named(reports, f"MISMATCH {LIVE} row {patient.pk}: live row has no history row")


def test_battery_a_forged_history_row_with_a_wrong_hash_is_named(patient, versions, tmp_path):
    forged = versions[-1] + 1
    reports = both_ways(
        tmp_path,
        lambda: insert_copy(versions[-1], forged, birth_year=1950, digest="f" * 64),
    )
    assert_named(reports, f"{HISTORY} at row {forged}", f"{LIVE} row {patient.pk}")


def forge_in_the_middle(versions):
    """A forged version slipped in before the second, every hash from it on recomputed."""
    shift_up_from(versions[1])
    insert_copy(versions[0], versions[1], birth_year=1950, digest="0" * 64)
    relink_from(versions[1])


def rewrite_and_relink(versions):
    """The middle version changed, and its hash and every later one recomputed."""
    run_sql(
        f"UPDATE {HISTORY} SET birth_year = 1950 WHERE history_id = %s",  # noqa: S608
        [versions[1]],
    )
    relink_from(versions[1])


@pytest.mark.parametrize("forgery", [forge_in_the_middle, rewrite_and_relink])
def test_battery_a_consistently_relinked_chain_is_named_only_against_recorded_heads(
    versions, tmp_path, forgery
):
    head = versions[-1]
    reports = both_ways(tmp_path, lambda: forgery(versions), run_first=True)

    # The last intact run's heads (without a file) and the file's both name the head row.
    assert_named(reports, f"{HISTORY} at row {head}", "no longer has the recorded head hash")


@pytest.mark.parametrize("forgery", [forge_in_the_middle, rewrite_and_relink])
def test_battery_a_consistently_relinked_chain_passes_when_no_heads_were_ever_recorded(
    versions, forgery
):
    """The limit docs/audit.md states: without a head recorded before the forgery, a chain
    rewritten consistently from some row on proves nothing wrong."""
    forgery(versions)

    assert "chains intact" in verify()


def test_the_chain_status_page_names_a_live_row_that_does_not_match(client, auditor, patient):
    run_sql(f"UPDATE {LIVE} SET birth_year = 1999 WHERE id = %s", [patient.pk])  # noqa: S608
    client.force_login(auditor)

    page = client.post("/audit/chain/verify/", follow=True).content.decode()

    assert f"live records that do not match their history in: {LIVE}" in page
    assert "Live records against their history" in page
    assert f"row {patient.pk}: live row differs from its latest history version" in page
    assert "in: birth_year" in page
