"""Every meaningful read of the clinical record, scoped to the sites the user may see.

A record at a site the user cannot see raises `Http404`, exactly as a missing one does.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from events.access import ALL_SITES, Reader, visible_site_ids
from events.choices import EventStatus, SessionStatus, SuggestionStatus
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    EventTerm,
    InfusionSession,
    Patient,
    Site,
    VitalSign,
)
from events.signatures import signed_content_hash

M = TypeVar("M", bound=Model)


def _scoped(queryset: QuerySet[M], user: Reader, site_field: str = "site_id") -> QuerySet[M]:
    visible = visible_site_ids(user)
    if visible is ALL_SITES:
        return queryset
    return queryset.filter(**{f"{site_field}__in": visible})


def _get(queryset: QuerySet[M], pk: object) -> M:
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None


def site_list(user: Reader) -> QuerySet[Site]:
    return _scoped(Site.objects.filter(is_active=True), user, "id")


def site_get(user: Reader, pk: object) -> Site:
    return _get(_scoped(Site.objects.all(), user, "id"), pk)


def patient_list(
    user: Reader, *, search: str = "", site_id: int | None = None
) -> QuerySet[Patient]:
    patients = _scoped(Patient.objects.select_related("site"), user)
    if search:
        patients = patients.filter(chart_number__icontains=search.strip())
    if site_id:
        patients = patients.filter(site_id=site_id)
    return patients.order_by("site__code", "chart_number")


def patient_get(user: Reader, pk: object) -> Patient:
    return _get(_scoped(Patient.objects.select_related("site"), user), pk)


def infusion_session_list(
    user: Reader,
    *,
    site_id: int | None = None,
    status: str | None = None,
    day: date | None = None,
    patient_id: int | None = None,
) -> QuerySet[InfusionSession]:
    sessions = _scoped(
        InfusionSession.objects.select_related("patient", "site", "administered_by"), user
    )
    if site_id:
        sessions = sessions.filter(site_id=site_id)
    if status:
        sessions = sessions.filter(status=status)
    if patient_id:
        sessions = sessions.filter(patient_id=patient_id)
    if day is not None:
        sessions = sessions.filter(started_at__date=day)
    return sessions.order_by("-started_at", "-id")


def todays_sessions(user: Reader) -> QuerySet[InfusionSession]:
    """Sessions in progress, plus those started in the last 18 hours (a clinic day)."""
    since = timezone.now() - timedelta(hours=18)
    return infusion_session_list(user).filter(
        Q(status__in=[SessionStatus.IN_PROGRESS, SessionStatus.PLANNED]) | Q(started_at__gte=since),
        is_voided=False,
    )


def infusion_session_get(user: Reader, pk: object) -> InfusionSession:
    return _get(
        _scoped(InfusionSession.objects.select_related("patient", "site", "administered_by"), user),
        pk,
    )


def vital_sign_list(session: InfusionSession) -> QuerySet[VitalSign]:
    return session.vital_signs.filter(is_voided=False).order_by("taken_at", "id")


def vital_sign_get(user: Reader, pk: object) -> VitalSign:
    return _get(
        _scoped(VitalSign.objects.select_related("session__site"), user, "session__site_id"), pk
    )


def suggestion_list(
    session: InfusionSession, *, status: str | None = SuggestionStatus.OPEN
) -> QuerySet[AlertSuggestion]:
    suggestions = session.suggestions.select_related("term", "vital_sign")
    return suggestions.filter(status=status) if status else suggestions


def suggestion_get(user: Reader, pk: object) -> AlertSuggestion:
    return _get(
        _scoped(
            AlertSuggestion.objects.select_related("session__site", "term", "vital_sign"),
            user,
            "session__site_id",
        ),
        pk,
    )


def term_names() -> dict[int, str]:
    """Every term's name by id, active or not (history may name a retired term)."""
    return dict(EventTerm.objects.values_list("pk", "name"))


def session_event_list(session: InfusionSession) -> QuerySet[AdverseEvent]:
    """A session's events, voided ones included (the timeline shows them struck through),
    in onset order, with their terms and reporters."""
    return (
        AdverseEvent.objects.filter(session=session)
        .select_related("term", "reported_by")
        .order_by("onset_at", "id")
    )


def term_list(*, active_only: bool = True) -> QuerySet[EventTerm]:
    terms = EventTerm.objects.all()
    return terms.filter(is_active=True) if active_only else terms


def adverse_event_list(
    user: Reader,
    *,
    site_id: int | None = None,
    status: str | None = None,
    term_id: int | None = None,
    is_serious: bool | None = None,
    onset_from: datetime | None = None,
    onset_to: datetime | None = None,
    session_id: int | None = None,
) -> QuerySet[AdverseEvent]:
    events = _scoped(
        AdverseEvent.objects.select_related("term", "site", "reported_by", "session__patient"),
        user,
    )
    filters = {
        "site_id": site_id,
        "status": status,
        "term_id": term_id,
        "is_serious": is_serious,
        "onset_at__gte": onset_from,
        "onset_at__lt": onset_to,
        "session_id": session_id,
    }
    events = events.filter(**{k: v for k, v in filters.items() if v not in (None, "")})
    return events.order_by("-onset_at", "-id")


def adverse_event_get(user: Reader, pk: object) -> AdverseEvent:
    return _get(
        _scoped(
            AdverseEvent.objects.select_related(
                "term", "site", "reported_by", "session__patient", "source_vital"
            ),
            user,
        ),
        pk,
    )


# The review queue's parts, most urgent first. Submitted events without a due time (filed
# before the review clock existed, or imported) lead: nothing says how long they may wait,
# and they are ordered by id. Then the priority classes: serious and unexpected, serious, the
# rest, each with the earliest due first. The flags are compared with `__in`: Django writes
# `flag=True` as a bare `WHERE "flag"`, which SQLite cannot match to the flag's column in an
# index, and `"flag" IN (1)` it can.
REVIEW_PRIORITY = (
    Q(review_due_at__isnull=True),
    Q(is_serious__in=[True], is_expected__in=[False], review_due_at__isnull=False),
    Q(is_serious__in=[True], is_expected__in=[True], review_due_at__isnull=False),
    Q(is_serious__in=[False], review_due_at__isnull=False),
)
REVIEW_DUE_ORDER = ("review_due_at", "id")


@dataclass(frozen=True)
class QueuePosition:
    """Where an event stands in the review order: its part of the queue (an index into
    `REVIEW_PRIORITY`), its due time (`None` in the part without one) and its id."""

    rank: int
    due: datetime | None
    id: int

    @classmethod
    def of(cls, event: AdverseEvent) -> "QueuePosition":
        rank = 0 if event.review_due_at is None else 1 + review_priority(event)
        return cls(rank, event.review_due_at, event.pk)


def review_priority(event: AdverseEvent) -> int:
    """The event's priority class: 0 serious and unexpected, 1 serious, 2 the rest."""
    if event.is_serious:
        return 0 if not event.is_expected else 1
    return 2


@dataclass(frozen=True)
class QueuePage:
    events: list[AdverseEvent]
    has_previous: bool
    has_next: bool

    @property
    def first(self) -> QueuePosition | None:
        return QueuePosition.of(self.events[0]) if self.events else None

    @property
    def last(self) -> QueuePosition | None:
        return QueuePosition.of(self.events[-1]) if self.events else None


class ReviewQueue:
    """Submitted events for review: serious and unexpected first, then serious, then the
    rest, each class by due date (then id). Paged by keyset: a page is the events after (or
    before) a position, so every page, the last included, costs the same however long the
    queue is, and an event filed or reviewed meanwhile neither repeats nor skips another.

    Ordering by a computed priority would make the database sort every submitted event of
    the user's sites on every page. Each priority class is read instead in due order along
    the (status, is_serious, review_due_at) index, from the position on, with its own LIMIT,
    and the classes are joined end to end, so at most a page of ids is read from each class;
    then one query reads those events with their joins. The services give every submitted
    event a due time (`events.services.adverse_events`); one recorded without (before the
    review clock, or imported) waits at the head of the queue rather than break it.
    """

    def __init__(self, user: Reader) -> None:
        self.events = adverse_event_list(user, status=EventStatus.SUBMITTED)

    def count(self) -> int:
        return self.events.count()

    def counts(self, now: datetime) -> dict[str, int]:
        """How many events wait for review, and how many of them are past their due time."""
        return self.events.aggregate(
            total=Count("id"), overdue=Count("id", filter=Q(review_due_at__lt=now))
        )

    def __getitem__(self, head: slice) -> list[AdverseEvent]:
        """The first events of the queue (`queue[:5]`)."""
        if head.start or head.step:
            raise TypeError("Only the head of the queue is sliced; page with page().")
        return self._walk(None, backward=False, limit=head.stop)

    def page(
        self, *, size: int, after: QueuePosition | None = None, before: QueuePosition | None = None
    ) -> QueuePage:
        """`size` events after `after` (the first page without it), or the `size` events
        before `before` (`before=END` is the last page)."""
        if before is None:
            rows = self._walk(after, backward=False, limit=size + 1)
            events = rows[:size]
            has_previous = after is not None and self._any_beyond(
                QueuePosition.of(events[0]) if events else after, backward=True
            )
            return QueuePage(events, has_previous=has_previous, has_next=len(rows) > size)
        rows = self._walk(before, backward=True, limit=size + 1)
        if not rows:
            return self.page(size=size)  # nothing before it any more: the first page
        events = rows[:size][::-1]
        has_next = self._any_beyond(QueuePosition.of(events[-1]), backward=False)
        return QueuePage(events, has_previous=len(rows) > size, has_next=has_next)

    def _any_beyond(self, position: QueuePosition, *, backward: bool) -> bool:
        return bool(self._walk_ids(position, backward=backward, limit=1))

    def _walk(
        self, position: QueuePosition | None, *, backward: bool, limit: int
    ) -> list[AdverseEvent]:
        """Up to `limit` events beyond `position` (from the start, or from the end when
        walking backward, without one), in walking order, each carrying its class as
        `priority` (`review_priority`). The ids are found first and the rows with their
        joins read after: joined to the small tables, the planner may drive from them and
        sort every waiting event."""
        picked = self._walk_ids(position, backward=backward, limit=limit)
        if not picked:
            return []
        rows = self.events.in_bulk([pk for _, pk in picked])
        for _, pk in picked:
            rows[pk].priority = review_priority(rows[pk])  # type: ignore[attr-defined]
        return [rows[pk] for _, pk in picked]

    def _walk_ids(
        self, position: QueuePosition | None, *, backward: bool, limit: int
    ) -> list[tuple[int, int]]:
        """(class, id) of up to `limit` events beyond `position`, in walking order."""
        ranks = list(range(len(REVIEW_PRIORITY)))
        if backward:
            ranks.reverse()
        picked: list[tuple[int, int]] = []
        for rank in ranks:
            if position is not None and (rank < position.rank, rank > position.rank)[backward]:
                continue
            part = self.events.filter(REVIEW_PRIORITY[rank])
            if position is not None and rank == position.rank:
                part = part.filter(_beyond(position, backward=backward))
            order = [f"-{field}" for field in REVIEW_DUE_ORDER] if backward else REVIEW_DUE_ORDER
            ids = part.order_by(*order).values_list("id", flat=True)[: limit - len(picked)]
            picked += [(rank, pk) for pk in ids]
            if len(picked) >= limit:
                break
        return picked


# Past the last class: `page(before=END)` is the last page of the queue.
END = QueuePosition(rank=len(REVIEW_PRIORITY), due=datetime.max.replace(tzinfo=UTC), id=0)


def _beyond(position: QueuePosition, *, backward: bool) -> Q:
    """Events after (or before) the position within its class, in (due, id) order. The
    first condition alone bounds the index range; the second breaks ties on the due time.
    In the part without due times, the id alone orders."""
    if position.due is None:
        return Q(id__lt=position.id) if backward else Q(id__gt=position.id)
    if backward:
        return Q(review_due_at__lte=position.due) & (
            Q(review_due_at__lt=position.due) | Q(id__lt=position.id)
        )
    return Q(review_due_at__gte=position.due) & (
        Q(review_due_at__gt=position.due) | Q(id__gt=position.id)
    )


def review_queue(user: Reader) -> ReviewQueue:
    return ReviewQueue(user)


def signature_is_valid(signature: ElectronicSignature) -> bool:
    """Whether a signature still holds for the record as it is.

    A current signature holds only while the live event has the content it signed, so a
    change made behind the application's back (or any signed field changed at all) shows as
    "does not match". A superseded signature was replaced because an amendment changed the
    event; it is checked against the version it signed as the event's history recorded it.
    """
    if signature.is_current:
        content = signature.event
    else:
        content = (
            signature.event.history.filter(version=signature.event_version)
            .order_by("-history_id")
            .first()
        )
        if content is None:
            return False
    values = {name: getattr(content, name) for name in AdverseEvent.SIGNED_FIELDS}
    return signed_content_hash(values) == signature.content_hash
