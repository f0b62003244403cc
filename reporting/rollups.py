"""Monthly rollups: the safety summary's grouped counts, read from precomputed partitions.

Every count the summary reads adds up over (site, month) partitions, because each session lies
in exactly one site and one stored month (`InfusionSession.month`): the sessions cube, the
events cube (per session, then per cell) and the term/month/worst-grade rows are sums over
sessions. Distinct patients do not add up, so a partition keeps its patients' ids and a report
counts the union.

- `summary_frames` gives `reporting.selectors.safety_summary` its frames. When the filters
  can be answered from partitions (whole months; no filter on events, the review status filter
  at its default of every event not voided, none on the sessions but their site),
  partitions with an up-to-date rollup are read from `MonthlyRollup` and every other one
  (marked stale, never computed, or the current month, always being written) is computed
  live, with the same `reporting.queries` functions narrowed to those partitions. The result
  is the all-live computation's. Otherwise everything is computed live.
- `rollups_refresh` recomputes the partitions marked stale (`reporting.signals` marks them on
  every save) and those with sessions but no rollup. It runs every few minutes (Celery beat,
  `reporting.refresh_rollups`, or cron `manage.py refresh_rollups`).

The term/month/worst-grade rows are not broken down by route, drug, dose band, session number
or indication (one more query per combination and partition would be needed), so a report
filtered on those is computed live.
"""

from __future__ import annotations

import calendar
import operator
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

import pandas as pd
from django.db import connections, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from audit.services import Actor as AnyUser
from events.models import AdverseEvent, InfusionSession
from reporting import queries
from reporting.filters import ReportFilters, month_key, month_range
from reporting.models import MonthlyRollup, StalePartition

# Session filters the partitions can answer; any other filter makes the report live.
PARTITION_FILTERS = ("date_from", "date_to", "site_ids")
# Refreshes of one partition take turns (PostgreSQL; SQLite's IMMEDIATE transactions already
# admit one writer): see `_refresh_partition`.
REFRESH_LOCK_KEY = 7_340_032_019
# Stale marks deleted per statement (SQLite bounds the parameters of one statement).
DELETE_BATCH = 500
TERM_ROW_KEYS = ["term_id", "month", "worst_grade"]

Partition = tuple[int, str]  # (site id, "YYYY-MM")


@dataclass
class SummaryFrames:
    """What `safety_summary` reads: the grouped counts of `reporting.queries` and the two
    distinct-patient counts."""

    sessions_cube: pd.DataFrame
    events_cube: pd.DataFrame
    term_month_worst: pd.DataFrame
    patients: int
    patients_with_event: int


@dataclass
class PartitionFrames:
    """The frames of a set of partitions, with patient ids instead of counts so that sets of
    partitions can be combined."""

    sessions_cube: pd.DataFrame
    events_cube: pd.DataFrame
    term_month_worst: pd.DataFrame
    patient_ids: set[int]
    patient_with_event_ids: set[int]

    @classmethod
    def of(cls, sessions: QuerySet[Any], events: QuerySet[Any], using: str) -> PartitionFrames:
        """Compute the frames of the counted `sessions` and `events` (already narrowed)."""
        with queries.counting(using):
            event_frames = queries.events_frames(events, using)
            return cls(
                sessions_cube=queries.sessions_cube(sessions),
                events_cube=event_frames.cube,
                term_month_worst=event_frames.term_month_worst,
                patient_ids=set(sessions.values_list("patient_id", flat=True).distinct()),
                patient_with_event_ids=set(event_frames.patient_with_event_ids.tolist()),
            )

    @classmethod
    def stored(cls, rollup: MonthlyRollup) -> PartitionFrames:
        return cls(
            sessions_cube=_frame(rollup.sessions_cube),
            events_cube=_frame(rollup.events_cube),
            term_month_worst=_frame(rollup.term_month_worst),
            patient_ids=set(rollup.patient_ids),
            patient_with_event_ids=set(rollup.patient_with_event_ids),
        )


# --- reading ------------------------------------------------------------------------------


def summary_frames(
    filters: ReportFilters,
    user: AnyUser,
    sites: list[dict[str, Any]],
    using: str,
    *,
    from_records: bool = False,
) -> SummaryFrames:
    """The summary's frames for `user`'s report over `sites` (the sites it covers).

    Sessions and events are counted from the counted tables (`reporting.counted_events`), or,
    with `from_records`, from the records themselves (the equivalence tests compare the two).
    """
    zones = {site["id"]: site["timezone"] for site in sites}
    sessions: QuerySet[Any]
    events: QuerySet[Any]
    if from_records:
        sessions = queries.counted_sessions(filters, user, zones, using)
        events = queries.counted_events(filters, user, zones, using)
        prefix = "session__"
    else:
        sessions = queries.counted_session_rows(filters, user, zones, using)
        events = queries.counted_event_rows(filters, user, zones, using)
        prefix = ""
    rollups = fresh_rollups(filters, list(zones), using) if is_answerable(filters) else []
    if not rollups:
        return _live(sessions, events, using)
    parts = [PartitionFrames.stored(rollup) for rollup in rollups]
    live = _period_partitions(filters, list(zones), using) - {
        (rollup.site_id, rollup.month) for rollup in rollups
    }
    if live:
        parts.append(
            PartitionFrames.of(
                sessions.filter(_partitions_q(live)),
                events.filter(_partitions_q(live, prefix=prefix)),
                using,
            )
        )
    return _combined(parts)


def is_answerable(filters: ReportFilters) -> bool:
    """Whether partitions can answer these filters: a period of whole months (or open) and no
    filter but the sites."""
    others = (name for name in ReportFilters.PARAMETERS if name not in PARTITION_FILTERS)
    if any(filters.is_set(name) for name in others):
        return False
    starts_on_first = filters.date_from is None or filters.date_from.day == 1
    end = filters.date_to
    return starts_on_first and (
        end is None or end.day == calendar.monthrange(end.year, end.month)[1]
    )


def fresh_rollups(filters: ReportFilters, site_ids: list[int], using: str) -> list[MonthlyRollup]:
    """The rollups of the report's period and sites that no stale mark names."""
    stale = StalePartition.objects.using(using).filter(
        site_id=OuterRef("site_id"), month=OuterRef("month")
    )
    rollups = MonthlyRollup.objects.using(using).filter(site_id__in=site_ids).filter(~Exists(stale))
    if filters.date_from:
        rollups = rollups.filter(month__gte=month_key(filters.date_from))
    if filters.date_to:
        rollups = rollups.filter(month__lte=month_key(filters.date_to))
    return list(rollups)


def _live(sessions: QuerySet[Any], events: QuerySet[Any], using: str) -> SummaryFrames:
    with queries.counting(using):
        event_frames = queries.events_frames(events, using)
        return SummaryFrames(
            sessions_cube=queries.sessions_cube(sessions),
            events_cube=event_frames.cube,
            term_month_worst=event_frames.term_month_worst,
            patients=queries.distinct_patients(sessions),
            patients_with_event=event_frames.patients_with_event,
        )


def _period_partitions(filters: ReportFilters, site_ids: list[int], using: str) -> set[Partition]:
    """Every (site, month) of the period that could hold a session: the period clamped to the
    first and last month any session is stored in."""
    bounds = (
        InfusionSession.objects.using(using)
        .filter(month__gt="")
        .aggregate(first=Min("month"), last=Max("month"))
    )
    if bounds["first"] is None:
        return set()
    first = max(bounds["first"], month_key(filters.date_from) if filters.date_from else "")
    last = min(bounds["last"], month_key(filters.date_to) if filters.date_to else "9999-12")
    return {(site_id, month) for site_id in site_ids for month in month_range(first, last)}


def _partitions_q(partitions: set[Partition], prefix: str = "") -> Q:
    """Rows of these partitions, as few conditions as possible: sites that need the same
    months share one (usually every site needs only the current month)."""
    months_by_site: dict[int, list[str]] = defaultdict(list)
    for site_id, month in sorted(partitions):
        months_by_site[site_id].append(month)
    sites_by_months: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for site_id, months in months_by_site.items():
        sites_by_months[tuple(months)].append(site_id)
    return reduce(
        operator.or_,
        (
            Q(**{f"{prefix}site_id__in": site_ids, f"{prefix}month__in": list(months)})
            for months, site_ids in sites_by_months.items()
        ),
    )


def _combined(parts: list[PartitionFrames]) -> SummaryFrames:
    """Partitions never share a (site, month), so cube cells simply stack; term rows are keyed
    by month but not by site, so rows of one month at several sites are summed."""
    term_rows = _stacked([part.term_month_worst for part in parts])
    term_rows = term_rows.groupby(TERM_ROW_KEYS, as_index=False).sum()
    return SummaryFrames(
        sessions_cube=_stacked([part.sessions_cube for part in parts]),
        events_cube=_stacked([part.events_cube for part in parts]),
        term_month_worst=term_rows,
        patients=len(set().union(*(part.patient_ids for part in parts))),
        patients_with_event=len(set().union(*(part.patient_with_event_ids for part in parts))),
    )


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    filled = [frame for frame in frames if len(frame)]
    if not filled:
        return frames[0].iloc[0:0]
    return pd.concat(filled, ignore_index=True) if len(filled) > 1 else filled[0]


# --- refreshing ---------------------------------------------------------------------------


def rollups_refresh(*, every_partition: bool = False) -> int:
    """Recompute the partitions marked stale and those with sessions but no rollup (with
    `every_partition`, every partition with sessions); return how many were computed.

    Reads and writes the primary: the reads must see every write whose stale mark they clear.
    """
    using = "default"
    marked = set(StalePartition.objects.using(using).values_list("site_id", "month").distinct())
    with_sessions = set(
        InfusionSession.objects.using(using)
        .filter(month__gt="")
        .values_list("site_id", "month")
        .distinct()
    )
    if not every_partition:
        with_sessions -= set(MonthlyRollup.objects.using(using).values_list("site_id", "month"))
    partitions = sorted(marked | with_sessions)
    for site_id, month in partitions:
        _refresh_partition(site_id, month, using)
    return len(partitions)


def _refresh_partition(site_id: int, month: str, using: str) -> None:
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            # Two refreshes of one partition must not interleave: the later one could clear a
            # mark whose write the earlier one's (then stored) rollup has not seen.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_KEY])
        # The marks read here name writes the computation below will see (each of its queries
        # starts after this read). A write that commits later leaves its own mark, which this
        # refresh does not delete, so the rollup stays unused until the next refresh.
        marks = list(
            StalePartition.objects.using(using)
            .filter(site_id=site_id, month=month)
            .values_list("id", flat=True)
        )
        sessions, events = _partition_records(site_id, month, using)
        frames = PartitionFrames.of(sessions, events, using)
        MonthlyRollup.objects.using(using).update_or_create(
            site_id=site_id,
            month=month,
            defaults={
                "sessions_cube": _stored(frames.sessions_cube),
                "events_cube": _stored(frames.events_cube),
                "term_month_worst": _stored(frames.term_month_worst),
                "patient_ids": sorted(frames.patient_ids),
                "patient_with_event_ids": sorted(frames.patient_with_event_ids),
                "computed_at": timezone.now(),
            },
        )
        for start in range(0, len(marks), DELETE_BATCH):
            batch = marks[start : start + DELETE_BATCH]
            StalePartition.objects.using(using).filter(id__in=batch).delete()


def _partition_records(
    site_id: int, month: str, using: str
) -> tuple[QuerySet[InfusionSession], QuerySet[AdverseEvent]]:
    """The counted sessions and events of one partition: the conditions of
    `queries.counted_sessions` / `counted_events` without filters, for every reader. The
    counting rules are those of the live path (`queries.COUNTED_STATUSES`: sessions that
    started and are not voided; every event not voided), so the two cannot drift apart."""

    def counted(prefix: str = "") -> Q:
        partition = Q(**{f"{prefix}site_id": site_id, f"{prefix}month": month})
        return queries.counted_session_rule(prefix) & partition

    sessions = InfusionSession.objects.using(using).filter(counted()).order_by()
    events = (
        AdverseEvent.objects.using(using)
        .filter(queries.event_conditions(ReportFilters()))
        .filter(counted(prefix="session__"))
        .order_by()
    )
    return sessions, events


# --- storage ------------------------------------------------------------------------------


def _stored(frame: pd.DataFrame) -> dict[str, Any]:
    split = frame.to_dict(orient="split")
    # PostgreSQL sums integers as numeric: every stored figure is a whole count.
    data = [[int(v) if isinstance(v, Decimal) else v for v in row] for row in split["data"]]
    return {"columns": split["columns"], "data": data}


def _frame(stored: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(stored["data"], columns=stored["columns"])
