"""`manage.py seed_demo`: demo data that is deterministic, follows the record's rules, and is
audited like any other write (history from `command:seed_demo`, intact hash chains)."""

from collections import defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from audit.chain import chained_models, verify_chain
from audit.models import AccessAction, AccessLog
from events.choices import EventStatus, Role, SessionStatus, SuggestionStatus
from events.demo import ACCOUNTS, CHANGE_REASON, PASSWORD
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    InfusionSession,
    Membership,
    Patient,
    Site,
    VitalSign,
)
from events.rules import dose_band, minutes_between, review_due_at, total_dose_matches
from events.services.adverse_events import signed_content_hash

SESSIONS = 60
SOURCE = "command:seed_demo"
User = get_user_model()
SEEDED_MODELS = (
    User,
    Site,
    Membership,
    Patient,
    InfusionSession,
    VitalSign,
    AdverseEvent,
    ElectronicSignature,
    AlertSuggestion,
)


def seed_demo(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"sessions": SESSIONS, **options})
    return out.getvalue()


def fingerprint() -> tuple:
    """What a seed decides: who the patients are and what happened in each session."""
    patients = sorted(
        Patient.objects.values_list("chart_number", "birth_year", "sex", "indication")
    )
    events = sorted(
        AdverseEvent.objects.values_list(
            "session__patient__chart_number",
            "session__sequence_number",
            "term__code",
            "grade",
            "status",
            "onset_minutes",
        )
    )
    return patients, events


def seed_and_roll_back(seed: int) -> tuple:
    with transaction.atomic():
        seed_demo(seed=seed)
        result = fingerprint()
        transaction.set_rollback(True)
    return result


@pytest.fixture
def output(db):
    return seed_demo()


def test_seeding_creates_sessions_with_patients_vitals_events_and_sign_offs(output):
    assert InfusionSession.objects.count() == SESSIONS
    assert Site.objects.count() == 4
    assert 3 <= Patient.objects.count() < SESSIONS
    assert VitalSign.objects.count() >= 4 * SESSIONS
    assert 0.1 * SESSIONS <= AdverseEvent.objects.count() <= 1.5 * SESSIONS
    statuses = set(AdverseEvent.objects.values_list("status", flat=True))
    assert {EventStatus.SIGNED_OFF, EventStatus.SUBMITTED} <= statuses
    signed = AdverseEvent.objects.filter(status=EventStatus.SIGNED_OFF).count()
    assert ElectronicSignature.objects.count() == signed
    assert InfusionSession.objects.filter(status=SessionStatus.IN_PROGRESS).exists()
    assert "Seeded 60 sessions" in output


def test_the_same_seed_gives_the_same_record_and_another_seed_a_different_one(db):
    first = seed_and_roll_back(42)
    again = seed_and_roll_back(42)
    other = seed_and_roll_back(7)

    assert first == again
    assert len(first[1]) > SESSIONS / 10
    assert other != first


def test_every_seeded_row_has_history_from_the_command_with_a_user(output):
    # People and places are written through the services with the demo's reason; records
    # carry the reasons of the service steps they went through (test_seed_history_shape).
    for model in SEEDED_MODELS:
        ids = set(model.objects.values_list("pk", flat=True))
        created = model.history.filter(
            source=SOURCE, history_type="+", history_user__isnull=False
        ).exclude(request_id="")
        if model in (User, Site, Membership):
            created = created.filter(history_change_reason=CHANGE_REASON)
        audited = set(created.values_list(model._meta.pk.attname, flat=True))
        assert ids and ids == audited, model.__name__


def test_role_grants_are_in_the_access_log_as_well(output):
    grants = AccessLog.objects.filter(action=AccessAction.ROLE_CHANGE, source=SOURCE)

    assert grants.count() == Membership.objects.count()


def test_every_hash_chain_verifies_after_seeding(output):
    for model in chained_models():
        report = verify_chain(model)
        assert report.is_intact, (report.table, report.first_break, report.problem)


def test_sessions_carry_the_derived_fields_the_services_would_set(output):
    now = timezone.now()
    by_patient = defaultdict(list)
    for session in InfusionSession.objects.select_related("patient", "site"):
        session.full_clean(validate_constraints=False)
        assert session.site_id == session.patient.site_id
        assert total_dose_matches(session.dose_mg_per_kg, session.weight_kg, session.total_dose_mg)
        assert session.dose_band == dose_band(session.dose_mg_per_kg)
        local = timezone.localtime(session.started_at, session.site.zone)
        assert session.month == local.strftime("%Y-%m")
        assert session.started_at <= now
        if session.status == SessionStatus.IN_PROGRESS:
            assert session.ended_at is None and session.discharged_at is None
            assert now - session.started_at < timedelta(hours=1)
        else:
            assert session.started_at < session.ended_at <= session.discharged_at <= now
        by_patient[session.patient_id].append(session)
    for sessions in by_patient.values():
        sessions.sort(key=lambda s: s.started_at)
        assert [s.sequence_number for s in sessions] == list(range(1, len(sessions) + 1))


def test_vital_signs_are_valid_readings_inside_their_session_window(output):
    for vital in VitalSign.objects.select_related("session"):
        vital.full_clean(validate_constraints=False)
        assert vital.minutes_from_start == minutes_between(vital.session.started_at, vital.taken_at)
        assert vital.taken_at <= timezone.now()


def test_events_follow_the_model_rules_and_carry_derived_fields(output):
    now = timezone.now()
    events = AdverseEvent.objects.select_related("session", "term", "source_vital")
    for event in events:
        event.full_clean(validate_constraints=False)
        session = event.session
        window_end = session.discharged_at or now
        assert session.started_at - timedelta(hours=1) <= event.onset_at <= window_end
        assert event.resolved_at is None or event.onset_at <= event.resolved_at <= now
        assert event.site_id == session.site_id
        assert event.onset_minutes == minutes_between(session.started_at, event.onset_at)
        assert event.is_serious == any(getattr(event, name) for name in event.CRITERIA)
        assert event.grade < 5 and not event.is_death
        assert event.term.grade_text(event.grade), (event.term.code, event.grade)
        if event.source_vital_id:
            assert event.source_vital.session_id == event.session_id
        if event.status == EventStatus.VOIDED:
            assert event.void_reason
        if event.status in (EventStatus.SUBMITTED, EventStatus.SIGNED_OFF):
            assert event.onset_at <= event.submitted_at <= now
            assert event.review_due_at == review_due_at(
                event.submitted_at,
                is_serious=event.is_serious,
                is_expected=event.is_expected,
                is_fatal_or_lt=event.is_death or event.is_life_threatening,
            )


def test_signatures_are_bound_to_the_signed_version_by_a_director_of_the_site(output):
    directors = set(
        Membership.objects.filter(role=Role.MEDICAL_DIRECTOR).values_list("user_id", "site_id")
    )
    signatures = ElectronicSignature.objects.select_related("event", "signed_by")
    assert signatures.exists()
    for signature in signatures:
        event = signature.event
        values = {name: getattr(event, name) for name in AdverseEvent.SIGNED_FIELDS}
        assert signature.content_hash == signed_content_hash(values)
        assert event.status == EventStatus.SIGNED_OFF and event.causality
        assert signature.event_version == event.version - 1
        assert signature.is_current
        assert (signature.signed_by_id, event.site_id) in directors
        assert signature.signed_by_id != event.reported_by_id
        assert event.submitted_at <= signature.signed_at <= timezone.now()
        assert signature.signer_name == signature.signed_by.get_full_name()


def test_sessions_in_the_chair_today_have_open_suggestions(output):
    suggestions = AlertSuggestion.objects.select_related("session", "vital_sign", "term")

    assert suggestions.exists()
    for suggestion in suggestions:
        assert suggestion.status == SuggestionStatus.OPEN
        assert suggestion.session.status == SessionStatus.IN_PROGRESS
        assert suggestion.vital_sign.session_id == suggestion.session_id
        assert suggestion.summary.startswith(f"{suggestion.term.name}, grade {suggestion.grade}")


def test_demo_logins_are_printed_and_hold_their_roles(output):
    assert PASSWORD in output
    for spec in ACCOUNTS:
        assert spec.username in output
        user = User.objects.get(username=spec.username)
        assert user.check_password(PASSWORD)
        held = set(Membership.objects.filter(user=user).values_list("site__code", "role"))
        assert held == set(spec.memberships)
    validate_password(PASSWORD, User.objects.get(username="nurse"))
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff


def test_if_empty_seeds_an_empty_database_and_does_nothing_the_second_time(db):
    seed_demo(if_empty=True)
    counts = {model: model.objects.count() for model in SEEDED_MODELS}
    history = {model: model.history.count() for model in SEEDED_MODELS}

    output = seed_demo(if_empty=True, seed=7)

    assert "nothing seeded" in output
    assert {model: model.objects.count() for model in SEEDED_MODELS} == counts
    assert {model: model.history.count() for model in SEEDED_MODELS} == history


def test_seeding_over_existing_sessions_without_if_empty_is_refused(output):
    with pytest.raises(CommandError, match="already holds 60 infusion sessions"):
        seed_demo()
