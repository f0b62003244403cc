"""Time formatting for the auditor pages: UTC and a site's local time, spelled out."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template

register = template.Library()


@register.filter
def utc(value: datetime | None) -> str:
    """`2026-03-01 14:05:09 UTC`."""
    if not value:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@register.filter
def in_zone(value: datetime | None, zone: object) -> str:
    """The same instant in a site's zone, with its abbreviation: `2026-03-01 08:05:09 CST`."""
    if not value or not zone:
        return ""
    try:
        tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


@register.filter
def lookup(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def detail_text(value: object) -> str:
    """An access-log detail as text an auditor reads, not Python's dict notation:
    `{"view": "review_queue", "filters": {"site": [1], "serious": True}}` ->
    `view: review_queue; filters: site = 1, serious = yes` (`none` for empty)."""
    if isinstance(value, dict):
        return "; ".join(f"{_words(key)}: {_inner(item)}" for key, item in value.items()) or "none"
    return _inner(value)


def _words(key: object) -> str:
    return str(key).replace("_", " ")


def _inner(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{_words(key)} = {_inner(item)}" for key, item in value.items()) or "none"
    if isinstance(value, list | tuple):
        return " and ".join(_inner(item) for item in value) if value else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
