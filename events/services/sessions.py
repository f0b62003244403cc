"""Infusion sessions: start, correct, finish, discharge and void.

Two rules of the course hold across sessions, so every write that could break them takes the
patient's row lock first (two tablets cannot interleave):
- A session's number is its place among the patient's started, non-voided sessions in
  start-time order (`events.rules.course_numbers`). Starting a back-dated session, moving a
  start time or voiding a session renumbers the others, each with its own history row.
- A patient has at most one session in progress (also a partial unique index).
A session cannot start in the future; a planned one may be planned for any time.
"""

from collections.abc import Hashable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import Actor, audited_save
from events.access import WRITERS, require_role
from events.choices import SessionStatus
from events.models import InfusionSession, Patient
from events.rules import CourseEntry, course_numbers, dose_band
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


# A tablet's clock may run a little ahead of the server's.
START_CLOCK_TOLERANCE = timedelta(minutes=2)


def _check_start_time(session: InfusionSession) -> None:
    """A session that has started cannot have started in the future (a planned one can)."""
    if session.status == SessionStatus.PLANNED or session.started_at is None:
        return
    now = timezone.now()
    if session.started_at > now + START_CLOCK_TOLERANCE:
        local_now = timezone.localtime(now, session.site.zone)
        raise ValidationError(
            {
                "started_at": (
                    "A session cannot start in the future (it is now "
                    f"{local_now:%Y-%m-%d %H:%M} at the site). Correct the time, or plan the "
                    "session instead."
                )
            }
        )


def infusion_session_check(session: InfusionSession, *, exclude: tuple[str, ...] = ()) -> None:
    """The rules a session entered after the fact must meet, without writing it (the import):
    not started in the future, its derived fields filled, then the model's validation. The
    caller has set the relations (`exclude` names those it vouches for) and numbers the course."""
    _check_start_time(session)
    _derive(session)
    validate(session, exclude=list(exclude))


def _check_one_in_progress(session: InfusionSession) -> None:
    """A patient has at most one session in progress (the caller holds the patient lock)."""
    if session.status != SessionStatus.IN_PROGRESS or session.is_voided:
        return
    other = (
        InfusionSession.objects.filter(
            patient_id=session.patient_id, status=SessionStatus.IN_PROGRESS, is_voided=False
        )
        .exclude(pk=session.pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {
                "status": (
                    f"Patient {session.patient.chart_number} already has a session in progress "
                    f"(session {other.sequence_number}, id {other.pk}). Finish or void it "
                    "before starting another."
                )
            }
        )


def _lock_patient(patient_id: int) -> None:
    # Numbering and the one-in-progress rule read the patient's other sessions: one writer
    # per patient at a time.
    Patient.objects.select_for_update().only("pk").get(pk=patient_id)


def _course_numbers(patient_id: int, changed: InfusionSession | None = None) -> dict[Hashable, int]:
    """The course numbers of the patient's non-voided sessions, with `changed` (new, moved or
    voided) as it is about to be saved; a new session's number is under the key None."""
    others = InfusionSession.objects.filter(patient_id=patient_id, is_voided=False)
    if changed is not None and changed.pk is not None:
        others = others.exclude(pk=changed.pk)
    entries = [
        CourseEntry(pk, status != SessionStatus.PLANNED, started_at)
        for pk, status, started_at in others.values_list("pk", "status", "started_at")
    ]
    if changed is not None and not changed.is_voided:
        entries.append(
            CourseEntry(changed.pk, changed.status != SessionStatus.PLANNED, changed.started_at)
        )
    return course_numbers(entries)


def _renumber_others(
    session: InfusionSession, numbers: dict[Hashable, int], *, actor: Actor, reason: str
) -> list[InfusionSession]:
    """Give the patient's other sessions their numbers in `numbers`, each change an audited
    save with its own version, so the history shows every renumbering."""
    renumbered = []
    others = (
        InfusionSession.objects.select_for_update()
        .filter(patient_id=session.patient_id, is_voided=False)
        .exclude(pk=session.pk)
        .order_by("pk")
    )
    for other in others:
        number = numbers.get(other.pk)
        if number is None or number == other.sequence_number:
            continue
        other.sequence_number = number
        other.version += 1
        audited_save(other, actor=actor, reason=f"Course renumbered: {reason}")
        renumbered.append(other)
    return renumbered


def infusion_session_start(
    *, actor: Actor, patient: Patient, data: dict[str, Any]
) -> InfusionSession:
    """Start (or plan) a session. Its number is its place in the patient's course by start
    time; a back-dated start renumbers the sessions after it (with history)."""
    require_role(actor, patient.site_id, *WRITERS)
    session = InfusionSession(patient=patient, site_id=patient.site_id, administered_by=actor)
    assign(session, data, START_FIELDS)
    if session.status not in (SessionStatus.PLANNED, SessionStatus.IN_PROGRESS):
        raise ValidationError({"status": "A new session is either planned or in progress."})
    if session.status == SessionStatus.IN_PROGRESS and session.started_at is None:
        session.started_at = timezone.now()
    _check_start_time(session)
    with transaction.atomic():
        _lock_patient(patient.pk)
        _check_one_in_progress(session)
        numbers = _course_numbers(patient.pk, session)
        session.sequence_number = numbers.pop(None)
        _derive(session)
        validate(session)
        audited_save(session, actor=actor, reason="Session started")
        when = f"{session.started_at:%Y-%m-%d %H:%M} UTC" if session.started_at else "later"
        entered = f"a session starting {when} was entered"
        _renumber_others(session, numbers, actor=actor, reason=entered)
    return session


def infusion_session_update(
    *,
    session: InfusionSession,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> InfusionSession:
    """Correct a session's details. A new start time may move it in the patient's course:
    it and the others are renumbered (with history)."""
    require_role(actor, session.site_id, *WRITERS)
    reason = optional_reason(reason)
    with transaction.atomic():
        _lock_patient(session.patient_id)
        session = lock_current(session, expected_version)
        changed = assign(session, data, EDITABLE_FIELDS)
        if not changed:
            return session
        if "total_dose_mg" not in data and {"dose_mg_per_kg", "weight_kg"} & set(data):
            # Cleared so that `_derive` computes it again from the new dose and weight.
            session.total_dose_mg = None  # type: ignore[assignment]
        session.version += 1
        _check_start_time(session)
        numbers: dict[Hashable, int] = {}
        if "started_at" in changed and not session.is_voided:
            numbers = _course_numbers(session.patient_id, session)
            session.sequence_number = numbers.pop(session.pk)
        _derive(session)
        validate(session)
        audited_save(session, actor=actor, reason=reason or "Session details changed")
        moved = f"the start time of session id {session.pk} was corrected"
        _renumber_others(session, numbers, actor=actor, reason=moved)
    return session


def infusion_session_finish(
    *,
    session: InfusionSession,
    actor: Actor,
    status: str,
    expected_version: int | None,
    ended_at: datetime | None = None,
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
    actor: Actor,
    expected_version: int | None,
    discharged_at: datetime | None = None,
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
    *, session: InfusionSession, actor: Actor, reason: str, expected_version: int | None
) -> InfusionSession:
    """Mark a session entered in error; it stays visible to auditors and keeps the number it
    had, and the patient's later sessions move up one place (with history)."""
    require_role(actor, session.site_id, *WRITERS)
    reason = require_reason(reason, "void a session")
    with transaction.atomic():
        _lock_patient(session.patient_id)
        session = lock_current(session, expected_version)
        if session.is_voided:
            raise ValidationError({"is_voided": "This session is already voided."})
        session.is_voided = True
        session.void_reason = reason
        session.version += 1
        audited_save(session, actor=actor, reason=reason)
        numbers = _course_numbers(session.patient_id, session)
        voided = f"session {session.sequence_number} (id {session.pk}) was voided"
        _renumber_others(session, numbers, actor=actor, reason=voided)
    return session
