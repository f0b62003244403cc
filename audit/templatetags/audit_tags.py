"""Time formatting for the auditor pages: UTC and a site's local time, spelled out."""

from datetime import UTC, datetime
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
def in_zone(value: datetime | None, zone) -> str:
    """The same instant in a site's zone, with its abbreviation: `2026-03-01 08:05:09 CST`."""
    if not value or not zone:
        return ""
    try:
        tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return ""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key) if mapping else None
