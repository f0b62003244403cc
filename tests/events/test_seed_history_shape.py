"""The bulk seed writes history in the shape the services write it: for each lifecycle, the
same versions, history types, change reasons and actors, the same ledger columns filled, and
every chain verifies."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from audit.chain import chained_models, site_of, verify_chain
from audit.live_rows import verify_all_live_rows
from events.choices import Drug, EventStatus, Route, SessionStatus
from events.models import (
    AdverseEvent,
    ElectronicSignature,
    EventTerm,
    InfusionSession,
    Membership,
    Patient,
    VitalSign,
)
from events.services.adverse_events import (
    adverse_event_assess,
    adverse_event_create,
    adverse_event_sign_off,
)
from events.services.patients import patient_create
from events.services.sessions import (
    infusion_session_discharge,
    infusion_session_finish,
    infusion_session_start,
)
from events.services.vitals import vital_sign_record

LEDGER_COLUMNS = (
    "history_user_id",
    "history_user_name",
    "request_id",
    "source",
    "chain_site_id",
    "hash",
)


def chains(record) -> set:
    """The chains a record's history rows joined, as the record's site or another."""
    site = site_of(record)
    return {
        "own site" if chain_site == site else chain_site
        for chain_site in record.history.values_list("chain_site_id", flat=True)
    }


def shape(record, roles: dict) -> list[tuple]:
    """A record's history as (type, version, reason, actor's role), oldest first."""
    return [
        (row.history_type, getattr(row, "version", None), row.history_change_reason,
         roles.get(row.history_user_id, "other"))
        for row in record.history.order_by("history_id")
    ]  # fmt: skip


def filled_columns(record) -> set[str]:
    row = record.history.order_by("-history_id").first()
    return {name for name in LEDGER_COLUMNS if getattr(row, name) not in (None, "")}


def service_path(nurse, director, password, north):
    """One patient, one completed session with a reading and a signed-off event."""
    now = timezone.now()
    patient = patient_create(
        actor=nurse,
        site=north,
        data={"chart_number": "SVC-1", "birth_year": 1980, "sex": "female", "indication": "trd"},
    )
    session = infusion_session_start(
        actor=nurse,
        patient=patient,
        data={
            "drug": Drug.KETAMINE,
            "route": Route.IV,
            "dose_mg_per_kg": Decimal("0.500"),
            "weight_kg": Decimal("80.0"),
            "total_dose_mg": Decimal("40.00"),
            "status": SessionStatus.IN_PROGRESS,
            "started_at": now - timedelta(hours=3),
        },
    )
    vital, _ = vital_sign_record(
        session=session,
        actor=nurse,
        data={"taken_at": now - timedelta(hours=2, minutes=30), "systolic": 131,
              "diastolic": 80, "heart_rate": 76, "spo2": 98, "respiratory_rate": 14},
    )  # fmt: skip
    session = infusion_session_finish(
        session=session, actor=nurse, status=SessionStatus.COMPLETED, expected_version=1,
        ended_at=now - timedelta(hours=2, minutes=20),
    )  # fmt: skip
    session = infusion_session_discharge(
        session=session, actor=nurse, expected_version=2, discharged_at=now - timedelta(hours=2)
    )
    event = adverse_event_create(
        actor=nurse,
        session=session,
        submit=True,
        data={
            "term": EventTerm.objects.get(code="dissociation"),
            "onset_at": session.started_at + timedelta(minutes=20),
            "grade": 1,
        },
    )
    event = adverse_event_assess(
        event=event, actor=director, causality="probable", expected_version=1
    )
    signature = adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=2
    )
    return patient, session, vital, AdverseEvent.objects.get(pk=event.pk), signature


def test_a_bulk_seed_writes_the_history_the_services_write(nurse, director, password, north):
    # The seed fills an empty database; the service path runs after it, at another site.
    call_command("seed_demo", sessions=80, stdout=StringIO())
    records = service_path(nurse, director, password, north)
    roles = {nurse.pk: "staff", director.pk: "director"}
    expected = {type(record): shape(record, roles) for record in records}
    columns = {type(record): filled_columns(record) for record in records}
    # Every step the services took joined the chain of the record's own site.
    assert all(chains(record) == {"own site"} for record in records)

    seeded_roles = {}
    for user_id, role in Membership.objects.filter(site__isnull=False).values_list(
        "user_id", "role"
    ):
        seeded_roles[user_id] = "director" if role == "medical_director" else role
    lifecycles = {
        Patient: Patient.objects.exclude(chart_number="SVC-1"),
        InfusionSession: InfusionSession.objects.filter(status=SessionStatus.COMPLETED).exclude(
            patient__chart_number="SVC-1"
        ),
        VitalSign: VitalSign.objects.exclude(session__patient__chart_number="SVC-1"),
        AdverseEvent: AdverseEvent.objects.filter(status=EventStatus.SIGNED_OFF).exclude(
            session__patient__chart_number="SVC-1"
        ),
        ElectronicSignature: ElectronicSignature.objects.exclude(
            event__session__patient__chart_number="SVC-1"
        ),
    }
    for model, seeded in lifecycles.items():
        assert seeded.exists(), model.__name__
        for record in seeded[:40]:
            assert shape(record, seeded_roles) == expected[model], model.__name__
            assert filled_columns(record) == columns[model], model.__name__
            assert chains(record) == {"own site"}, model.__name__
            latest = record.history.order_by("-history_id").first()
            if hasattr(record, "version"):
                assert latest.version == record.version
            assert latest.history_date <= timezone.now()

    for model in chained_models():
        report = verify_chain(model)
        assert report.is_intact, (report.table, report.first_break, report.problem)
    # Every live row equals its latest history version, as after the services.
    for report in verify_all_live_rows():
        assert report.problem_count == 0, (report.table, report.problems[:3])
