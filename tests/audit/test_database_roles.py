"""On PostgreSQL the database itself keeps the ledger: the application's role cannot switch the
triggers off, and a live row written without its history row is refused at commit.

Roles are created inside the test's transaction, so they vanish with its rollback.
"""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.triggers import MAINTENANCE_ROLE
from events.models import Patient
from events.services.patients import patient_update

pytestmark = pytest.mark.postgres_only

APP_ROLE = "sl_ledger_test_app"
OPS_ROLE = "sl_ledger_test_ops"


def run(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def create_role(name: str) -> None:
    """A login-less, non-superuser role with the application's privileges on every table."""
    run(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER NOCREATEROLE")
    run(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {name}")
    run(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {name}")


def rewrite_history_as(role: str, patient) -> None:
    with transaction.atomic():
        run(f"SET LOCAL ROLE {role}")
        run("SET LOCAL safety_ledger.maintenance = 'on'")
        run("UPDATE events_historicalpatient SET birth_year = 1999 WHERE id = %s", [patient.pk])
        run("RESET ROLE")


def test_the_application_role_cannot_switch_the_triggers_off(patient):
    create_role(APP_ROLE)

    with pytest.raises(DatabaseError, match=f"needs role {MAINTENANCE_ROLE}"):
        rewrite_history_as(APP_ROLE, patient)

    assert Patient.history.get().birth_year == 1980


def test_the_application_role_cannot_grant_itself_the_maintenance_role(patient):
    create_role(APP_ROLE)

    with pytest.raises(DatabaseError, match="must have admin option"), transaction.atomic():
        run(f"SET LOCAL ROLE {APP_ROLE}")
        run(f"GRANT {MAINTENANCE_ROLE} TO {APP_ROLE}")


def test_without_the_switch_even_a_maintenance_member_is_refused(patient):
    create_role(OPS_ROLE)
    run(f"GRANT {MAINTENANCE_ROLE} TO {OPS_ROLE}")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run(f"SET LOCAL ROLE {OPS_ROLE}")
        run("UPDATE events_historicalpatient SET birth_year = 1999 WHERE id = %s", [patient.pk])


def test_a_member_of_the_maintenance_role_can_switch_them_off(patient):
    create_role(OPS_ROLE)
    run(f"GRANT {MAINTENANCE_ROLE} TO {OPS_ROLE}")

    rewrite_history_as(OPS_ROLE, patient)

    assert Patient.history.get().birth_year == 1999


def check_deferred_constraints():
    """What COMMIT does first: run the deferred constraint triggers queued so far."""
    run("SET CONSTRAINTS ALL IMMEDIATE")
    run("SET CONSTRAINTS ALL DEFERRED")


def test_a_live_row_written_without_its_history_is_refused(patient):
    with pytest.raises(IntegrityError, match="without its history row"), transaction.atomic():
        run("UPDATE events_patient SET birth_year = 1999 WHERE id = %s", [patient.pk])
        check_deferred_constraints()

    patient.refresh_from_db()
    assert patient.birth_year == 1980


def test_a_live_row_with_a_copied_old_history_row_is_still_refused(patient, nurse):
    """Reverting a row to an earlier version's values, with that version's number, is caught:
    the history row for that version was not written in this transaction."""
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1981}, expected_version=1)
    check_deferred_constraints()

    with pytest.raises(IntegrityError, match="without its history row"), transaction.atomic():
        run(
            "UPDATE events_patient SET birth_year = 1980, version = 1 WHERE id = %s",
            [patient.pk],
        )
        check_deferred_constraints()


def test_writes_through_the_services_pass_the_check(patient, nurse):
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1981}, expected_version=1)
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1982}, expected_version=2)

    check_deferred_constraints()

    patient.refresh_from_db()
    assert patient.birth_year == 1982 and patient.version == 3


@pytest.mark.django_db(transaction=True)
def test_the_refusal_happens_at_commit(nurse, patient):
    with pytest.raises(IntegrityError, match="without its history row"), transaction.atomic():
        run("UPDATE events_patient SET birth_year = 1999 WHERE id = %s", [patient.pk])

    patient.refresh_from_db()
    assert patient.birth_year == 1980
    # The application's own path commits.
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1981}, expected_version=1)
    patient.refresh_from_db()
    assert patient.birth_year == 1981
