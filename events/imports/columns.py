"""The import's columns: their names (those of the event line listing where the listing has
the value), which record each fills, and how a cell is read.

A row of an import file can carry a patient, a session of that patient, an adverse event in
that session and a set of vital signs taken in it: which of them it carries follows from the
cells that are filled. The four templates are subsets of the one list of columns, so a file
may hold patients only, sessions, events, readings, or all of them at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import timezone

from events.choices import (
    ActionTaken,
    Causality,
    DetectedBy,
    Drug,
    Indication,
    Outcome,
    Route,
    Sex,
    YesNoNA,
)

PATIENT, SESSION, EVENT, VITALS = "patient", "session", "event", "vitals"


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message says what is expected."""


@dataclass(frozen=True)
class Column:
    """One import column: the record it belongs to, the model field it fills, its reader."""

    name: str
    record: str
    field: str
    read: Callable[[str, tzinfo], object]
    help: str


def read_text(value: str, zone: tzinfo) -> str:
    return value


def read_int(value: str, zone: tzinfo) -> int:
    try:
        return int(value)
    except ValueError:
        raise CellError("Enter a whole number.") from None


def read_decimal(value: str, zone: tzinfo) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError("Enter a number with a decimal point (e.g. 0.5).") from None
    if not number.is_finite():
        raise CellError("Enter a number with a decimal point (e.g. 0.5).")
    return number


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def read_bool(value: str, zone: tzinfo) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError("Enter true or false.")


def read_datetime(value: str, zone: tzinfo) -> datetime:
    """ISO 8601 with or without a UTC offset ("2026-03-02T09:15:00-06:00", "2026-03-02 09:15");
    a time without an offset is read in the site's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CellError(
            "Enter a date and time as YYYY-MM-DD HH:MM, optionally with a UTC offset "
            "(2026-03-02T09:15:00-06:00)."
        ) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone)
    return moment


def choice_reader(choices: type[models.Choices]) -> Callable[[str, tzinfo], object]:
    values = {str(value) for value in choices.values}
    allowed = ", ".join(sorted(values))

    def read(value: str, zone: tzinfo) -> str:
        if value.lower() not in values:
            raise CellError(f"Enter one of: {allowed}.")
        return value.lower()

    return read


SESSION_STATUSES = ("completed", "stopped_early")
EVENT_STATUSES = ("draft", "submitted", "signed_off")


def _status_reader(allowed: tuple[str, ...]) -> Callable[[str, tzinfo], object]:
    def read(value: str, zone: tzinfo) -> str:
        if value.lower() not in allowed:
            raise CellError(f"Enter one of: {', '.join(allowed)}.")
        return value.lower()

    return read


def _column(
    name: str, record: str, read: Callable[[str, tzinfo], object], help: str, *, field: str = ""
) -> Column:
    return Column(name=name, record=record, field=field or name, read=read, help=help)


_YES_NO = choice_reader(YesNoNA)
_TIME_HELP = "date and time, site time unless an offset is given"

COLUMNS: tuple[Column, ...] = (
    _column("site_code", PATIENT, read_text, "the site's code; must be the import's site"),
    _column(
        "patient_chart_number",
        PATIENT,
        read_text,
        "chart number (required on every row)",
        field="chart_number",
    ),
    _column("birth_year", PATIENT, read_int, "year of birth (new patients)"),
    _column("sex", PATIENT, choice_reader(Sex), "female, male, other or unknown (new patients)"),
    _column("indication", PATIENT, choice_reader(Indication), "indication (new patients)"),
    _column("session_started_at", SESSION, read_datetime, _TIME_HELP, field="started_at"),
    _column("session_ended_at", SESSION, read_datetime, _TIME_HELP, field="ended_at"),
    _column(
        "session_status",
        SESSION,
        _status_reader(SESSION_STATUSES),
        "completed (default) or stopped_early",
        field="status",
    ),
    _column("drug", SESSION, choice_reader(Drug), "ketamine or esketamine"),
    _column("route", SESSION, choice_reader(Route), "iv, im, intranasal or oral"),
    _column("dose_mg_per_kg", SESSION, read_decimal, "dose in mg/kg"),
    _column("weight_kg", SESSION, read_decimal, "weight in kg"),
    _column("total_dose_mg", SESSION, read_decimal, "total dose in mg (computed when empty)"),
    _column("planned_duration_min", SESSION, read_int, "planned minutes (default 40)"),
    _column("lot_number", SESSION, read_text, "drug lot"),
    _column("term_code", EVENT, read_text, "event term code (see the term list)", field="term"),
    _column("other_term_text", EVENT, read_text, "description when the term is 'other'"),
    _column("onset_at", EVENT, read_datetime, _TIME_HELP),
    _column("resolved_at", EVENT, read_datetime, _TIME_HELP),
    _column("grade", EVENT, read_int, "CTCAE grade 1-5"),
    _column("is_death", EVENT, read_bool, "true or false"),
    _column("is_life_threatening", EVENT, read_bool, "true or false"),
    _column("is_hospitalisation", EVENT, read_bool, "true or false"),
    _column("is_disability", EVENT, read_bool, "true or false"),
    _column("is_congenital_anomaly", EVENT, read_bool, "true or false"),
    _column("is_other_medically_important", EVENT, read_bool, "true or false"),
    _column("is_expected", EVENT, read_bool, "true or false (default: the term's)"),
    _column("outcome", EVENT, choice_reader(Outcome), "outcome"),
    _column("action_taken", EVENT, choice_reader(ActionTaken), "action taken"),
    _column("rescue_medication", EVENT, read_text, "rescue medication"),
    _column("causality", EVENT, choice_reader(Causality), "WHO-UMC causality"),
    _column("dechallenge", EVENT, _YES_NO, "yes, no or does_not_apply"),
    _column("rechallenge", EVENT, _YES_NO, "yes, no or does_not_apply"),
    _column("detected_by", EVENT, choice_reader(DetectedBy), "how the event was noticed"),
    _column("narrative", EVENT, read_text, "narrative (required for serious events)"),
    _column(
        "status",
        EVENT,
        _status_reader(EVENT_STATUSES),
        "submitted (default) or draft",
        field="status",
    ),
    _column("vital_taken_at", VITALS, read_datetime, _TIME_HELP, field="taken_at"),
    *(
        _column(name, VITALS, read_int, "reading")
        for name in ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")
    ),
    _column("moaas", VITALS, read_int, "MOAA/S 0-5"),
    _column("cadss6", VITALS, read_int, "CADSS-6 0-24"),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
REQUIRED_COLUMNS = ("patient_chart_number",)

# Columns of the event line listing that the record derives (ids, numbers, names, flags,
# reviewers): a listing can be imported as it is, these are read past.
DERIVED_LISTING_COLUMNS = frozenset(
    {
        "event_id",
        "session_id",
        "site_timezone",
        "dose_band",
        "session_number",
        "onset_minutes",
        "term",
        "category",
        "is_serious",
        "reported_by",
        "recorded_at",
        "submitted_at",
        "signed_off_at",
        "signed_off_by",
        "is_draft",
    }
)

_KEYS = ("site_code", "patient_chart_number")
TEMPLATES: dict[str, tuple[str, ...]] = {
    "patients": (*_KEYS, "birth_year", "sex", "indication"),
    "sessions": (*_KEYS, *(c.name for c in COLUMNS if c.record == SESSION)),
    "events": (*_KEYS, "session_started_at", *(c.name for c in COLUMNS if c.record == EVENT)),
    "vital-signs": (
        *_KEYS,
        "session_started_at",
        *(c.name for c in COLUMNS if c.record == VITALS),
    ),
    "all": tuple(column.name for column in COLUMNS),
}
