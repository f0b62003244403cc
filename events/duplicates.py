"""Selectors for likely duplicates: events already on file that look like one being filed,
and the pairs a director has still to resolve. The rule itself is the pure
`events.rules.is_likely_duplicate`; the queries narrow the rows it is applied to.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from audit.services import Actor
from events.access import ALL_SITES, site_ids_with_role
from events.choices import EventStatus, Role
from events.models import AdverseEvent, DuplicateDismissal, EventTerm, InfusionSession
from events.rules import EventLikeness, is_likely_duplicate

# A list of pairs is a worklist: past this many, resolving the first ones comes first.
PAIR_LIST_LIMIT = 200


def duplicate_window() -> timedelta:
    """How close two onsets must be for the events to look like one (a setting)."""
    return timedelta(minutes=settings.DUPLICATE_ONSET_WINDOW_MINUTES)


def likeness(event: AdverseEvent) -> EventLikeness:
    return EventLikeness(
        session_id=event.session_id,
        patient_id=event.session.patient_id,
        term=_term_key(event.term, event.other_term_text),
        onset_at=event.onset_at,
    )


def _term_key(term: EventTerm, other_term_text: str) -> tuple[int, str]:
    return (term.pk, other_term_text.strip().casefold() if term.requires_text else "")


def duplicate_candidates(
    *,
    session: InfusionSession,
    term: EventTerm,
    other_term_text: str,
    onset_at: datetime,
    exclude_id: int | None = None,
) -> list[AdverseEvent]:
    """Events on file (not voided) that an event being filed in `session` would duplicate,
    earliest onset first."""
    reach = duplicate_window()  # no pair the rule keeps lies further apart
    rows = (
        AdverseEvent.objects.select_related("term", "session")
        .filter(
            site_id=session.site_id,
            session__patient_id=session.patient_id,
            term=term,
            onset_at__gte=onset_at - reach,
            onset_at__lte=onset_at + reach,
        )
        .exclude(status=EventStatus.VOIDED)
        .order_by("onset_at", "id")
    )
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    new = EventLikeness(
        session_id=session.pk,
        patient_id=session.patient_id,
        term=_term_key(term, other_term_text),
        onset_at=onset_at,
    )
    window = duplicate_window()
    return [row for row in rows if is_likely_duplicate(new, likeness(row), window=window)]


@dataclass(frozen=True)
class DuplicatePair:
    """Two events that look like one; `first` has the lower id (was filed first)."""

    first: AdverseEvent
    second: AdverseEvent

    @property
    def events(self) -> tuple[AdverseEvent, AdverseEvent]:
        return (self.first, self.second)


def _with_a_twin(site_ids: set[int] | None) -> QuerySet[AdverseEvent]:
    """Events not voided that have another not voided event of the same patient and term
    with an onset within reach: the only rows the pairing below has to look at."""
    reach = duplicate_window()  # no pair the rule keeps lies further apart
    twins = (
        AdverseEvent.objects.filter(
            site_id=OuterRef("site_id"),
            session__patient_id=OuterRef("session__patient_id"),
            term_id=OuterRef("term_id"),
            onset_at__gte=OuterRef("onset_at") - reach,
            onset_at__lte=OuterRef("onset_at") + reach,
        )
        .exclude(status=EventStatus.VOIDED)
        .exclude(pk=OuterRef("pk"))
    )
    events = AdverseEvent.objects.exclude(status=EventStatus.VOIDED)
    if site_ids is not ALL_SITES:
        events = events.filter(site_id__in=site_ids)
    return events.filter(Exists(twins)).select_related(
        "term", "site", "session__patient", "reported_by"
    )


def likely_duplicate_pairs(user: Actor) -> list[DuplicatePair]:
    """The pairs of likely duplicates at the sites where `user` is a medical director, not
    yet resolved (neither voided, not marked "not a duplicate"), latest onset first."""
    site_ids = site_ids_with_role(user, Role.MEDICAL_DIRECTOR)
    if site_ids is not ALL_SITES and not site_ids:
        return []
    events = list(_with_a_twin(site_ids).order_by("onset_at", "id"))
    groups: dict[tuple[int, tuple[int, str]], list[AdverseEvent]] = {}
    for event in events:
        key = likeness(event)
        groups.setdefault((key.patient_id, key.term), []).append(event)
    window = duplicate_window()
    pairs = [
        DuplicatePair(*sorted((a, b), key=lambda e: e.pk))
        for group in groups.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if is_likely_duplicate(likeness(a), likeness(b), window=window)
    ]
    dismissed = _dismissed({e.pk for pair in pairs for e in (pair.first, pair.second)})
    pairs = [p for p in pairs if (p.first.pk, p.second.pk) not in dismissed]
    pairs.sort(key=lambda p: (max(p.first.onset_at, p.second.onset_at), p.second.pk), reverse=True)
    return pairs[:PAIR_LIST_LIMIT]


def _dismissed(event_ids: set[int]) -> set[tuple[int, int]]:
    if not event_ids:
        return set()
    rows = DuplicateDismissal.objects.filter(
        Q(first_event_id__in=event_ids) | Q(second_event_id__in=event_ids)
    ).values_list("first_event_id", "second_event_id")
    return set(rows)
