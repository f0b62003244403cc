"""Times in PDF templates, printed by the rule of exports.pdf.site_time."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

from exports.pdf import site_time as format_site_time

register = template.Library()


@register.filter
def site_time(moment: datetime | None, zone_name: str) -> str:
    """`{{ event.onset_at|site_time:event.site.timezone }}` -> '2026-01-05 09:30 (UTC-06:00)'."""
    return format_site_time(moment, ZoneInfo(zone_name)) if zone_name else ""
