"""Infusion sessions: start, correct, finish, discharge and void."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audited_save
from events.access import WRITERS, require_role
from events.choices import SessionStatus
from events.models import InfusionSession, Patient
from events.rules import dose_band
from events.services.common import (
    assign,
    lock_current,
    optional_reason,
    require_reason,
    validate,
)

START_FIELDS = (
    "drug",
    "route",
    "dose_mg_per_kg",
    "weight_kg",
    "total_dose_mg",
    "planned_duration_min",
    "lot_number",
    "started_at",
    "status",
    "baseline_bp_acceptable",
    "is_fasting",
    "takes_benzodiazepines",
    "takes_psychostimulants",
    "takes_maois",
    "takes_other_sedatives",
    "notes",
)
EDITABLE_FIELDS = tuple(name for name in START_FIELDS if name != "status") + (
    "ended_at",
    "discharged_at",
    "minutes_to_discharge_ready",
)


def _derive(session: InfusionSession) -> None:
    """Total dose (when not given), dose band and reporting month follow from other fields."""
    try:
        dose = Decimal(str(session.dose_mg_per_kg))
        weight = Decimal(str(session.weight_kg))
    except (InvalidOperation, TypeError, ValueError):
        return  # field validation names the bad value
    if session.total_dose_mg in (None, ""):
        session.total_dose_mg = (dose * weight).quantize(Decimal("0.01"))
    session.dose_band = dose_band(dose)
    if session.started_at:
        session.month = timezone.localtime(session.started_at, session.site.zone).strftime("%Y-%m")


def infusion_session_start(*, actor, patient: Patient, data: dict) -> InfusionSession:
    """Start (or plan) a session; its number in the patient's course is derived."""
    require_role(actor, patient.site_id, *WRITERS)
    session = InfusionSession(patient=patient, site_id=patient.site_id, administered_by=actor)
    assign(session, data, START_FIELDS)
    if session.status not in (SessionStatus.PLANNED, SessionStatus.IN_PROGRESS):
        raise ValidationError({"status": "A new session is either planned or in progress."})
    if session.status == SessionStatus.IN_PROGRESS and session.started_at is None:
        session.started_at = timezone.now()
    with transaction.atomic():
        # The patient row lock keeps two tablets from giving two sessions the same number.
        Patient.objects.select_for_update().get(pk=patient.pk)
        session.sequence_number = (
            InfusionSession.objects.filter(patient=patient, is_voided=False).count() + 1
        )
        _derive(session)
        validate(session)
        audited_save(session, actor=actor, reason="Session started")
    return session


def infusion_session_update(
    *, session: InfusionSession, actor, data: dict, expected_version: int | None, reason: str = ""
) -> InfusionSession:
    require_role(actor, session.site_id, *WRITERS)
    reason = optional_reason(reason)
    with transaction.atomic():
        session = lock_current(session, expected_version)
        if not assign(session, data, EDITABLE_FIELDS):
            return session
        if "total_dose_mg" not in data and {"dose_mg_per_kg", "weight_kg"} & set(data):
            session.total_dose_mg = None
        session.version += 1
        _derive(session)
        validate(session)
        audited_save(session, actor=actor, reason=reason or "Session details changed")
    return session


def infusion_session_finish(
    *,
    session: InfusionSession,
    actor,
    status: str,
    expected_version: int | None,
    ended_at=None,
    reason: str = "",
) -> InfusionSession:
    """Complete a session, or stop it early (a reason is then required)."""
    require_role(actor, session.site_id, *WRITERS)
    if status not in (SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY):
        raise ValidationError({"status": "Finish a session as completed or stopped early."})
    if status == SessionStatus.STOPPED_EARLY:
        reason = require_reason(reason, "stop a session early")
    else:
        reason = optional_reason(reason)
    with transaction.atomic():
        session = lock_current(session, expected_version)
        if session.status != SessionStatus.IN_PROGRESS:
            raise ValidationError({"status": "Only a session in progress can be finished."})
        session.status = status
        session.ended_at = ended_at or timezone.now()
        session.version += 1
        validate(session)
        audited_save(session, actor=actor, reason=reason or "Session completed")
    return session


def infusion_session_discharge(
    *,
    session: InfusionSession,
    actor,
    expected_version: int | None,
    discharged_at=None,
    minutes_to_discharge_ready: int | None = None,
) -> InfusionSession:
    require_role(actor, session.site_id, *WRITERS)
    with transaction.atomic():
        session = lock_current(session, expected_version)
        if session.status not in (SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY):
            raise ValidationError({"status": "Finish the session before discharge."})
        session.discharged_at = discharged_at or timezone.now()
        if minutes_to_discharge_ready is None and session.ended_at:
            elapsed = session.discharged_at - session.ended_at
            minutes_to_discharge_ready = max(0, int(elapsed.total_seconds() // 60))
        session.minutes_to_discharge_ready = minutes_to_discharge_ready
        session.version += 1
        validate(session)
        audited_save(session, actor=actor, reason="Patient discharged")
    return session


def infusion_session_void(
    *, session: InfusionSession, actor, reason: str, expected_version: int | None
) -> InfusionSession:
    """Mark a session entered in error; it stays visible to auditors."""
    require_role(actor, session.site_id, *WRITERS)
    reason = require_reason(reason, "void a session")
    with transaction.atomic():
        session = lock_current(session, expected_version)
        if session.is_voided:
            raise ValidationError({"is_voided": "This session is already voided."})
        session.is_voided = True
        session.void_reason = reason
        session.version += 1
        audited_save(session, actor=actor, reason=reason)
    return session
