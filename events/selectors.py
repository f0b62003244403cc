"""Every meaningful read of the clinical record, scoped to the sites the user may see.

A record at a site the user cannot see raises `Http404`, exactly as a missing one does.
"""

from django.db.models import Count, IntegerField, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from events.access import ALL_SITES, visible_site_ids
from events.choices import EventStatus, SessionStatus, SuggestionStatus
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    EventTerm,
    InfusionSession,
    Patient,
    Site,
    VitalSign,
)


def _scoped(queryset: QuerySet, user, site_field: str = "site_id") -> QuerySet:
    visible = visible_site_ids(user)
    if visible is ALL_SITES:
        return queryset
    return queryset.filter(**{f"{site_field}__in": visible})


def _get(queryset: QuerySet, pk) -> object:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None


def site_list(user) -> QuerySet[Site]:
    return _scoped(Site.objects.filter(is_active=True), user, "id")


def site_get(user, pk) -> Site:
    return _get(_scoped(Site.objects.all(), user, "id"), pk)


def patient_list(user, *, search: str = "", site_id: int | None = None) -> QuerySet[Patient]:
    patients = _scoped(Patient.objects.select_related("site"), user)
    if search:
        patients = patients.filter(chart_number__icontains=search.strip())
    if site_id:
        patients = patients.filter(site_id=site_id)
    return patients.order_by("site__code", "chart_number")


def patient_get(user, pk) -> Patient:
    return _get(_scoped(Patient.objects.select_related("site"), user), pk)


def infusion_session_list(
    user,
    *,
    site_id: int | None = None,
    status: str | None = None,
    day=None,
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


def todays_sessions(user) -> QuerySet[InfusionSession]:
    """Sessions in progress, plus those started in the last 18 hours (a clinic day)."""
    since = timezone.now() - timezone.timedelta(hours=18)
    return infusion_session_list(user).filter(
        Q(status__in=[SessionStatus.IN_PROGRESS, SessionStatus.PLANNED]) | Q(started_at__gte=since),
        is_voided=False,
    )


def infusion_session_get(user, pk) -> InfusionSession:
    return _get(
        _scoped(InfusionSession.objects.select_related("patient", "site", "administered_by"), user),
        pk,
    )


def vital_sign_list(session: InfusionSession) -> QuerySet[VitalSign]:
    return session.vital_signs.filter(is_voided=False).order_by("taken_at", "id")


def vital_sign_get(user, pk) -> VitalSign:
    return _get(
        _scoped(VitalSign.objects.select_related("session__site"), user, "session__site_id"), pk
    )


def suggestion_list(session: InfusionSession, *, status: str | None = SuggestionStatus.OPEN):
    suggestions = session.suggestions.select_related("term", "vital_sign")
    return suggestions.filter(status=status) if status else suggestions


def suggestion_get(user, pk) -> AlertSuggestion:
    return _get(
        _scoped(
            AlertSuggestion.objects.select_related("session__site", "term", "vital_sign"),
            user,
            "session__site_id",
        ),
        pk,
    )


def term_list(*, active_only: bool = True) -> QuerySet[EventTerm]:
    terms = EventTerm.objects.all()
    return terms.filter(is_active=True) if active_only else terms


def adverse_event_list(
    user,
    *,
    site_id: int | None = None,
    status: str | None = None,
    term_id: int | None = None,
    is_serious: bool | None = None,
    onset_from=None,
    onset_to=None,
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


def adverse_event_get(user, pk) -> AdverseEvent:
    return _get(
        _scoped(
            AdverseEvent.objects.select_related(
                "term", "site", "reported_by", "session__patient", "source_vital"
            ),
            user,
        ),
        pk,
    )


# The review queue's priority classes, most urgent first: serious and unexpected, serious,
# then the rest. Within a class the earliest due come first. The flags are compared with
# `__in`: Django writes `flag=True` as a bare `WHERE "flag"`, which SQLite cannot match to
# the flag's column in an index, and `"flag" IN (1)` it can.
REVIEW_PRIORITY = (
    Q(is_serious__in=[True], is_expected__in=[False]),
    Q(is_serious__in=[True], is_expected__in=[True]),
    Q(is_serious__in=[False]),
)
REVIEW_DUE_ORDER = ("review_due_at", "id")


class ReviewQueue:
    """Submitted events for review: serious and unexpected first, then serious, then the
    rest, each class by due date. Counted and sliced a page at a time (what Django's and
    DRF's paginators ask of it).

    Ordering by a computed priority would make the database sort every submitted event of
    the user's sites on every page: 0.3 s on SQLite with 30,000 waiting. Each priority class
    is read instead in due order along the (status, is_serious, review_due_at) index with
    its own LIMIT, and the classes are joined end to end, so at most a page is read from
    each class. Serious events are few, so reading the two serious classes from their start
    costs little; the rest is read with an OFFSET.
    """

    def __init__(self, user):
        self.events = adverse_event_list(user, status=EventStatus.SUBMITTED)

    def count(self) -> int:
        return self.events.count()

    def counts(self, now) -> dict[str, int]:
        """How many events wait for review, and how many of them are past their due time."""
        return self.events.aggregate(
            total=Count("id"), overdue=Count("id", filter=Q(review_due_at__lt=now))
        )

    def __getitem__(self, page: slice) -> list[AdverseEvent]:
        start, stop = page.start or 0, page.stop
        *serious_ranks, rest_rank = range(len(REVIEW_PRIORITY))
        rows: list[AdverseEvent] = []
        for rank in serious_ranks:
            rows += self._in_due_order(rank)[: stop - len(rows)]
            if len(rows) >= stop:
                return rows[start:stop]
        # Both serious classes were read to their end: the rest starts at len(rows).
        skip = max(0, start - len(rows))
        return rows[start:] + list(self._in_due_order(rest_rank)[skip : stop - len(rows)])

    def _in_due_order(self, rank: int) -> QuerySet[AdverseEvent]:
        """One priority class in due order, each event carrying its class as `priority`."""
        return (
            self.events.filter(REVIEW_PRIORITY[rank])
            .annotate(priority=Value(rank, output_field=IntegerField()))
            .order_by(*REVIEW_DUE_ORDER)
        )


def review_queue(user) -> ReviewQueue:
    return ReviewQueue(user)


def signature_is_valid(signature) -> bool:
    """Whether a signature still holds for the record as it is.

    A current signature holds only while the live event has the content it signed, so a
    change made behind the application's back (or any signed field changed at all) shows as
    "does not match". A superseded signature was replaced because an amendment changed the
    event; it is checked against the version it signed as the event's history recorded it.
    """
    from events.services.adverse_events import signed_content_hash

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
