"""The shapes the demo generator fills: the saved cast it draws on, a patient's profile, one
session's plan while it is built, and the batch of unsaved rows it hands to the loader."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User

from events.demo.loader import Step, build, set_trail
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    EventTerm,
    InfusionSession,
    OutcomeMeasure,
    Patient,
    Site,
    SuicidalityAlert,
    VitalSign,
)
from events.rules import Alert
from events.signatures import signed_content_hash

T = TypeVar("T")


@dataclass
class DemoCast:
    """The saved people and places the clinical record refers to."""

    admin: User
    sites: list[Site]
    staff: dict[int, list[User]]  # site id -> staff who run sessions there
    directors: dict[int, User]  # site id -> the director who signs off there
    terms: dict[str, EventTerm]


@dataclass
class Profile:
    """What stays the same for a patient across a course."""

    patient: Patient
    site: Site
    drug: str
    route: str
    dose: Decimal  # mg/kg (ketamine) or mg per session (esketamine)
    escalates: bool
    weight: float
    sbp: float
    dbp: float
    heart_rate: float
    bp_rise: float
    is_older: bool
    sensitivity: float
    screen: dict[str, bool]


@dataclass
class Plan:
    """One session while it is being built: its times in minutes from the start.

    The session's own time fields are nullable on the model; `started_at` keeps the start
    as a plain datetime, and `ended_at`/`discharged_at` the end and discharge once known.
    """

    session: InfusionSession
    profile: Profile
    started_at: datetime
    age_days: int  # 0 = today
    elapsed: int | None  # minutes since the start for a session still in progress
    dose_factor: float
    under_planted_protocol: bool  # a session of the planted signal's site and period
    readings: list[VitalSign] = field(default_factory=list)
    alerts: dict[str, tuple[Alert, VitalSign]] = field(default_factory=dict)
    ended_at: datetime | None = None
    discharged_at: datetime | None = None


@dataclass
class DemoBatch:
    """Unsaved rows for one transaction, in the order they must be inserted."""

    patients: list[Patient] = field(default_factory=list)
    sessions: list[InfusionSession] = field(default_factory=list)
    vitals: list[VitalSign] = field(default_factory=list)
    events: list[AdverseEvent] = field(default_factory=list)
    suggestions: list[AlertSuggestion] = field(default_factory=list)
    measures: list[OutcomeMeasure] = field(default_factory=list)
    suicidality_alerts: list[SuicidalityAlert] = field(default_factory=list)
    sign_offs: list[tuple[AdverseEvent, User, datetime]] = field(default_factory=list)

    def signatures(self) -> list[ElectronicSignature]:
        """Signatures for the signed-off events; call once the events have their ids."""
        signatures = []
        for event, signer, signed_at in self.sign_offs:
            signature = build(
                ElectronicSignature,
                event=event,
                signed_by=signer,
                signer_name=signer.get_full_name() or signer.get_username(),
                signed_at=signed_at,
                # Signed at the assessed version; signing itself added one more.
                event_version=event.version - 1,
                content_hash=signed_content_hash(
                    {name: getattr(event, name) for name in AdverseEvent.SIGNED_FIELDS}
                ),
            )
            set_trail(signature, [Step(signed_at, signer, ElectronicSignature.MEANING)])
            signatures.append(signature)
        return signatures


def today_count(sessions: int) -> int:
    """Sessions that take place today, most still in progress, so home pages show work."""
    return min(sessions, max(2, min(16, sessions // 150)))


def pick(rng: random.Random, weighted: Sequence[tuple[T, Any]]) -> T:
    """One value of (value, weight) pairs, drawn by weight."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]
