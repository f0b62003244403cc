"""The filters of every safety report, parsed once from GET parameters.

The dashboard, the JSON API, the CSV and the PDF all take a `ReportFilters`, so a link copied
from one opens the same figures in another. Query parameters (repeat a key for several values,
or separate them with commas):

    date_from, date_to   YYYY-MM-DD, by session start, site-local day, inclusive
    site                 site ids
    route, drug, dose_band, indication          session attributes (code values)
    term                 term codes (or term ids)
    category, grade, serious                    event attributes
    session_number       1-6, or 7 for "7 and later"
    onset                time-to-onset bands (see ONSET_BANDS)
    review               which events by review status: all (default: every event not
                         voided), submitted (submitted and signed off), signed_off

Anything else is refused, naming the parameter: an unknown parameter (`routes=im` would
otherwise give unfiltered figures that look filtered), an id past the database's integers, a
date outside `DATE_RANGE`, a period longer than `settings.REPORT_MAX_PERIOD_YEARS` (a report
over millennia would hold a worker for minutes), and, given the user, a site they cannot see.
An endpoint's own parameters (`chart_term`, `page`) are named by the endpoint as `options`.

Filters on session attributes narrow the denominator and the events; filters on event
attributes narrow only the events (the rate of "grade 3 hypertension per 100 sessions").
"""

from __future__ import annotations

import calendar
import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeAlias
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone

from events.access import ALL_SITES, Reader, visible_site_ids
from events.choices import Drug, EventStatus, Indication, Route, TermCategory
from events.models import EventTerm, Site
from events.rules import DOSE_BANDS

# Time from session start to onset, in minutes: [low, high) with None for "open".
ONSET_BANDS: dict[str, tuple[int | None, int | None]] = {
    "before_start": (None, 0),
    "0-15": (0, 15),
    "15-30": (15, 30),
    "30-60": (30, 60),
    "60-120": (60, 120),
    ">120": (120, None),
}
ONSET_UNKNOWN = "unknown"
SESSION_NUMBERS = (1, 2, 3, 4, 5, 6, 7)  # 7 stands for "7 and later"
# Primary keys are 64-bit integers; a larger number cannot even be sent to the database.
MAX_ID = 2**63 - 1
# Session dates a report may name. Outside them, site-local midnights can leave the range of
# Python's datetimes (year 1 east of UTC, the day after 9999-12-31).
DATE_RANGE = (date(1900, 1, 1), date(2999, 12, 31))
# Values of one parameter: more sites or terms than any clinic has, fewer than a database's
# limit on bound variables.
MAX_VALUES = 200
_TERM_CODE = re.compile(r"[-a-zA-Z0-9_]{1,60}")

# Review status filter: value -> (label every rendering prints, event statuses counted).
REVIEW_ALL = "all"
_DRAFT, _SUBMITTED, _SIGNED_OFF = EventStatus.DRAFT, EventStatus.SUBMITTED, EventStatus.SIGNED_OFF
REVIEW_STATUSES: dict[str, tuple[str, tuple[str, ...]]] = {
    REVIEW_ALL: ("all events not voided, drafts included", (_DRAFT, _SUBMITTED, _SIGNED_OFF)),
    "submitted": ("submitted and signed-off events (drafts left out)", (_SUBMITTED, _SIGNED_OFF)),
    "signed_off": ("signed-off events only", (_SIGNED_OFF,)),
}


# GET parameters as a request has them (a QueryDict) or as a plain dict of str or lists.
Query: TypeAlias = Mapping[str, Any]


class InvalidFilters(ValueError):
    """Raised for a GET parameter that cannot be read; `errors` maps parameter to message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers. Every field is optional; empty means "no restriction"."""

    date_from: date | None = None
    date_to: date | None = None
    site_ids: tuple[int, ...] = ()
    routes: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    dose_bands: tuple[str, ...] = ()
    indications: tuple[str, ...] = ()
    term_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    serious: bool | None = None
    session_numbers: tuple[int, ...] = ()
    onset_bands: tuple[str, ...] = ()
    review: str = REVIEW_ALL

    # field name -> query parameter name
    PARAMETERS = {
        "date_from": "date_from",
        "date_to": "date_to",
        "site_ids": "site",
        "routes": "route",
        "drugs": "drug",
        "dose_bands": "dose_band",
        "indications": "indication",
        "term_ids": "term",
        "categories": "category",
        "grades": "grade",
        "serious": "serious",
        "session_numbers": "session_number",
        "onset_bands": "onset",
        "review": "review",
    }
    SESSION_FIELDS = (
        "date_from",
        "date_to",
        "site_ids",
        "routes",
        "drugs",
        "dose_bands",
        "indications",
        "session_numbers",
    )
    EVENT_FIELDS = ("term_ids", "categories", "grades", "serious", "onset_bands", "review")

    @classmethod
    def from_query(
        cls, query: Query, *, user: Reader | None = None, options: Iterable[str] = ()
    ) -> ReportFilters:
        """Parse a QueryDict (or a plain dict of str/list) into filters.

        `options` are the other parameters the endpoint reads; any further parameter is an
        error. With `user`, a site they cannot see is an error too (never silently dropped).
        Raises `InvalidFilters` naming every parameter that is wrong and why.
        """
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}

        def parse(name: str, reader: Callable[[list[str]], object]) -> None:
            try:
                values[name] = reader(_values(query, cls.PARAMETERS[name]))
            except ValueError as error:
                errors[cls.PARAMETERS[name]] = str(error)

        known = {*cls.PARAMETERS.values(), *options}
        for name in _names(query):
            if name not in known:
                errors[name] = f"Unknown parameter (known: {', '.join(sorted(known))})."
        parse("date_from", _one_date)
        parse("date_to", _one_date)
        parse("site_ids", _ints)
        parse("routes", lambda raw: _codes(raw, Route.values))
        parse("drugs", lambda raw: _codes(raw, Drug.values))
        parse("dose_bands", lambda raw: _codes(raw, DOSE_BANDS))
        parse("indications", lambda raw: _codes(raw, Indication.values))
        parse("term_ids", _terms)
        parse("categories", lambda raw: _codes(raw, TermCategory.values))
        parse("grades", lambda raw: _ints(raw, allowed=range(1, 6)))
        parse("serious", _one_bool)
        parse("session_numbers", lambda raw: _ints(raw, allowed=SESSION_NUMBERS))
        parse("onset_bands", lambda raw: _codes(raw, (*ONSET_BANDS, ONSET_UNKNOWN)))
        parse("review", lambda raw: _one(_codes(raw, REVIEW_STATUSES)) or REVIEW_ALL)
        errors.update(_period_errors(values.get("date_from"), values.get("date_to")))
        if user is not None and values.get("site_ids"):
            errors.update(_site_errors(user, values["site_ids"]))
        if errors:
            raise InvalidFilters(errors)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form for the access log, the API and the PDF cover (empty ones left out)."""
        result: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value in (None, ()) or value == field.default:
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            result[field.name] = value
        return result

    def as_query(self) -> str:
        """The GET parameters that reproduce these filters (for links and drill-downs)."""
        pairs: list[tuple[str, str]] = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            name = self.PARAMETERS[field.name]
            if value is None or value == () or value == field.default:
                continue
            if isinstance(value, bool):
                pairs.append((name, "true" if value else "false"))
            elif isinstance(value, tuple):
                pairs.extend((name, str(item)) for item in value)
            else:
                pairs.append((name, str(value)))
        return urlencode(pairs)

    def replace(self, **changes: Any) -> ReportFilters:
        """A copy with some fields changed (a drill-down narrows one dimension)."""
        return dataclasses.replace(self, **changes)

    @property
    def has_event_filters(self) -> bool:
        return any(self.is_set(name) for name in self.EVENT_FIELDS)

    def is_set(self, name: str) -> bool:
        """Whether a field narrows the report (differs from its "no restriction" default)."""
        return getattr(self, name) != _DEFAULTS[name]

    @property
    def review_label(self) -> str:
        """The review status filter in words, printed by every rendering."""
        return REVIEW_STATUSES[self.review][0]

    @property
    def event_statuses(self) -> tuple[str, ...]:
        """The event statuses the review status filter counts (never voided)."""
        return REVIEW_STATUSES[self.review][1]


_DEFAULTS = {field.name: field.default for field in dataclasses.fields(ReportFilters)}


def month_key(day: date) -> str:
    """The stored reporting month of a day, "YYYY-MM" (`InfusionSession.month`)."""
    # Not strftime("%Y"): it does not zero-pad years before 1000, which a client may send.
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" month from `first` to `last`, both included."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_filters(filters: ReportFilters, month: str) -> ReportFilters:
    """The filters narrowed to one month, inside the report's own period."""
    year, number = int(month[:4]), int(month[5:7])
    start = date(year, number, 1)
    end = date(year, number, calendar.monthrange(year, number)[1])
    if filters.date_from and filters.date_from > start:
        start = filters.date_from
    if filters.date_to and filters.date_to < end:
        end = filters.date_to
    return filters.replace(date_from=start, date_to=end)


def term_option(query: Query, name: str) -> int | None:
    """One term (code or id) read from an endpoint's own parameter, e.g. `chart_term`."""
    try:
        terms = _terms(_values(query, name))
        if len(terms) > 1:
            raise ValueError("Give one term, not several.")
    except ValueError as error:
        raise InvalidFilters({name: str(error)}) from None
    return terms[0] if terms else None


def _names(query: Query) -> list[str]:
    return list(query.keys())


def _period_errors(date_from: date | None, date_to: date | None) -> dict[str, str]:
    """The period must lie in `DATE_RANGE`, run forwards and span at most the configured
    maximum. An open end counts from today: the period then runs up to or from now."""
    errors: dict[str, str] = {}
    low, high = DATE_RANGE
    for name, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None and not low <= day <= high:
            errors[name] = f"Must be between {low.isoformat()} and {high.isoformat()}."
    if errors or (date_from is None and date_to is None):
        return errors
    if date_from and date_to and date_from > date_to:
        return {"date_to": "The end date is before the start date."}
    years = settings.REPORT_MAX_PERIOD_YEARS
    today = timezone.localdate()
    start = date_from or (min(today, date_to) if date_to else today)
    end = date_to or max(today, start)
    if end >= _years_after(start, years):
        name = "date_from" if date_to is None else "date_to"
        return {name: f"The period is longer than the maximum of {years} years."}
    return {}


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return date(day.year + years, 3, 1)


def _site_errors(user: Reader, site_ids: tuple[int, ...]) -> dict[str, str]:
    visible = visible_site_ids(user)
    if visible is ALL_SITES:
        visible = set(Site.objects.filter(id__in=site_ids).values_list("id", flat=True))
    hidden = [str(site_id) for site_id in site_ids if site_id not in visible]
    if hidden:
        return {"site": f"Not a site you can see: {', '.join(hidden)}."}
    return {}


def _terms(raw: list[str]) -> tuple[int, ...]:
    """Term codes (`hypertension`) or ids, as ids; an unknown code is an error."""
    codes = [value for value in raw if not value.isdecimal()]
    # Only what can be a code reaches the database (PostgreSQL refuses a NUL in text).
    slugs = [code for code in codes if _TERM_CODE.fullmatch(code)]
    found = dict(EventTerm.objects.filter(code__in=slugs).values_list("code", "id"))
    unknown = [value for value in codes if value not in found]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a term code.")
    ids = _ints([value for value in raw if value.isdecimal()])
    return tuple(dict.fromkeys([*ids, *(found[code] for code in codes)]))


def _values(query: Query, name: str) -> list[str]:
    if hasattr(query, "getlist"):
        raw = query.getlist(name)
    else:
        raw = query.get(name, [])
        raw = [raw] if isinstance(raw, str | int) else list(raw)
    items: list[str] = []
    for value in raw:
        items.extend(part.strip() for part in str(value).split(","))
    items = [item for item in items if item]
    if len(items) > MAX_VALUES:
        raise ValueError(f"Give at most {MAX_VALUES} values.")
    return items


def _one(raw: Sequence[str]) -> str | None:
    if len(set(raw)) > 1:
        raise ValueError("Give one value, not several.")
    return raw[0] if raw else None


def _one_date(raw: list[str]) -> date | None:
    value = _one(raw)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD).") from None


def _one_bool(raw: list[str]) -> bool | None:
    value = _one(raw)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError(f"{value!r} is not true or false.")


def _ints(raw: list[str], allowed: Iterable[int] | None = None) -> tuple[int, ...]:
    result: list[int] = []
    allowed_set = set(allowed) if allowed is not None else None
    for value in raw:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number.") from None
        if not 1 <= number <= MAX_ID or (allowed_set is not None and number not in allowed_set):
            choices = ", ".join(str(a) for a in sorted(allowed_set or ())) or f"1 to {MAX_ID}"
            raise ValueError(f"{value!r} is not allowed (choose from {choices}).")
        if number not in result:
            result.append(number)
    return tuple(result)


def _codes(raw: list[str], allowed: Iterable[str]) -> tuple[str, ...]:
    allowed = tuple(allowed)
    result: list[str] = []
    for value in raw:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of: {', '.join(allowed)}.")
        if value not in result:
            result.append(value)
    return tuple(result)
