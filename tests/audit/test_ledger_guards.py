"""The write paths that would skip history are closed, in Python and in the database."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from simple_history.utils import bulk_create_with_history

from audit.chain import chained_models, verify_chain
from audit.context import audit_context
from audit.models import AccessLog, AuditBypassError, MissingActorError
from audit.services import access_log_record, audited_save
from events.models import Patient, Site
from tests.factories import PatientFactory


def test_queryset_update_delete_and_bulk_update_are_refused(patient):
    with pytest.raises(AuditBypassError):
        Patient.objects.filter(pk=patient.pk).update(birth_year=1990)
    with pytest.raises(AuditBypassError):
        Patient.objects.bulk_update([patient], ["birth_year"])
    with pytest.raises(AuditBypassError):
        Patient.objects.filter(pk=patient.pk).delete()
    with pytest.raises(AuditBypassError):
        patient.delete()
    with pytest.raises(AuditBypassError):
        patient.save_without_historical_record()
    patient.refresh_from_db()
    assert patient.birth_year == 1980


def test_a_write_without_an_actor_fails_and_stores_nothing(north):
    patient = Patient(site=north, chart_number="X-1", birth_year=1970, sex="male", indication="mdd")
    with pytest.raises(MissingActorError), transaction.atomic():
        patient.save()
    assert not Patient.objects.filter(chart_number="X-1").exists()
    assert not Patient.history.filter(chart_number="X-1").exists()


def test_a_failing_history_write_leaves_no_record(north, nurse, monkeypatch):
    history_model = Patient.history.model

    def broken_save(self, *args, **kwargs):
        raise IntegrityError("history insert failed")

    monkeypatch.setattr(history_model, "save", broken_save)
    patient = Patient(site=north, chart_number="X-2", birth_year=1970, sex="male", indication="mdd")
    with pytest.raises(IntegrityError), transaction.atomic():
        audited_save(patient, actor=nurse, reason="test")
    assert not Patient.objects.filter(chart_number="X-2").exists()


def test_history_rows_carry_request_id_source_and_actor_name(north, nurse):
    with audit_context("command:test", request_id="11111111-2222-3333-4444-555555555555"):
        patient = PatientFactory(site=north, actor=nurse)
    row = patient.history.get()
    assert row.request_id == "11111111-2222-3333-4444-555555555555"
    assert row.source == "command:test"
    assert row.history_user_name == "alice"


def test_bulk_created_history_joins_the_chain(north, nurse):
    PatientFactory(site=north)
    patients = [
        Patient(site=north, chart_number=f"B-{i}", birth_year=1980, sex="female", indication="trd")
        for i in range(5)
    ]
    with transaction.atomic():
        bulk_create_with_history(patients, Patient, default_user=nurse)
    PatientFactory(site=north)
    report = verify_chain(Patient.history.model)
    assert report.is_intact and report.rows == 7


def test_access_log_rows_are_chained(nurse):
    for _ in range(3):
        access_log_record(user=nurse, action="view", object_type="events.patient", object_id=1)
    report = verify_chain(AccessLog)
    assert report.is_intact and report.rows == 3


@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET source = 'x'", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_change_history_or_the_access_log(patient, nurse, statement):
    access_log_record(user=nurse, action="view")
    for table in ("events_historicalpatient", "audit_accesslog"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement.format(table=table))
    assert Patient.history.count() == 1
    assert AccessLog.objects.count() == 1


@pytest.mark.postgres_only
def test_truncate_of_a_history_table_is_refused_on_postgresql(patient):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE events_historicalpatient")
    assert Patient.history.count() == 1


def test_every_chain_is_intact_after_ordinary_writes(session):
    for model in chained_models():
        assert verify_chain(model).is_intact, model


def test_site_thresholds_history_survives_renamed_user(north, director):
    from events.services.sites import site_thresholds_update

    site_thresholds_update(
        site=north, actor=director, data={"systolic_high": 170}, expected_version=1
    )
    director.username = "dana.renamed"
    audited_save(director, actor=director, reason="rename")
    row = Site.history.filter(id=north.pk).order_by("-history_id").first()
    assert row.history_user_name == "dana"
