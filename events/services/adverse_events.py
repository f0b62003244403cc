"""Adverse events through their lifecycle: draft -> submitted -> signed off, any -> voided.

Edits to a submitted or signed-off event are amendments and need a reason; an amendment
after sign-off returns the event to submitted and supersedes the signature.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AccessAction
from audit.services import Actor, access_log_record, audited_save
from events.access import DIRECTORS, WRITERS, require_role
from events.choices import EventStatus
from events.inquiries.services import question_sign_off_check
from events.models import AdverseEvent, ElectronicSignature, InfusionSession
from events.notifications.services import serious_event_notify
from events.rules import review_due_at
from events.services.common import (
    assign,
    lock_current,
    optional_reason,
    require_reason,
    validate,
)
from events.services.duplicates import PossibleDuplicateError, duplicates_on_file
from events.signatures import signed_content_hash

EDITABLE_FIELDS = (
    "term",
    "other_term_text",
    "onset_at",
    "resolved_at",
    "grade",
    *AdverseEvent.CRITERIA,
    "is_expected",
    "outcome",
    "action_taken",
    "rescue_medication",
    "dechallenge",
    "rechallenge",
    "detected_by",
    "source_vital",
    "narrative",
)


def _prepare(event: AdverseEvent) -> None:
    """Derive the computed fields, validate, and start the review clock of a submitted event."""
    event.derive()
    validate(event)
    vital = event.source_vital if event.source_vital_id else None
    if vital is not None and vital.session_id != event.session_id:
        raise ValidationError({"source_vital": "The reading belongs to another session."})
    if event.status == EventStatus.SUBMITTED:
        event.review_due_at = _due(event)


def adverse_event_check(event: AdverseEvent, *, exclude: tuple[str, ...] = ()) -> None:
    """The rules a filed event must meet, without writing it (the import): derived fields,
    the model's validation, the reading's session, the review clock of a submitted event.
    `exclude` names the relations the caller has set and vouches for."""
    event.derive()
    validate(event, exclude=list(exclude))
    if event.status == EventStatus.SUBMITTED:
        event.review_due_at = _due(event)


def _save(event: AdverseEvent, *, actor: Actor, reason: str) -> AdverseEvent:
    _prepare(event)
    return audited_save(event, actor=actor, reason=reason)


def _is_serious_submitted(event: AdverseEvent) -> bool:
    return event.status == EventStatus.SUBMITTED and event.is_serious


def _notify_if_serious(event: AdverseEvent, actor: Actor) -> None:
    """A serious event submitted (filed and submitted, a draft submitted, or a submitted
    event amended to serious) reaches the site's directors, once per event."""
    if _is_serious_submitted(event):
        serious_event_notify(event=event, actor=actor)


def _due(event: AdverseEvent) -> datetime:
    return review_due_at(
        event.submitted_at or timezone.now(),
        is_serious=event.is_serious,
        is_expected=event.is_expected,
        is_fatal_or_lt=event.is_death or event.is_life_threatening,
    )


def adverse_event_create(
    *,
    actor: Actor,
    session: InfusionSession,
    data: dict[str, Any],
    submit: bool = False,
    confirm_not_duplicate: bool | None = None,
) -> AdverseEvent:
    """File an event as a draft (or submit it at once with `submit=True`).

    A person filing (form, API) passes `confirm_not_duplicate`: False refuses an event like
    one already on file (`PossibleDuplicateError` naming it), True files it anyway and says
    so in the history. None skips the check, for paths where nobody can be asked.
    """
    require_role(actor, session.site_id, *WRITERS)
    if session.is_voided:
        raise ValidationError({"session": "This session was voided."})
    on_file = (
        [] if confirm_not_duplicate is None else duplicates_on_file(session=session, data=data)
    )
    if on_file and not confirm_not_duplicate:
        raise PossibleDuplicateError(on_file)
    event = AdverseEvent(session=session, site_id=session.site_id, reported_by=actor)
    assign(event, data, EDITABLE_FIELDS)
    if "is_expected" not in data and event.term_id:
        event.is_expected = event.term.is_expected
    if submit:
        event.status = EventStatus.SUBMITTED
        event.submitted_at = timezone.now()
    _prepare(event)
    # One INSERT, stored with its history row by the save itself (every audited save is
    # atomic, joining a caller's transaction without a savepoint). No transaction of its own:
    # web and API filings run inside the idempotency record's transaction, where one would
    # add a SAVEPOINT and its RELEASE to every filing, and on SQLite a savepoint holding the
    # event and its history row outgrows the in-memory statement journal (64 KiB) and spills
    # it to a temporary file.
    reason = "Event submitted" if submit else "Event drafted"
    if on_file:
        numbers = ", ".join(f"#{other.pk}" for other in on_file)
        reason += f" (confirmed not a duplicate of {numbers})"
    event = audited_save(event, actor=actor, reason=reason)
    _notify_if_serious(event, actor)
    return event


def adverse_event_update(
    *,
    event: AdverseEvent,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> AdverseEvent:
    """Edit a draft, or amend a submitted or signed-off event (a reason is then required)."""
    require_role(actor, event.site_id, *WRITERS)
    with transaction.atomic():
        event = lock_current(event, expected_version)
        if event.status == EventStatus.VOIDED:
            raise ValidationError({"status": "A voided event cannot be changed."})
        is_amendment = event.status != EventStatus.DRAFT
        if is_amendment:
            reason = require_reason(reason, "amend a submitted event")
        else:
            reason = optional_reason(reason)
        was_serious_submitted = _is_serious_submitted(event)
        if not assign(event, data, EDITABLE_FIELDS):
            return event
        if event.status == EventStatus.SIGNED_OFF:
            _supersede_signatures(event, actor, reason)
            event.status = EventStatus.SUBMITTED
        event.version += 1
        event = _save(event, actor=actor, reason=reason or "Draft edited")
        if not was_serious_submitted:
            _notify_if_serious(event, actor)
        return event


def adverse_event_submit(
    *, event: AdverseEvent, actor: Actor, expected_version: int | None
) -> AdverseEvent:
    require_role(actor, event.site_id, *WRITERS)
    with transaction.atomic():
        event = lock_current(event, expected_version)
        if event.status != EventStatus.DRAFT:
            raise ValidationError({"status": "Only a draft can be submitted."})
        event.status = EventStatus.SUBMITTED
        event.submitted_at = timezone.now()
        event.version += 1
        event = _save(event, actor=actor, reason="Event submitted")
        _notify_if_serious(event, actor)
        return event


def adverse_event_assess(
    *,
    event: AdverseEvent,
    actor: Actor,
    causality: str,
    expected_version: int | None,
    reason: str = "",
) -> AdverseEvent:
    """A director records the WHO-UMC causality of a submitted event."""
    require_role(actor, event.site_id, *DIRECTORS)
    reason = optional_reason(reason)
    with transaction.atomic():
        event = lock_current(event, expected_version)
        if event.status != EventStatus.SUBMITTED:
            raise ValidationError({"status": "Causality is assessed on a submitted event."})
        event.causality = causality
        event.version += 1
        return _save(event, actor=actor, reason=reason or "Causality assessed")


def adverse_event_sign_off(
    *, event: AdverseEvent, actor: Actor, password: str, expected_version: int | None
) -> ElectronicSignature:
    """Electronic signature: password re-entered, bound to the hash of this exact version."""
    require_role(actor, event.site_id, *DIRECTORS)
    if not actor.check_password(password or ""):
        # A failed re-authentication is a failed login attempt: it goes to the access log.
        access_log_record(
            user=actor,
            action=AccessAction.LOGIN_FAILED,
            object_type="adverse_event",
            object_id=event.pk,
            site_id=event.site_id,
            detail={"reauthentication": "sign_off"},
        )
        raise ValidationError({"password": "The password is not correct."})
    with transaction.atomic():
        event = lock_current(event, expected_version)
        if event.status != EventStatus.SUBMITTED:
            raise ValidationError({"status": "Only a submitted event can be signed off."})
        if event.reported_by_id == actor.pk:
            raise PermissionDenied("A director cannot sign off an event they reported.")
        if not event.causality:
            raise ValidationError({"causality": "Assess causality before signing off."})
        # A director's question still waiting on the event holds the signature back.
        question_sign_off_check(event)
        values = {name: getattr(event, name) for name in AdverseEvent.SIGNED_FIELDS}
        signature = ElectronicSignature(
            event=event,
            signed_by=actor,
            signer_name=actor.get_full_name() or actor.get_username(),
            signed_at=timezone.now(),
            event_version=event.version,
            content_hash=signed_content_hash(values),
        )
        audited_save(signature, actor=actor, reason=ElectronicSignature.MEANING)
        event.status = EventStatus.SIGNED_OFF
        event.version += 1
        audited_save(event, actor=actor, reason=ElectronicSignature.MEANING)
    return signature


def _supersede_signatures(event: AdverseEvent, actor: Actor, reason: str) -> None:
    for signature in event.signatures.filter(superseded_at__isnull=True):
        signature.superseded_at = timezone.now()
        audited_save(signature, actor=actor, reason=f"Superseded by amendment: {reason}")


def adverse_event_void(
    *, event: AdverseEvent, actor: Actor, reason: str, expected_version: int | None
) -> AdverseEvent:
    """A director marks an event entered in error; it is kept but no longer counted."""
    require_role(actor, event.site_id, *DIRECTORS)
    reason = require_reason(reason, "void an event")
    with transaction.atomic():
        event = lock_current(event, expected_version)
        if event.status == EventStatus.VOIDED:
            raise ValidationError({"status": "This event is already voided."})
        _supersede_signatures(event, actor, reason)
        event.status = EventStatus.VOIDED
        event.void_reason = reason
        event.version += 1
        return audited_save(event, actor=actor, reason=reason)
