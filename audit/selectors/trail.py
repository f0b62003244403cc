"""A record's trail: every version of one record, oldest first, with what each changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from operator import ne
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from audit.policy import ledger_policy
from audit.selectors.display import display_value, related_names
from audit.selectors.records import ACTIONS, history_model_of, tracked_fields


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
    stored: dict[str, Any] = field(default_factory=dict, repr=False)
    fields: list[models.Field[Any, Any]] = field(default_factory=list, repr=False)
    names: dict[str, dict[Any, str]] = field(default_factory=dict, repr=False)

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

    def __init__(
        self, model_field: models.Field[Any, Any], names: dict[Any, str] | None = None
    ) -> None:
        self.field = model_field
        self.name = model_field.name
        self.label = str(model_field.verbose_name)
        self.choices = dict(model_field.flatchoices) if model_field.choices else None
        self.names = names
        self.last_value: Any = _NOT_SHOWN
        self.last_text = ""

    def show(self, value: Any) -> str:
        if value is not self.last_value:
            self.last_value = value
            self.last_text = display_value(self.field, value, self.choices, self.names)
        return self.last_text


def _changes(
    shown: list[_ShownField], previous: tuple[Any, ...] | None, current: tuple[Any, ...]
) -> list[FieldChange]:
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


def record_trail(
    model: type[models.Model], pk: object, *, zone: ZoneInfo | None = None
) -> list[TrailVersion]:
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
    previous: tuple[Any, ...] | None = None
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
