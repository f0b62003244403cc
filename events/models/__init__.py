"""The clinical record: sites, people's roles, patients, infusion sessions, vital signs,
the event vocabulary, adverse events and their review.

Every model carries simple-history on the ledger's `HistoryBase` and refuses history-less
writes (`AuditedModel`). Single-row rules are database constraints; rules that span rows or
depend on the clock live in `clean()` and the services.
"""

from events.models.adverse_events import AdverseEvent, EventTerm
from events.models.base import history, validate_timezone
from events.models.duplicates import DuplicateDismissal
from events.models.idempotency import IdempotencyRecord
from events.models.patients import Patient
from events.models.sessions import InfusionSession
from events.models.signatures import ElectronicSignature
from events.models.sites import Membership, Site
from events.models.suggestions import AlertSuggestion
from events.models.vitals import VitalSign

__all__ = [
    "history",
    "validate_timezone",
    "Site",
    "Membership",
    "Patient",
    "InfusionSession",
    "VitalSign",
    "EventTerm",
    "AdverseEvent",
    "DuplicateDismissal",
    "AlertSuggestion",
    "ElectronicSignature",
    "IdempotencyRecord",
]
