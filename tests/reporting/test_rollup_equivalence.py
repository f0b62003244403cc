"""The safety summary is the same whether its months come from fresh rollups, partly stale or
missing ones, or the records alone: random records, random writes through the services and
random filters, each summary compared with the one computed with no rollup at all."""

import contextlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.choices import EventStatus, Indication, Outcome, Role, Route, SessionStatus
from events.models import AdverseEvent, EventTerm, InfusionSession
from events.services.adverse_events import (
    adverse_event_create,
    adverse_event_update,
    adverse_event_void,
)
from events.services.sessions import infusion_session_update, infusion_session_void
from reporting.filters import ReportFilters
from reporting.models import MonthlyRollup, StalePartition
from reporting.rollups import rollups_refresh
from reporting.selectors import safety_summary
from reporting.summary import SafetySummary
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
)

MONTHS = ("2025-11", "2025-12", "2026-01", "2026-02")
TERMS = ("nausea", "headache", "hypertension")
SITES = ("north", "south")
rare = st.sampled_from([False, False, False, True])

events_st = st.fixed_dictionaries(
    {
        "term": st.sampled_from(TERMS),
        "grade": st.integers(1, 5),
        "serious": rare,
        "voided": rare,
        "draft": rare,
        "onset": st.integers(-30, 180),
    }
)
sessions_st = st.fixed_dictionaries(
    {
        "site": st.sampled_from(SITES),
        "patient": st.integers(0, 2),
        "month": st.sampled_from(MONTHS),
        # Day 1 before 06:00 UTC is still the previous month in Chicago and New York.
        "day": st.integers(1, 28),
        "hour": st.integers(0, 23),
        "status": st.sampled_from(
            [SessionStatus.COMPLETED] * 3
            + [SessionStatus.STOPPED_EARLY, SessionStatus.IN_PROGRESS, SessionStatus.PLANNED]
        ),
        "voided": rare,
        "route": st.sampled_from([Route.IV, Route.IM, Route.INTRANASAL]),
        "dose": st.sampled_from(["0.40", "0.60", "0.90", "1.20"]),
        "events": st.lists(events_st, max_size=3),
    }
)
writes_st = st.lists(
    st.one_of(
        st.tuples(st.just("file_event"), st.integers(0, 99), events_st),
        st.tuples(st.just("regrade_event"), st.integers(0, 99), st.integers(1, 4)),
        st.tuples(st.just("void_event"), st.integers(0, 99)),
        st.tuples(st.just("move_session"), st.integers(0, 99), st.sampled_from(MONTHS)),
        st.tuples(st.just("void_session"), st.integers(0, 99)),
        st.tuples(st.just("mark_stale"), st.sampled_from(SITES), st.sampled_from(MONTHS)),
        st.tuples(st.just("drop_rollup"), st.sampled_from(SITES), st.sampled_from(MONTHS)),
    ),
    max_size=5,
)
PERIODS = (
    (None, None),
    (date(2025, 11, 1), date(2026, 2, 28)),
    (date(2025, 12, 1), date(2026, 1, 31)),
    (date(2026, 1, 1), None),
    (None, date(2025, 12, 31)),
    (date(2025, 12, 1), date(2025, 12, 31)),
    (date(2025, 11, 15), date(2026, 1, 20)),  # not whole months: always live
)
NARROWING = (
    {},
    {},
    {},
    {"routes": (Route.IV,)},
    {"indications": (Indication.TRD,)},
    {"grades": (2, 3)},
    {"serious": True},
    {"session_numbers": (1, 7)},
    {"review": "submitted"},
    {"review": "signed_off"},
)
filters_st = st.tuples(
    st.sampled_from(PERIODS),
    st.sampled_from([(), ("north",), ("south",), ("north", "south")]),
    st.sampled_from(NARROWING),
    st.sampled_from(["auditor", "director"]),
)


def at(month: str, day: int, hour: int) -> datetime:
    return datetime.fromisoformat(f"{month}-{day:02d}").replace(hour=hour, tzinfo=UTC)


def event_data(spec: dict, started_at: datetime, terms: dict) -> dict:
    fatal = spec["grade"] == 5
    return {
        "term": terms[spec["term"]],
        "grade": spec["grade"],
        "onset_at": started_at + timedelta(minutes=spec["onset"]),
        "is_hospitalisation": spec["serious"],
        "is_death": fatal,
        "outcome": Outcome.FATAL if fatal else Outcome.UNKNOWN,
        "narrative": "Observed overnight." if spec["serious"] or fatal else "",
    }


def build(people, sites, indications, session_specs) -> list[InfusionSession]:
    terms = {term.code: term for term in EventTerm.objects.filter(code__in=TERMS)}
    patients = {
        (code, index): PatientFactory(site=site, indication=indications[2 * i + index % 2])
        for i, (code, site) in enumerate(sites.items())
        for index in range(3)
    }
    sessions = []
    open_patients = set()
    for spec in session_specs:
        started = at(spec["month"], spec["day"], spec["hour"])
        planned = spec["status"] == SessionStatus.PLANNED
        status = spec["status"]
        # A patient has at most one session in progress (a database constraint).
        key = (spec["site"], spec["patient"])
        if status == SessionStatus.IN_PROGRESS and not spec["voided"]:
            if key in open_patients:
                status = SessionStatus.COMPLETED
            open_patients.add(key)
        session = InfusionSessionFactory(
            patient=patients[key],
            status=status,
            started_at=None if planned else started,
            route=spec["route"],
            dose_mg_per_kg=Decimal(spec["dose"]),
            is_voided=spec["voided"],
            void_reason="Entered in error" if spec["voided"] else "",
        )
        sessions.append(session)
        for event in spec["events"]:
            AdverseEventFactory(
                session=session,
                reported_by=people["nurse"],
                status=(
                    EventStatus.VOIDED
                    if event["voided"]
                    else EventStatus.DRAFT
                    if event["draft"]
                    else EventStatus.SUBMITTED
                ),
                void_reason="Duplicate" if event["voided"] else "",
                **event_data(event, started, terms),
            )
    return sessions


def apply_write(write, sessions, sites, chief) -> None:
    """One write through the services (or a mark, or a dropped rollup); a write the service
    refuses (e.g. an amendment whose onset no longer fits a moved session) writes nothing."""
    with contextlib.suppress(ValidationError):
        _write(write, sessions, sites, chief)


def _write(write, sessions, sites, chief) -> None:
    kind = write[0]
    started = [s for s in sessions if s.started_at and not s.is_voided]
    events = list(AdverseEvent.objects.exclude(status=EventStatus.VOIDED).order_by("id"))
    if kind == "file_event" and started:
        session = started[write[1] % len(started)]
        terms = {term.code: term for term in EventTerm.objects.filter(code__in=TERMS)}
        data = event_data(write[2], session.started_at, terms)
        adverse_event_create(actor=chief, session=session, data=data, submit=True)
    elif kind == "regrade_event" and events:
        event = events[write[1] % len(events)]
        if event.grade < 5:
            adverse_event_update(
                event=event,
                actor=chief,
                data={"grade": write[2]},
                expected_version=event.version,
                reason="Regraded after review",
            )
    elif kind == "void_event" and events:
        event = events[write[1] % len(events)]
        adverse_event_void(
            event=event, actor=chief, reason="Entered twice", expected_version=event.version
        )
    elif kind == "move_session" and started:
        session = InfusionSession.objects.get(pk=started[write[1] % len(started)].pk)
        moved = session.started_at.replace(year=int(write[2][:4]), month=int(write[2][5:]))
        infusion_session_update(
            session=session,
            actor=chief,
            data={"started_at": moved},
            expected_version=session.version,
            reason="Start time corrected",
        )
    elif kind == "void_session" and started:
        session = InfusionSession.objects.get(pk=started[write[1] % len(started)].pk)
        infusion_session_void(
            session=session, actor=chief, reason="Wrong patient", expected_version=session.version
        )
    elif kind == "mark_stale":
        StalePartition.objects.create(site=sites[write[1]], month=write[2])
    elif kind == "drop_rollup":
        MonthlyRollup.objects.filter(site=sites[write[1]], month=write[2]).delete()


def report_filters(drawn, sites) -> ReportFilters:
    (date_from, date_to), site_codes, narrowing, _ = drawn
    site_ids = tuple(sites[code].pk for code in site_codes)
    return ReportFilters(date_from=date_from, date_to=date_to, site_ids=site_ids, **narrowing)


def summary_without_rollups(user, filters: ReportFilters) -> SafetySummary:
    """The all-live computation: the same call with every rollup removed (then put back)."""
    with transaction.atomic():
        MonthlyRollup.objects.all().delete()
        summary = safety_summary(user, filters)
        transaction.set_rollback(True)
    return summary


def assert_same_summary(actual: SafetySummary, expected: SafetySummary) -> None:
    for name in (
        "period",
        "sessions",
        "patients",
        "events",
        "sessions_with_event",
        "patients_with_event",
        "serious_events",
    ):
        assert getattr(actual, name) == getattr(expected, name), name
    for name in ("events_per_100", "sessions_with_event_rate", "patients_with_event_rate"):
        assert repr(getattr(actual, name)) == repr(getattr(expected, name)), name
    for name in SafetySummary.TABLES:
        pd.testing.assert_frame_equal(getattr(actual, name), getattr(expected, name), obj=name)
    pd.testing.assert_frame_equal(
        actual.term_months.reset_index(drop=True), expected.term_months.reset_index(drop=True)
    )
    assert repr(actual.p_chart) == repr(expected.p_chart)
    assert repr(actual.funnel) == repr(expected.funnel)
    assert [s.as_dict() for s in actual.signals] == [s.as_dict() for s in expected.signals]


def assert_matches_live(people, drawn_filters, sites) -> None:
    for drawn in drawn_filters:
        user, filters = people[drawn[3]], report_filters(drawn, sites)
        assert_same_summary(safety_summary(user, filters), summary_without_rollups(user, filters))


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    indications=st.lists(st.sampled_from(Indication.values), min_size=4, max_size=4),
    session_specs=st.lists(sessions_st, min_size=1, max_size=10),
    writes=writes_st,
    drawn_filters=st.lists(filters_st, min_size=3, max_size=3),
)
def test_fresh_stale_and_missing_rollups_give_the_live_summary(
    auditor, director, nurse, north, south, indications, session_specs, writes, drawn_filters
):
    sites = {"north": north, "south": south}
    people = {"auditor": auditor, "director": director, "nurse": nurse}
    with transaction.atomic():
        chief = UserFactory(username="morgan")
        MembershipFactory(user=chief, site=None, role=Role.MEDICAL_DIRECTOR)
        sessions = build(people, sites, indications, session_specs)
        rollups_refresh()
        assert not StalePartition.objects.exists()
        assert_matches_live(people, drawn_filters, sites)  # fresh

        for write in writes:
            apply_write(write, sessions, sites, chief)
        assert_matches_live(people, drawn_filters, sites)  # partly stale or missing

        rollups_refresh()
        assert not StalePartition.objects.exists()
        assert_matches_live(people, drawn_filters, sites)  # fresh again
        transaction.set_rollback(True)
