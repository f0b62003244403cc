"""Reading an import file's rows into the records they add, each checked by the services' own
rules (`patient_check`, `infusion_session_check`, `adverse_event_check`, `vital_sign_check`,
which run the models' validation), and finding the rows already on file.

Nothing is written here: a dry run stops at the plan and its problems; a commit writes the
plan (`events.imports.writing`) when it has none. Keys say what is already on file:
a patient by (site, chart number), a session by its patient and start time, an event by
its session, term and onset, a set of readings by its session and time. A row whose records
are all on file (the same file again, or an overlap) adds nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.services import Actor
from events.choices import EventStatus, SessionStatus
from events.imports.columns import (
    COLUMNS_BY_NAME,
    EVENT,
    PATIENT,
    SESSION,
    VITALS,
    CellError,
    Column,
    read_text,
)
from events.imports.reading import IGNORE, CsvFile, Mapping
from events.models import AdverseEvent, EventTerm, InfusionSession, Patient, Site, VitalSign
from events.rules import CourseEntry, course_numbers
from events.services.adverse_events import adverse_event_check
from events.services.patients import patient_check
from events.services.sessions import infusion_session_check
from events.services.vitals import vital_sign_check

# What a spreadsheet would run as a formula (exports.formula_guard writes the same set).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_PROBLEMS = 10_000
PROGRESS_EVERY = 1_000

# Relations the plan sets from its own look-ups, and the provisional keys: the models'
# per-row existence and uniqueness queries for them would make a large file take hours, and
# they name rows not yet written.
_PATIENT_RELATIONS = ("id", "site")
_SESSION_RELATIONS = ("id", "patient", "site", "administered_by")
_EVENT_RELATIONS = ("id", "session", "site", "term", "reported_by", "source_vital")
_VITAL_RELATIONS = ("id", "session", "recorded_by")


_RECORDS = ("patients", "sessions", "events", "vital_signs")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class Problem:
    """One reason a row cannot be imported: the line, the column, the cell and why."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class Plan:
    """The records a file adds, in the order they are written, and what it finds on file."""

    site: Site
    patients: list[Patient] = field(default_factory=list)
    sessions: list[InfusionSession] = field(default_factory=list)
    events: list[AdverseEvent] = field(default_factory=list)
    vitals: list[VitalSign] = field(default_factory=list)
    renumbered: list[InfusionSession] = field(default_factory=list)
    on_file: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_RECORDS, 0))
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    rows: int = 0

    def problem(self, row: int, column: str, value: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, value, message))

    @property
    def new(self) -> dict[str, int]:
        return {
            "patients": len(self.patients),
            "sessions": len(self.sessions),
            "events": len(self.events),
            "vital_signs": len(self.vitals),
        }


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    values: dict[str, dict[str, Any]]


class _Planner:
    def __init__(self, site: Site, actor: Actor, csv_file: CsvFile, mapping: Mapping):
        self.site, self.actor, self.file, self.mapping = site, actor, csv_file, mapping
        self.zone: tzinfo = site.zone
        self.plan = Plan(site=site)
        self.next_key = -1
        self.patients: dict[str, Patient | None] = {}
        self.patient_rows: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.sessions: dict[tuple[int, datetime], InfusionSession | None] = {}
        self.session_rows: dict[tuple[int, datetime], tuple[int, tuple[str, ...]]] = {}
        self.event_keys: set[tuple[int, int, datetime]] = set()
        self.vital_keys: set[tuple[int, datetime]] = set()
        self.found_on_file: set[object] = set()
        self.terms = {term.code: term for term in EventTerm.objects.filter(is_active=True)}
        self._load_on_file()

    def _load_on_file(self) -> None:
        for patient in Patient.objects.filter(site=self.site):
            patient.site = self.site
            self.patients[patient.chart_number] = patient
        by_id = {patient.pk: patient for patient in self.patients.values() if patient}
        sessions = InfusionSession.objects.filter(site=self.site, started_at__isnull=False)
        for session in sessions.order_by():
            session.site = self.site
            session.patient = by_id[session.patient_id]
            assert session.started_at is not None  # the filter above
            self.sessions[(session.patient_id, _utc(session.started_at))] = session
        events = AdverseEvent.objects.filter(site=self.site).values_list(
            "session_id", "term_id", "onset_at"
        )
        self.event_keys = {(s, t, _utc(onset)) for s, t, onset in events}
        vitals = VitalSign.objects.filter(session__site=self.site).values_list(
            "session_id", "taken_at"
        )
        self.vital_keys = {(s, _utc(taken)) for s, taken in vitals}

    def _key(self) -> int:
        # Rows not yet written get provisional negative keys, so the models' rules that
        # look at a parent's key (an event's session) hold for them too.
        key, self.next_key = self.next_key, self.next_key - 1
        return key

    def run(self, progress: Progress | None) -> Plan:
        columns = [self.mapping.columns.get(header, IGNORE) for header in self.file.headers]
        for line, cells in self.file.rows():
            self.plan.rows += 1
            if progress and self.plan.rows % PROGRESS_EVERY == 0:
                progress(self.plan.rows)
            if len(cells) != len(columns):
                self.plan.problem(
                    line,
                    "",
                    "",
                    f"The row has {len(cells)} cells; the header "
                    f"has {len(columns)}. Check the separators and quotes.",
                )
                continue
            named = {name: cell.strip() for name, cell in zip(columns, cells, strict=True) if name}
            row = self._read(line, named)
            if row is not None:
                self._plan_row(row)
        self._number_courses()
        self.plan.on_file["patients"] = sum(isinstance(k, str) for k in self.found_on_file)
        self.plan.on_file["sessions"] = len(self.found_on_file) - self.plan.on_file["patients"]
        return self.plan

    def _read(self, line: int, cells: dict[str, str]) -> _Row | None:
        values: dict[str, dict[str, Any]] = {PATIENT: {}, SESSION: {}, EVENT: {}, VITALS: {}}
        ok = True
        for name, raw in cells.items():
            if not raw:
                continue
            column = COLUMNS_BY_NAME[name]
            try:
                values[column.record][column.field] = _read_cell(column, raw, self.zone)
            except CellError as error:
                self.plan.problem(line, name, raw, str(error))
                ok = False
        site_code = cells.get("site_code", "")
        if site_code and site_code != self.site.code:
            self.plan.problem(
                line,
                "site_code",
                site_code,
                f"This row belongs to site "
                f"'{site_code}'; this import is for '{self.site.code}'. Import "
                "each site's rows into that site.",
            )
            ok = False
        if not cells.get("patient_chart_number"):
            self.plan.problem(line, "patient_chart_number", "", "Every row needs a chart number.")
            ok = False
        values[PATIENT].pop("site_code", None)
        return _Row(line, cells, values) if ok else None

    def _plan_row(self, row: _Row) -> None:
        patient = self._patient(row)
        if patient is None:
            return
        if not (row.values[SESSION] or row.values[EVENT] or row.values[VITALS]):
            return
        session = self._session(row, patient)
        if session is None:
            return
        if row.values[EVENT]:
            self._event(row, session)
        if row.values[VITALS]:
            self._vital(row, session)

    def _patient(self, row: _Row) -> Patient | None:
        values = row.values[PATIENT]
        chart = values["chart_number"]
        signature = _signature(row, PATIENT)
        if chart in self.patients:
            first = self.patient_rows.get(chart)
            self._check_same(row, f"Patient {chart}", chart, first, signature)
            return self.patients[chart]
        patient = Patient(site=self.site, **values)
        missing = [name for name in ("birth_year", "sex", "indication") if name not in values]
        if missing:
            self._problem(
                row,
                "patient_chart_number",
                f"Patient {chart} is not on file at "
                f"this site: give {', '.join(missing)} to register the patient.",
            )
            return None
        patient.pk = self._key()
        if not self._valid(
            row, PATIENT, lambda: patient_check(patient, exclude=_PATIENT_RELATIONS)
        ):
            self.patients[chart] = None
            return None
        self.patients[chart] = patient
        self.patient_rows[chart] = (row.line, signature)
        self.plan.patients.append(patient)
        return patient

    def _session(self, row: _Row, patient: Patient) -> InfusionSession | None:
        values = dict(row.values[SESSION])
        started_at = values.get("started_at")
        if started_at is None:
            self._problem(
                row,
                "session_started_at",
                "Give the session's start time: sessions, events and readings are found by it.",
            )
            return None
        key = (patient.pk, _utc(started_at))
        signature = _signature(row, SESSION)
        if key in self.sessions:
            first = self.session_rows.get(key)
            self._check_same(row, "This session", key, first, signature)
            session = self.sessions[key]
            if session is not None and session.is_voided:
                self._problem(row, "session_started_at", "This session was voided.")
                return None
            return session
        if len(values) == 1:
            self._problem(
                row,
                "session_started_at",
                "No session of this patient starting then "
                "is on file: give its drug, route, dose and weight to add it.",
            )
            return None
        values.setdefault("status", SessionStatus.COMPLETED)
        session = InfusionSession(
            patient=patient, site=self.site, administered_by=self.actor, **values
        )
        session.pk = self._key()
        check = lambda: infusion_session_check(session, exclude=_SESSION_RELATIONS)  # noqa: E731
        if not self._valid(row, SESSION, check):
            self.sessions[key] = None
            return None
        self.sessions[key] = session
        self.session_rows[key] = (row.line, signature)
        self.plan.sessions.append(session)
        return session

    def _event(self, row: _Row, session: InfusionSession) -> None:
        values = dict(row.values[EVENT])
        code = values.pop("term", None)
        term = self.terms.get(code or "")
        if term is None:
            self._problem(
                row,
                "term_code",
                "Unknown event term: use a code from the term list (the template page lists them)."
                if code
                else "Give the event's term.",
            )
            return
        if "onset_at" not in values:
            self._problem(row, "onset_at", "Give the event's onset time.")
            return
        key = (session.pk, term.pk, _utc(values["onset_at"]))
        if key in self.event_keys:
            self.plan.on_file["events"] += 1
            return
        status = values.pop("status", EventStatus.SUBMITTED)
        values.setdefault("is_expected", term.is_expected)
        event = AdverseEvent(
            session=session, site=self.site, term=term, reported_by=self.actor, **values
        )
        if status != EventStatus.DRAFT:  # a signature cannot be imported: signed off anew
            event.status, event.submitted_at = EventStatus.SUBMITTED, _now()
        check = lambda: adverse_event_check(event, exclude=_EVENT_RELATIONS)  # noqa: E731
        if self._valid(row, EVENT, check):
            self.event_keys.add(key)
            self.plan.events.append(event)

    def _vital(self, row: _Row, session: InfusionSession) -> None:
        values = row.values[VITALS]
        if "taken_at" not in values:
            self._problem(row, "vital_taken_at", "Give the time the readings were taken.")
            return
        key = (session.pk, _utc(values["taken_at"]))
        if key in self.vital_keys:
            self.plan.on_file["vital_signs"] += 1
            return
        vital = VitalSign(session=session, recorded_by=self.actor, **values)
        if self._valid(row, VITALS, lambda: vital_sign_check(vital, exclude=_VITAL_RELATIONS)):
            self.vital_keys.add(key)
            self.plan.vitals.append(vital)

    def _check_same(
        self,
        row: _Row,
        what: str,
        key: object,
        first: tuple[int, tuple[str, ...]] | None,
        signature: tuple[str, ...],
    ) -> None:
        """A record given on several rows must read the same on each (empty cells aside);
        one on file before the import is left as it is."""
        if first is None:
            self.found_on_file.add(key)
            return
        line, earlier = first
        if any(
            now and before and now != before for now, before in zip(signature, earlier, strict=True)
        ):
            self._problem(row, "", f"{what} is given differently on row {line}.")

    def _valid(self, row: _Row, record: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except ValidationError as error:
            names = {c.field: c.name for c in COLUMNS_BY_NAME.values() if c.record == record}
            for name, messages in error.message_dict.items():
                column = names.get(name, "" if name == "__all__" else name)
                for message in messages:
                    self.plan.problem(row.line, column, row.cells.get(column, ""), message)
            return False
        return True

    def _problem(self, row: _Row, column: str, message: str) -> None:
        self.plan.problem(row.line, column, row.cells.get(column, ""), message)

    def _number_courses(self) -> None:
        """Number the new sessions in their patients' courses; sessions on file whose number
        moves (a file that fills in earlier history) are renumbered when written."""
        if not self.plan.sessions:
            return
        by_patient: dict[int, list[InfusionSession]] = {}
        for session in self.sessions.values():
            if session is not None and not session.is_voided:
                by_patient.setdefault(session.patient.pk, []).append(session)
        touched = {session.patient.pk for session in self.plan.sessions}
        for patient_key in touched:
            course = by_patient.get(patient_key, [])
            numbers = course_numbers(CourseEntry(s.pk, True, s.started_at) for s in course)
            for session in course:
                number = numbers[session.pk]
                if session.pk < 0:
                    session.sequence_number = number
                elif number != session.sequence_number:
                    session.sequence_number = number
                    self.plan.renumbered.append(session)


def _read_cell(column: Column, raw: str, zone: tzinfo) -> object:
    if column.read is read_text:
        if raw.startswith("'") and raw[1:].startswith(FORMULA_PREFIXES):
            return raw[1:]  # guarded by our own export: the quote is not part of the text
        if raw.startswith(FORMULA_PREFIXES):
            raise CellError(
                "This looks like a spreadsheet formula; it is not imported. Start the text "
                "with a single quote (') if it really begins with this character."
            )
    return column.read(raw, zone)


def _signature(row: _Row, record: str) -> tuple[str, ...]:
    return tuple(row.cells.get(c.name, "") for c in COLUMNS_BY_NAME.values() if c.record == record)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _now() -> datetime:
    return timezone.now()


def import_plan(
    *,
    site: Site,
    actor: Actor,
    csv_file: CsvFile,
    mapping: Mapping,
    progress: Progress | None = None,
) -> Plan:
    """Read every row of the file against the records of `site`; write nothing."""
    return _Planner(site, actor, csv_file, mapping).run(progress)
