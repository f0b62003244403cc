"""Vital signs and the suggested events their readings raise (DESIGN section 4).

A reading raises a suggestion when it crosses one of the site's thresholds or rises at least
one CTCAE grade above the patient's pre-infusion baseline (`events.rules.chair_alerts`). The
baseline is the session's last reading with a blood pressure taken at or before the start;
pre-infusion readings themselves raise nothing (no drug has been given yet).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import Actor, audited_save
from events.access import WRITERS, require_role
from events.choices import DetectedBy, SuggestionStatus
from events.models import AdverseEvent, AlertSuggestion, EventTerm, InfusionSession, VitalSign
from events.rules import Alert, Reading, Thresholds, chair_alerts, minutes_between
from events.services.common import assign, lock_current, require_reason, validate

MEASUREMENT_FIELDS = VitalSign.MEASUREMENTS


def _thresholds(session: InfusionSession) -> Thresholds:
    site = session.site
    return Thresholds(**{name: getattr(site, name) for name in site.THRESHOLD_FIELDS})


def is_pre_infusion(vital: VitalSign, session: InfusionSession) -> bool:
    return session.started_at is not None and vital.taken_at <= session.started_at


def baseline_reading(session: InfusionSession) -> VitalSign | None:
    """The patient's pre-infusion baseline for this session: the last reading (not voided)
    with a blood pressure taken at or before the start, or None."""
    if session.started_at is None:
        return None
    return (
        VitalSign.objects.filter(session=session, is_voided=False, taken_at__lte=session.started_at)
        .filter(Q(systolic__isnull=False) | Q(diastolic__isnull=False))
        .order_by("-taken_at", "-pk")
        .first()
    )


def vital_alerts(vital: VitalSign, baseline: VitalSign | None) -> list[Alert]:
    """The suggestions `vital` raises, against its site's thresholds and `baseline`."""
    session = vital.session
    return chair_alerts(
        _reading(vital),
        _thresholds(session),
        _reading(baseline) if baseline is not None else None,
        is_pre_infusion=is_pre_infusion(vital, session),
    )


def _reading(vital: VitalSign) -> Reading:
    return Reading(
        systolic=vital.systolic,
        diastolic=vital.diastolic,
        heart_rate=vital.heart_rate,
        spo2=vital.spo2,
        respiratory_rate=vital.respiratory_rate,
        moaas=vital.moaas,
    )


def vital_sign_record(
    *, session: InfusionSession, actor: Actor, data: dict[str, Any]
) -> tuple[VitalSign, list[AlertSuggestion]]:
    """Record one set of readings; return it with the suggestions it raised or worsened."""
    require_role(actor, session.site_id, *WRITERS)
    if session.is_voided:
        raise ValidationError({"session": "This session was voided."})
    vital = VitalSign(session=session, recorded_by=actor)
    assign(vital, data, (*MEASUREMENT_FIELDS, "taken_at"))
    vital.taken_at = vital.taken_at or timezone.now()
    vital.minutes_from_start = minutes_between(session.started_at, vital.taken_at)
    with transaction.atomic():
        validate(vital)
        audited_save(vital, actor=actor, reason="Vital signs recorded")
        suggestions = _raise_suggestions(vital, actor)
    return vital, suggestions


def vital_sign_check(vital: VitalSign, *, exclude: tuple[str, ...] = ()) -> None:
    """The rules a set of readings must meet, without writing it (the import); readings
    entered after the fact raise no suggestions. `exclude` names the relations the caller
    has set and vouches for."""
    vital.minutes_from_start = minutes_between(vital.session.started_at, vital.taken_at)
    validate(vital, exclude=list(exclude))


def _summary(alert: Alert, term: EventTerm, vital: VitalSign) -> str:
    at = f" at {vital.minutes_from_start} min" if vital.minutes_from_start is not None else ""
    return f"{term.name}, grade {alert.grade}: {alert.description}{at}"


def _raise_suggestions(vital: VitalSign, actor: Actor) -> list[AlertSuggestion]:
    baseline = baseline_reading(vital.session)
    alerts = vital_alerts(vital, baseline)
    if not alerts:
        return []
    terms = {t.code: t for t in EventTerm.objects.filter(code__in=[a.term_code for a in alerts])}
    open_by_term = {
        s.term_id: s
        for s in AlertSuggestion.objects.select_for_update()
        .select_related("vital_sign")
        .filter(session=vital.session, status=SuggestionStatus.OPEN, term__in=terms.values())
    }
    changed = []
    for alert in alerts:
        term = terms.get(alert.term_code)
        if term is None:
            continue
        suggestion = open_by_term.get(term.pk)
        if suggestion is not None:
            previous = _alert_for(suggestion, term.code, baseline)
            if previous is not None and previous.severity >= alert.severity:
                continue  # the open suggestion already shows a worse reading
            suggestion.version += 1
            reason = "Suggestion updated to a worse reading"
        else:
            suggestion = AlertSuggestion(session=vital.session, term=term)
            reason = "Suggestion raised by a reading past a threshold"
        suggestion.vital_sign = vital
        suggestion.grade = alert.grade
        suggestion.summary = _summary(alert, term, vital)
        audited_save(suggestion, actor=actor, reason=reason)
        changed.append(suggestion)
    return changed


def _alert_for(
    suggestion: AlertSuggestion, term_code: str, baseline: VitalSign | None
) -> Alert | None:
    alerts = vital_alerts(suggestion.vital_sign, baseline)
    return next((a for a in alerts if a.term_code == term_code), None)


def suggestion_confirm(
    *, suggestion: AlertSuggestion, actor: Actor, expected_version: int | None
) -> AdverseEvent:
    """Turn a suggestion into a draft event linked to the reading that raised it."""
    from events.services.adverse_events import adverse_event_create

    require_role(actor, suggestion.session.site_id, *WRITERS)
    with transaction.atomic():
        suggestion = lock_current(suggestion, expected_version)
        _require_open(suggestion)
        vital = suggestion.vital_sign
        event = adverse_event_create(
            actor=actor,
            session=suggestion.session,
            data={
                "term": suggestion.term,
                "onset_at": vital.taken_at,
                "grade": suggestion.grade,
                "detected_by": DetectedBy.VITAL_SIGN_ALERT,
                "source_vital": vital,
                "is_expected": suggestion.term.is_expected,
                "narrative": suggestion.summary,
            },
        )
        suggestion.status = SuggestionStatus.CONFIRMED
        suggestion.event = event
        suggestion.version += 1
        audited_save(suggestion, actor=actor, reason="Suggestion confirmed as a draft event")
    return event


def suggestion_dismiss(
    *, suggestion: AlertSuggestion, actor: Actor, reason: str, expected_version: int | None
) -> AlertSuggestion:
    require_role(actor, suggestion.session.site_id, *WRITERS)
    reason = require_reason(reason, "dismiss a suggestion")
    with transaction.atomic():
        suggestion = lock_current(suggestion, expected_version)
        _require_open(suggestion)
        suggestion.status = SuggestionStatus.DISMISSED
        suggestion.dismiss_reason = reason
        suggestion.version += 1
        audited_save(suggestion, actor=actor, reason=reason)
    return suggestion


def _require_open(suggestion: AlertSuggestion) -> None:
    if suggestion.status != SuggestionStatus.OPEN:
        raise ValidationError({"status": f"This suggestion was already {suggestion.status}."})


def vital_sign_void(
    *, vital: VitalSign, actor: Actor, reason: str, expected_version: int | None
) -> VitalSign:
    require_role(actor, vital.session.site_id, *WRITERS)
    reason = require_reason(reason, "void a reading")
    with transaction.atomic():
        vital = lock_current(vital, expected_version)
        if vital.is_voided:
            raise ValidationError({"is_voided": "This reading is already voided."})
        vital.is_voided = True
        vital.void_reason = reason
        vital.version += 1
        audited_save(vital, actor=actor, reason=reason)
    return vital
