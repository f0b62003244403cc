"""Every read of the ledger: record trails, the global audit log and the access log.

All of them are scoped by the ledger policy (`audit.policy`): a record at a site the reader
cannot see is a 404, and rows of such records never appear in a log. The logs page by keyset
(a cursor naming the last row shown), never by OFFSET or COUNT, so a page costs the same on
the millionth row as on the first.
"""

import base64
import heapq
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, reduce
from itertools import compress
from operator import ne, or_
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404

from audit.models import AccessLog, HistoryBase, VerificationRun
from audit.policy import ledger_policy

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
PAGE_SIZE = 50


class InvalidCursor(ValueError):
    """A cursor that this server did not hand out."""


# --- access -------------------------------------------------------------------------------


def require_ledger_reader(user) -> None:
    if not ledger_policy().can_read(user):
        raise PermissionDenied("The audit trail is open to auditors and medical directors.")


@cache
def _history_models() -> dict[str, tuple[type[models.Model], type[models.Model]]]:
    """Record models with chained history and their history models, by lower-case label.

    Read once: the registry is fixed after start-up, and every read of `Model.history` builds
    a new manager class (simple-history), about a millisecond per model on every page.
    """
    found = {}
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        history_model = getattr(manager, "model", None)
        if history_model is not None and issubclass(history_model, HistoryBase):
            found[model._meta.label_lower] = (model, history_model)
    return dict(sorted(found.items()))


def audited_models() -> dict[str, type[models.Model]]:
    """Record models with chained history, by lower-case label ("events.adverseevent")."""
    return {label: model for label, (model, _) in _history_models().items()}


def history_model_of(model: type[models.Model]) -> type[models.Model]:
    """The history model of an audited record model."""
    return _history_models()[model._meta.label_lower][1]


def audited_model(label: str) -> type[models.Model]:
    model = audited_models().get(label.lower())
    if model is None:
        raise Http404("No such record type.")
    return model


def _site_of(model: type[models.Model], pk) -> tuple[bool, int | None]:
    """Whether the record exists (live or in history), and its site id."""
    path = ledger_policy().site_path(model)
    pk_name = model._meta.pk.attname
    for manager in (model._default_manager, history_model_of(model)._default_manager):
        queryset = manager.filter(**{pk_name: pk})
        if path is None:
            if queryset.exists():
                return True, None
            continue
        found = queryset.values_list(path, flat=True)[:1]
        if found:
            return True, found[0]
    return False, None


def require_record_visible(user, model: type[models.Model], pk) -> int | None:
    """The record's site id; 404 when it does not exist or the reader may not see it."""
    require_ledger_reader(user)
    try:
        model._meta.pk.to_python(pk)
        exists, site_id = _site_of(model, pk)
    except (ValueError, TypeError, models.ObjectDoesNotExist):
        raise Http404("No such record.") from None
    visible = ledger_policy().visible_site_ids(user)
    if not exists or (visible is not None and site_id not in visible):
        raise Http404("No such record.")
    return site_id


# --- record trail ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class TrailVersion:
    """One history row of a record, with what changed since the version before it."""

    number: int
    history_id: int
    action: str
    action_label: str
    user_id: int | None
    user_name: str
    at: datetime
    at_local: datetime | None
    reason: str
    request_id: str
    source: str
    hash: str
    changes: list[FieldChange] = field(default_factory=list)
    stored: dict = field(default_factory=dict, repr=False)
    fields: list = field(default_factory=list, repr=False)
    names: dict = field(default_factory=dict, repr=False)

    @property
    def at_local_iso(self) -> str | None:
        """The site's local time with its offset (ISO 8601), e.g. 2026-03-01T08:05:09-06:00."""
        return self.at_local.isoformat() if self.at_local else None

    @property
    def values(self) -> list[tuple[str, str]]:
        """Every field of this version as (label, value): the record as it was."""
        return [
            (
                str(f.verbose_name),
                display_value(f, self.stored[f.attname], names=self.names.get(f.name)),
            )
            for f in self.fields
        ]


def display_value(
    model_field: models.Field, value, choices: dict | None = None, names: dict | None = None
) -> str:
    """A stored value as an auditor reads it (choice labels, UTC times, related records by
    name: `names` maps related ids to the names the ledger policy gave them)."""
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        name = names.get(value) if names else None
        return name or f"{model_field.related_model._meta.verbose_name} #{value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if model_field.choices:
        labels = choices if choices is not None else dict(model_field.flatchoices)
        return str(labels.get(value, value))
    if isinstance(value, datetime):
        return f"{utc_text(value)} UTC"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def related_names(fields: list[models.Field], rows: list[tuple]) -> dict[str, dict]:
    """For each foreign key among `fields` (the first columns of `rows`), the names of the
    records it points to, asked of the ledger policy once per field: {field name: {id: name}}.
    """
    names = {}
    for index, model_field in enumerate(fields):
        if not model_field.is_relation:
            continue
        ids = {row[index] for row in rows} - {None, ""}
        if ids:
            names[model_field.name] = ledger_policy().display_names(model_field.related_model, ids)
    return names


def utc_text(moment: datetime) -> str:
    """`2026-03-01 14:05:09`: the instant in UTC, to the second."""
    return zone_text(moment, UTC)


def zone_text(moment: datetime, zone) -> str:
    """`2026-03-01 08:05:09`: the wall-clock time in `zone`, to the second.

    `isoformat` is about twice as fast as `strftime`, which a long trail calls thousands of
    times; `strftime` is kept for years before 1000, which it writes without leading zeros.
    """
    local = moment.astimezone(zone)
    if local.year < 1000:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.isoformat(" ", "seconds")[:19]


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return list(history_model_of(model).tracked_fields)


# Columns of a history row read for the trail, after the record's own tracked fields.
_VERSION_COLUMNS = (
    "history_id",
    "history_type",
    "history_user_id",
    "history_user_name",
    "history_date",
    "history_change_reason",
    "request_id",
    "source",
    "hash",
)
_NOT_SHOWN = object()


class _ShownField:
    """One tracked field as the trail shows it, remembering the last value it displayed.

    A value that changes is shown twice: as the new value of one version and as the old value
    of the next. The second time it is the very same object (the previous row's), so its
    text is reused instead of formatted again; `updated_at` alone changes in every version.
    """

    __slots__ = ("field", "name", "label", "choices", "names", "last_value", "last_text")

    def __init__(self, model_field: models.Field, names: dict | None = None):
        self.field = model_field
        self.name = model_field.name
        self.label = str(model_field.verbose_name)
        self.choices = dict(model_field.flatchoices) if model_field.choices else None
        self.names = names
        self.last_value = _NOT_SHOWN
        self.last_text = ""

    def show(self, value) -> str:
        if value is not self.last_value:
            self.last_value = value
            self.last_text = display_value(self.field, value, self.choices, self.names)
        return self.last_text


def _changes(shown: list[_ShownField], previous: tuple | None, current: tuple):
    """The fields of `current` that differ from the version before (the first version: the
    fields it sets)."""
    if previous is None:
        return [
            FieldChange(name=s.name, label=s.label, old="", new=s.show(new))
            for s, new in zip(shown, current, strict=True)
            if new not in (None, "")
        ]
    # The columns are compared in C (`map(ne)`): a version usually changes two or three of
    # thirty-odd fields, so Python only sees the changed ones.
    changed = compress(zip(shown, previous, current, strict=True), map(ne, previous, current))
    return [
        FieldChange(name=s.name, label=s.label, old=s.show(old), new=s.show(new))
        for s, old, new in changed
    ]


def record_trail(model: type[models.Model], pk, *, zone: ZoneInfo | None = None):
    """Every version of one record, oldest first, each with its field-by-field changes.

    One query fetches every version in order; consecutive versions are compared in Python,
    so a record with a thousand versions costs one round trip, not a thousand.
    """
    fields = tracked_fields(model)
    attnames = [f.attname for f in fields]
    width = len(fields)
    rows = list(
        history_model_of(model)
        ._default_manager.filter(**{model._meta.pk.attname: pk})
        .order_by("history_id")
        .values_list(*attnames, *_VERSION_COLUMNS)
    )
    # Foreign keys read as names ("North Clinic (site 1)"): one question per related type.
    names = related_names(fields, rows)
    shown = [_ShownField(f, names.get(f.name)) for f in fields]
    versions: list[TrailVersion] = []
    previous = None
    for number, values in enumerate(rows, start=1):
        current = values[:width]
        history_id, action, user_id, user_name, at, reason, request_id, source, hash_ = values[
            width:
        ]
        versions.append(
            TrailVersion(
                number=number,
                history_id=history_id,
                action=action,
                action_label=ACTIONS.get(action, action),
                user_id=user_id,
                user_name=user_name,
                at=at,
                at_local=at.astimezone(zone) if zone else None,
                reason=reason or "",
                request_id=request_id,
                source=source,
                hash=hash_,
                changes=_changes(shown, previous, current),
                stored=dict(zip(attnames, current, strict=True)),
                fields=fields,
                names=names,
            )
        )
        previous = current
    return versions


def version_as_of(versions: list[TrailVersion], moment: datetime) -> TrailVersion | None:
    """The version in force at `moment` (the same answer as `history.as_of`), or None if the
    record did not exist yet."""
    in_force = None
    for version in versions:
        if version.at <= moment:
            in_force = version
        else:
            break
    if in_force is not None and in_force.action == "-":
        return None
    return in_force


def site_zone(site_id: int | None) -> ZoneInfo | None:
    if site_id is None:
        return None
    name = ledger_policy().site_timezones().get(site_id)
    return ZoneInfo(name) if name else None


# --- global audit log --------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilters:
    """Filters shared by the audit log and the access log (all optional)."""

    username: str = ""
    site_id: int | None = None
    model: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict:
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.__dict__.items()
            if value not in (None, "")
        }


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def encode_cursor(*parts) -> str:
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as error:
        raise InvalidCursor("This page link is not valid; start from the first page.") from error
    if not isinstance(parts, list) or len(parts) != length:
        raise InvalidCursor("This page link is not valid; start from the first page.")
    return parts


@dataclass(frozen=True)
class LogEntry:
    """One row of the global audit log: a version of some record."""

    at: datetime
    label: str
    model_name: str
    object_id: str
    history_id: int
    action: str
    action_label: str
    user_name: str
    reason: str
    source: str
    request_id: str
    site_id: int | None

    @property
    def sort_key(self) -> tuple:
        return (self.at, self.label, self.history_id)


def _user_ids(username: str) -> list[int]:
    """The ids of the accounts named `username`, read once for every table.

    As a subquery in each table's read, PostgreSQL cannot tell how many rows the user has
    and walks the whole table by date (9 s on 1.3 million readings); against the ids it
    reads the user's rows along the (user, date) index.
    """
    return list(get_user_model().objects.filter(username=username).values_list("pk", flat=True))


def _matching(filters: LogFilters, user_ids: list[int]) -> Q:
    """The filters every history table is read with, besides the site."""
    where = Q()
    if filters.username:
        where &= Q(history_user_id__in=user_ids)
    if filters.action:
        where &= Q(history_type=filters.action)
    if filters.since:
        where &= Q(history_date__gte=_day_start(filters.since))
    if filters.until:
        where &= Q(history_date__lt=_day_start(filters.until + timedelta(days=1)))
    return where


def _sites_to_read(visible: set[int] | None, site_id: int | None) -> list[int] | None:
    """The sites whose rows a log page reads; `None` for every site and sitewide records."""
    if site_id:
        return [site_id] if visible is None or site_id in visible else []
    return None if visible is None else sorted(visible)


def _at_sites(history: type[models.Model], path: str, sites: list[int]) -> list[Q | Exists]:
    """One filter per index range to read, for history rows of records at `sites`.

    A site column on the row itself is read site by site, each along the table's (site,
    history date) index, so a page reads about a page of rows per site however large the
    table and however small the site's share of it. A site reached through a parent ("the
    session's site") is asked of the parent row by row (EXISTS) while the history is read
    newest first along its date index: written as a join, SQLite starts from the parent
    table instead and sorts every row of those sites (1.3 s for 1.3 million readings).
    """
    relation, _, parent_path = path.partition("__")
    if not parent_path:
        return [Q(**{path: site}) for site in sites]
    link = history._meta.get_field(relation)
    parents = link.related_model._default_manager.filter(
        pk=OuterRef(link.attname), **{f"{parent_path}__in": sites}
    )
    return [Exists(parents)]


def _after(label: str, after: tuple | None) -> Q:
    """Rows of table `label` that come after the cursor `after` (newest first)."""
    if after is None:
        return Q()
    at, after_label, after_id = after
    if label < after_label:
        return Q(history_date__lte=at)
    if label > after_label:
        return Q(history_date__lt=at)
    # The redundant upper bound lets PostgreSQL start its index scan at the cursor; the OR
    # alone would have it scan from the newest row down on every page.
    return Q(history_date__lte=at) & (
        Q(history_date__lt=at) | Q(history_date=at, history_id__lt=after_id)
    )


_NEWEST_FIRST = ("-history_date", "-history_id")


def _history_page_for(model, label, where: Q, sites, after, limit) -> list[LogEntry]:
    path = ledger_policy().site_path(model)
    if path is None and sites is not None:
        return []
    history = history_model_of(model)
    rows = history._default_manager.filter(where, _after(label, after))
    ranges = [Q()] if sites is None else _at_sites(history, path, sites)
    reads = [_newest_first(model, path, rows.filter(site))[:limit] for site in ranges]
    if len(reads) > 1 and connections[rows.db].features.supports_slicing_ordering_in_compound:
        # PostgreSQL takes the per-site reads as one statement and merges their index scans
        # (Merge Append): one round trip per table. SQLite cannot LIMIT inside a UNION, so
        # there the reads are separate queries, merged below.
        reads = [reads[0].union(*reads[1:], all=True).order_by(*_NEWEST_FIRST)[:limit]]
    pages = [_log_entries(model, label, read) for read in reads]
    if len(pages) == 1:
        return pages[0]
    merged = heapq.merge(*pages, key=lambda entry: entry.sort_key, reverse=True)
    return [entry for _, entry in zip(range(limit), merged, strict=False)]


def _newest_first(model, path: str | None, rows):
    return rows.order_by(*_NEWEST_FIRST).values(
        "history_id",
        "history_date",
        "history_type",
        "history_user_name",
        "history_change_reason",
        "source",
        "request_id",
        object_id=F(model._meta.pk.attname),
        **({"row_site_id": F(path)} if path else {}),
    )


def _log_entries(model, label: str, rows) -> list[LogEntry]:
    name = str(model._meta.verbose_name)
    return [
        LogEntry(
            at=row["history_date"],
            label=label,
            model_name=name,
            object_id=str(row["object_id"]),
            history_id=row["history_id"],
            action=row["history_type"],
            action_label=ACTIONS.get(row["history_type"], row["history_type"]),
            user_name=row["history_user_name"],
            reason=row["history_change_reason"] or "",
            source=row["source"],
            request_id=row["request_id"],
            site_id=row.get("row_site_id"),
        )
        for row in rows
    ]


def audit_log_page(
    user, filters: LogFilters, *, cursor: str = "", page_size: int = PAGE_SIZE
) -> tuple[list[LogEntry], str]:
    """One page of every history table, newest first, and the cursor of the next page.

    Each table is read by its (history_date, history_id) order with a LIMIT, and the
    per-table pages are merged: one query per audited model, whatever the table sizes.
    """
    require_ledger_reader(user)
    after = None
    if cursor:
        at, label, history_id = decode_cursor(cursor, 3)
        try:
            after = (datetime.fromisoformat(at), str(label), int(history_id))
        except (TypeError, ValueError) as error:
            raise InvalidCursor("This page link is not valid.") from error
    user_ids = _user_ids(filters.username) if filters.username else []
    if filters.username and not user_ids:
        return [], ""
    where = _matching(filters, user_ids)
    sites = _sites_to_read(ledger_policy().visible_site_ids(user), filters.site_id)
    models_by_label = audited_models()
    if filters.model:
        models_by_label = {k: v for k, v in models_by_label.items() if k == filters.model}
    pages = [
        _history_page_for(model, label, where, sites, after, page_size + 1)
        for label, model in models_by_label.items()
    ]
    merged = heapq.merge(*pages, key=lambda entry: entry.sort_key, reverse=True)
    entries = [entry for _, entry in zip(range(page_size + 1), merged, strict=False)]
    next_cursor = ""
    if len(entries) > page_size:
        entries = entries[:page_size]
        last = entries[-1]
        next_cursor = encode_cursor(last.at.isoformat(), last.label, last.history_id)
    return entries, next_cursor


# --- access log ---------------------------------------------------------------------------


def access_log_page(
    user, filters: LogFilters, *, cursor: str = "", page_size: int = PAGE_SIZE
) -> tuple[list[AccessLog], str]:
    """One page of the access log, newest first (by id: the chain's own order)."""
    require_ledger_reader(user)
    entries = AccessLog.objects.all()
    visible = ledger_policy().visible_site_ids(user)
    if visible is not None:
        entries = entries.filter(site_id__in=visible)
    if filters.site_id:
        entries = entries.filter(site_id=filters.site_id)
    if filters.username:
        entries = entries.filter(username=filters.username)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.model:
        entries = entries.filter(object_type=filters.model)
    if filters.since:
        entries = entries.filter(occurred_at__gte=_day_start(filters.since))
    if filters.until:
        entries = entries.filter(occurred_at__lt=_day_start(filters.until + timedelta(days=1)))
    if cursor:
        (last_id,) = decode_cursor(cursor, 1)
        if not isinstance(last_id, int):
            raise InvalidCursor("This page link is not valid.")
        entries = entries.filter(id__lt=last_id)
    page = list(entries.order_by("-id")[: page_size + 1])
    next_cursor = ""
    if len(page) > page_size:
        page = page[:page_size]
        next_cursor = encode_cursor(page[-1].pk)
    return page, next_cursor


# --- verification -------------------------------------------------------------------------


def last_verification_run() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-pk").first()


def verification_run_list(limit: int = 20) -> list[VerificationRun]:
    return list(VerificationRun.objects.order_by("-pk")[:limit])


def audit_log_entries(user, filters: LogFilters, *, limit: int) -> list[LogEntry]:
    """Up to `limit` log entries matching `filters`, newest first (for exports)."""
    entries: list[LogEntry] = []
    cursor = ""
    while len(entries) < limit:
        page, cursor = audit_log_page(
            user, filters, cursor=cursor, page_size=min(1000, limit - len(entries))
        )
        entries.extend(page)
        if not cursor:
            break
    return entries


def audit_log_count(user, filters: LogFilters) -> int:
    """How many log entries match `filters` for `user`: the M of an extract's "first N of M".

    Counts exactly the rows `audit_log_page` would page through, table by table.
    """
    require_ledger_reader(user)
    user_ids = _user_ids(filters.username) if filters.username else []
    if filters.username and not user_ids:
        return 0
    where = _matching(filters, user_ids)
    sites = _sites_to_read(ledger_policy().visible_site_ids(user), filters.site_id)
    total = 0
    for label, model in audited_models().items():
        if filters.model and label != filters.model:
            continue
        path = ledger_policy().site_path(model)
        if path is None and sites is not None:
            continue
        history = history_model_of(model)
        rows = history._default_manager.filter(where)
        if sites is not None:
            ranges = _at_sites(history, path, sites)
            rows = rows.filter(reduce(or_, ranges)) if ranges else rows.none()
        total += rows.count()
    return total
