"""Outcome measures before an infusion, and the suicidality alerts they raise (DESIGN 12).

A positive PHQ-9 item 9 or a positive screen raises a `SuicidalityAlert` in the transaction
that stores the measures: if the alert cannot be written, neither are the measures, so a
positive screen is never stored without reaching the directors' queue.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import Actor, audited_save
from events.access import DIRECTORS, WRITERS, require_role
from events.choices import DetectedBy
from events.models import (
    AdverseEvent,
    AlertStatus,
    EventTerm,
    InfusionSession,
    OutcomeMeasure,
    SuicidalityAlert,
)
from events.models.measures import PHQ9_ITEMS
from events.notifications.choices import NotificationKind
from events.notifications.services import notify_site_directors
from events.services.common import assign, lock_current, optional_reason, require_reason, validate

MEASURE_FIELDS = (
    "recorded_at",
    *PHQ9_ITEMS,
    "phq9_total",
    "madrs_total",
    "gad7_total",
    "screen_ideation",
    "screen_behaviour",
    "screen_note",
    "entered_by_patient",
)
SUICIDAL_IDEATION_TERM = "suicidal_ideation"
# Measures are taken before the infusion: at most this long before the start...
EARLIEST_BEFORE_START = timedelta(hours=1)
# ...and no later than this after it (the form is often saved as the line goes in).
LATEST_AFTER_START = timedelta(minutes=15)


def outcome_measure_record(
    *, session: InfusionSession, actor: Actor, data: dict[str, object]
) -> tuple[OutcomeMeasure, SuicidalityAlert | None]:
    """Record the session's measures; return them with the alert they raised, if any."""
    require_role(actor, session.site_id, *WRITERS)
    if session.is_voided:
        raise ValidationError({"session": "This session was voided."})
    measure = OutcomeMeasure(session=session, recorded_by=actor)
    assign(measure, data, MEASURE_FIELDS)
    measure.recorded_at = measure.recorded_at or _default_time(session)
    measure.screen_note = (measure.screen_note or "").strip()
    if measure.phq9_total is None and None not in measure.items:
        measure.phq9_total = sum(v for v in measure.items if v is not None)
    with transaction.atomic():
        locked = InfusionSession.objects.select_for_update().get(pk=session.pk)
        _check_time(measure, locked)
        validate(measure)
        if OutcomeMeasure.objects.filter(session=locked, is_voided=False).exists():
            raise ValidationError(
                {"session": "This session already has measures; void them to correct them."}
            )
        audited_save(measure, actor=actor, reason="Outcome measures recorded")
        alert = suicidality_alert_raise(measure=measure, actor=actor)
    return measure, alert


def _default_time(session: InfusionSession) -> datetime:
    now = timezone.now()
    if session.started_at is not None and now > session.started_at + LATEST_AFTER_START:
        return session.started_at  # entered late: the scores describe the pre-infusion state
    return now


def _check_time(measure: OutcomeMeasure, session: InfusionSession) -> None:
    at = measure.recorded_at
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"recorded_at": "Measures cannot be recorded in the future."})
    if session.started_at is None:
        return
    if at < session.started_at - EARLIEST_BEFORE_START:
        raise ValidationError(
            {"recorded_at": "Measures are taken within the hour before the infusion starts."}
        )
    if at > session.started_at + LATEST_AFTER_START:
        raise ValidationError(
            {"recorded_at": "Measures are taken before the infusion, not after it started."}
        )


def alert_summary(measure: OutcomeMeasure) -> str:
    parts = []
    if measure.item9_positive:
        parts.append(f"PHQ-9 item 9 = {measure.phq9_item9}")
    if measure.screen_ideation:
        parts.append("screen: suicidal ideation")
    if measure.screen_behaviour:
        parts.append("screen: recent suicidal behaviour")
    return "Positive suicidality screen: " + ", ".join(parts)


def suicidality_alert_raise(*, measure: OutcomeMeasure, actor: Actor) -> SuicidalityAlert | None:
    """Raise the alert a positive item 9 or screen calls for, inside the caller's transaction.

    Any failure propagates, so the measures are not stored without their alert. The site's
    medical directors are notified (`events.notifications`): the notification is written in
    this transaction and its e-mail is sent after the commit, so a mail failure never undoes
    the record.
    """
    if not measure.raises_alert:
        return None
    alert = SuicidalityAlert(
        session=measure.session,
        measure=measure,
        summary=alert_summary(measure),
        raised_at=timezone.now(),
    )
    audited_save(alert, actor=actor, reason="Alert raised by a positive suicidality screen")
    site = measure.session.site
    # In this transaction too: the directors' notifications stand or fall with the alert.
    notify_site_directors(
        NotificationKind.SUICIDALITY_ALERT,
        site_id=site.pk,
        key=f"suicidality_alert:{alert.pk}",
        subject=f"Positive suicidality screen at {site.name}",
        body=(
            f"A positive suicidality screen was recorded at {site.name} before an infusion "
            f"(alert #{alert.pk}). It waits in your review queue."
        ),
        link=reverse("alert-detail", args=[alert.pk]),
        exclude=actor,
    )
    return alert


def suggested_grade(measure: OutcomeMeasure) -> int:
    """CTCAE v5 suicidal ideation: behaviour suggests a plan (3), stated ideation without a
    plan is 2, thoughts of death alone (item 9 only) 1. Staff edit the draft as they learn."""
    if measure.screen_behaviour:
        return 3
    if measure.screen_ideation:
        return 2
    return 1


def suicidality_alert_confirm(
    *,
    alert: SuicidalityAlert,
    actor: Actor,
    reason: str,
    file_event: bool,
    expected_version: int | None,
) -> SuicidalityAlert:
    """A director confirms the alert; with `file_event` a pre-filled draft "suicidal
    ideation" event is filed for the session and linked to the alert."""
    require_role(actor, alert.session.site_id, *DIRECTORS)
    reason = optional_reason(reason)
    with transaction.atomic():
        alert = lock_current(alert, expected_version)
        _require_open(alert)
        if file_event:
            alert.event = _file_event(alert, actor)
        _decide(alert, actor, AlertStatus.CONFIRMED, reason or "Alert confirmed")
    return alert


def _file_event(alert: SuicidalityAlert, actor: Actor) -> AdverseEvent:
    from events.services.adverse_events import adverse_event_create

    term = EventTerm.objects.filter(code=SUICIDAL_IDEATION_TERM, is_active=True).first()
    if term is None:
        raise ValidationError({"file_event": "The term 'suicidal ideation' is not active."})
    measure = alert.measure
    note = f" Note: {measure.screen_note}" if measure.screen_note else ""
    return adverse_event_create(
        actor=actor,
        session=alert.session,
        data={
            "term": term,
            "onset_at": measure.recorded_at,
            "grade": suggested_grade(measure),
            "detected_by": DetectedBy.PATIENT_REPORT,
            "is_expected": term.is_expected,
            "narrative": f"{alert.summary} before the infusion.{note}",
        },
    )


def suicidality_alert_dismiss(
    *, alert: SuicidalityAlert, actor: Actor, reason: str, expected_version: int | None
) -> SuicidalityAlert:
    require_role(actor, alert.session.site_id, *DIRECTORS)
    reason = require_reason(reason, "dismiss an alert")
    with transaction.atomic():
        alert = lock_current(alert, expected_version)
        _require_open(alert)
        _decide(alert, actor, AlertStatus.DISMISSED, reason)
    return alert


def _decide(alert: SuicidalityAlert, actor: Actor, status: str, reason: str) -> None:
    alert.status = status
    alert.decision_reason = reason
    alert.decided_by = actor
    alert.decided_at = timezone.now()
    alert.version += 1
    audited_save(alert, actor=actor, reason=reason)


def _require_open(alert: SuicidalityAlert) -> None:
    if alert.status != AlertStatus.OPEN:
        raise ValidationError({"status": f"This alert was already {alert.status}."})


def outcome_measure_void(
    *, measure: OutcomeMeasure, actor: Actor, reason: str, expected_version: int | None
) -> OutcomeMeasure:
    """Void mistyped measures so they can be recorded again; an alert they raised stays."""
    require_role(actor, measure.session.site_id, *WRITERS)
    reason = require_reason(reason, "void measures")
    with transaction.atomic():
        measure = lock_current(measure, expected_version)
        if measure.is_voided:
            raise ValidationError({"is_voided": "These measures are already voided."})
        measure.is_voided = True
        measure.void_reason = reason
        measure.version += 1
        audited_save(measure, actor=actor, reason=reason)
    return measure
