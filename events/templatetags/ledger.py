"""Template helpers of the clinical record: times that name their zone, accessible form
widgets and due clocks."""

from datetime import datetime, timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


@register.filter
def at_site(value, site):
    """A moment in the time zone of the site it happened at (for pages listing many sites)."""
    if value is None or site is None:
        return value
    return timezone.localtime(value, site.zone)


def _local(value: datetime, site):
    """The moment in the site's zone, or in the page's active zone (a site page activates
    its site's zone; other pages show UTC)."""
    zone = site.zone if site is not None else timezone.get_current_timezone()
    return timezone.localtime(value, zone)


def _day_text(local: datetime) -> str:
    """'25 Jun' in the current year (of that zone), '25 Jun 2025' otherwise."""
    this_year = timezone.localtime(timezone.now(), local.tzinfo).year
    return local.strftime("%-d %b" if local.year == this_year else "%-d %b %Y")


def _time_tag(local: datetime, text: str):
    zone_name = getattr(local.tzinfo, "key", None) or local.tzname()
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(timespec="minutes"),
        zone_name,
        text,
    )


@register.filter
def when(value: datetime | None, site=None):
    """A moment with its zone: '25 Jun, 14:57 CDT', with the year when it is not this year
    ('25 Jun 2025, 14:57 CDT'). In the site's zone when a site is given, else the page's."""
    if not value:
        return ""
    local = _local(value, site)
    return _time_tag(local, f"{_day_text(local)}, {local:%H:%M} {local.tzname()}")


@register.filter
def clock(value: datetime | None, site=None):
    """The time of day with its zone ('14:57 CDT'), for rows under a heading that gives the
    date (a session's readings and events)."""
    if not value:
        return ""
    local = _local(value, site)
    return _time_tag(local, f"{local:%H:%M} {local.tzname()}")


@register.filter
def day(value: datetime | None, site=None):
    """The calendar day of a moment in the site's (or page's) zone: '25 Jun', or
    '25 Jun 2025' outside this year."""
    if not value:
        return ""
    local = _local(value, site)
    return _time_tag(local, _day_text(local))


@register.filter
def accessible(bound_field):
    """The widget with `aria-describedby` pointing at its help and error text, and
    `aria-invalid` when it has errors."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_helptext")
    attrs = {}
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)


@register.filter
def time_left(delta: timedelta | None) -> str:
    """'3 d 4 h left', '5 h left' or 'overdue by 2 d'."""
    if delta is None:
        return ""
    seconds = int(delta.total_seconds())
    overdue, seconds = seconds < 0, abs(seconds)
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    minutes = (seconds % 3600) // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return f"overdue by {text}" if overdue else f"{text} left"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def plain_number(value) -> str:
    """A decimal without trailing zeros: 0.500 -> 0.5, 35.00 -> 35."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(str(value)).normalize():f}"
    return text
