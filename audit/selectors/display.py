"""Stored values as an auditor reads them: choice labels, related records by name, times in
UTC or in the site's zone. Shared by the trail pages, the log pages and the exported trail."""

from __future__ import annotations

import json
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.db import models

from audit.policy import ledger_policy


def display_value(
    model_field: models.Field[Any, Any],
    value: Any,
    choices: dict[Any, Any] | None = None,
    names: dict[Any, str] | None = None,
) -> str:
    """A stored value as an auditor reads it (choice labels, UTC times, related records by
    name: `names` maps related ids to the names the ledger policy gave them)."""
    if value is None or value == "":
        return ""
    if model_field.is_relation:
        name = names.get(value) if names else None
        related = model_field.related_model
        kind = related._meta.verbose_name if isinstance(related, type) else "record"
        return name or f"{kind} #{value}"
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


def related_names(
    fields: list[models.Field[Any, Any]], rows: list[tuple[Any, ...]]
) -> dict[str, dict[Any, str]]:
    """For each foreign key among `fields` (the first columns of `rows`), the names of the
    records it points to, asked of the ledger policy once per field: {field name: {id: name}}.
    """
    names: dict[str, dict[Any, str]] = {}
    for index, model_field in enumerate(fields):
        if not model_field.is_relation:
            continue
        ids = {row[index] for row in rows} - {None, ""}
        related = model_field.related_model
        if ids and isinstance(related, type):
            names[model_field.name] = ledger_policy().display_names(related, ids)
    return names


def utc_text(moment: datetime) -> str:
    """`2026-03-01 14:05:09`: the instant in UTC, to the second."""
    return zone_text(moment, UTC)


def zone_text(moment: datetime, zone: tzinfo) -> str:
    """`2026-03-01 08:05:09`: the wall-clock time in `zone`, to the second.

    `isoformat` is about twice as fast as `strftime`, which a long trail calls thousands of
    times; `strftime` is kept for years before 1000, which it writes without leading zeros.
    """
    local = moment.astimezone(zone)
    if local.year < 1000:
        return local.strftime("%Y-%m-%d %H:%M:%S")
    return local.isoformat(" ", "seconds")[:19]
