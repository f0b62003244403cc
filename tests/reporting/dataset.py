"""A small reporting data set whose figures the tests recompute with plain Python.

`build_dataset(north, south)` creates the records through the factories and returns the
specs they were made from, so a test can count from the specs (the reference) and compare
with what the summary computes in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from events.choices import EventStatus, Indication, Route, SessionStatus
from events.models import AdverseEvent, EventTerm, InfusionSession
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

# Exposure: sessions that started, whatever became of them (planned and voided ones do not).
COUNTED = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)


@dataclass
class SessionSpec:
    patient: str
    started_at: datetime | None
    status: str = SessionStatus.COMPLETED
    route: str = Route.IV
    dose: str = "0.50"
    voided: bool = False
    record: InfusionSession | None = None

    @property
    def counts(self) -> bool:
        return self.status in COUNTED and not self.voided


@dataclass
class EventSpec:
    session: int  # index into the session specs
    term: str
    grade: int
    onset_minutes: int = 20
    serious: bool = False
    voided: bool = False
    record: AdverseEvent | None = None


@dataclass
class Dataset:
    sessions: list[SessionSpec]
    events: list[EventSpec]
    patients: dict = field(default_factory=dict)

    def counted_sessions(self) -> list[SessionSpec]:
        return [s for s in self.sessions if s.counts]

    def counted_events(self) -> list[EventSpec]:
        return [e for e in self.events if not e.voided and self.sessions[e.session].counts]


def at(day: str, hour: int = 15) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def build_dataset(north, south) -> Dataset:
    """Sessions over January to March 2026 at two sites, with every case the rules name:
    a voided event, a voided session, a planned session (never counted), an in-progress
    session (counted, with its event),
    a session stopped early (counted), one term twice in a session at different grades,
    a serious event, an onset before the start, a seventh session, and a start on
    1 February UTC that is still 31 January in Chicago."""
    patients = {
        "n1": PatientFactory(site=north, chart_number="N-1", indication=Indication.TRD),
        "n2": PatientFactory(site=north, chart_number="N-2", indication=Indication.PTSD),
        "s1": PatientFactory(site=south, chart_number="S-1", indication=Indication.TRD),
    }
    sessions = [
        SessionSpec("n1", at("2026-01-05")),  # 0
        SessionSpec("n1", at("2026-01-12"), dose="0.80"),  # 1
        SessionSpec("n1", at("2026-01-19"), status=SessionStatus.STOPPED_EARLY),  # 2
        SessionSpec("n1", at("2026-02-01", hour=3)),  # 3: still 31 January in Chicago
        SessionSpec("n1", at("2026-02-09"), route=Route.IM, dose="0.40"),  # 4
        SessionSpec("n1", at("2026-02-16"), dose="1.20"),  # 5
        SessionSpec("n1", at("2026-03-02")),  # 6: seventh session
        SessionSpec("n2", at("2026-01-07")),  # 7
        SessionSpec("n2", at("2026-02-11"), voided=True),  # 8: voided session
        SessionSpec("n2", None, status=SessionStatus.PLANNED),  # 9: planned
        SessionSpec("n2", at("2026-03-04"), status=SessionStatus.IN_PROGRESS),  # 10
        SessionSpec("s1", at("2026-01-08"), route=Route.INTRANASAL),  # 11
        SessionSpec("s1", at("2026-02-12")),  # 12
        SessionSpec("s1", at("2026-03-12")),  # 13
    ]
    events = [
        EventSpec(0, "nausea", 1, onset_minutes=10),
        EventSpec(0, "nausea", 3, onset_minutes=35),  # same term, worse grade
        EventSpec(0, "hypertension", 2, onset_minutes=5),
        EventSpec(1, "dissociation", 2, onset_minutes=20),
        EventSpec(2, "hypertension", 4, onset_minutes=25, serious=True),
        EventSpec(3, "nausea", 1, onset_minutes=70),
        EventSpec(4, "dizziness", 1, onset_minutes=-10),
        EventSpec(5, "nausea", 2, onset_minutes=150),
        EventSpec(5, "nausea", 2, voided=True),  # voided event
        EventSpec(6, "headache", 1, onset_minutes=45),
        EventSpec(7, "dissociation", 1, onset_minutes=15),
        EventSpec(8, "nausea", 3),  # voided session: never counts
        EventSpec(10, "vomiting", 2),  # in-progress session: counts all the same
        EventSpec(11, "nausea", 2, onset_minutes=30),
        EventSpec(13, "hypertension", 1, onset_minutes=0),
    ]
    for spec in sessions:
        spec.record = InfusionSessionFactory(
            patient=patients[spec.patient],
            status=spec.status,
            started_at=spec.started_at,
            route=spec.route,
            dose_mg_per_kg=Decimal(spec.dose),
            is_voided=spec.voided,
            void_reason="Entered in error" if spec.voided else "",
        )
    terms = {term.code: term for term in EventTerm.objects.all()}
    for spec in events:
        session = sessions[spec.session].record
        started = session.started_at or at("2026-03-04")
        spec.record = AdverseEventFactory(
            session=session,
            term=terms[spec.term],
            grade=spec.grade,
            onset_at=started + timedelta(minutes=spec.onset_minutes),
            is_hospitalisation=spec.serious,
            narrative="Admitted for observation." if spec.serious else "",
            status=EventStatus.VOIDED if spec.voided else EventStatus.SUBMITTED,
            void_reason="Duplicate" if spec.voided else "",
        )
    return Dataset(sessions, events, patients)


def make_series(site, monthly: list[tuple[str, int, int]], term_code: str = "nausea") -> None:
    """Sessions per month at a site: (month "YYYY-MM", sessions, sessions with one event)."""
    patient = PatientFactory(site=site)
    term = EventTerm.objects.get(code=term_code)
    for month, n, with_event in monthly:
        for index in range(n):
            session = InfusionSessionFactory(
                patient=patient,
                status=SessionStatus.COMPLETED,
                started_at=at(f"{month}-10") + timedelta(hours=index % 5),
            )
            if index < with_event:
                AdverseEventFactory(session=session, term=term, grade=1)
