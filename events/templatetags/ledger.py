"""Template helpers of the clinical record: site-local times, accessible form widgets and
due clocks."""

from datetime import timedelta
from decimal import Decimal

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def at_site(value, site):
    """A moment in the time zone of the site it happened at (for pages listing many sites)."""
    if value is None or site is None:
        return value
    return timezone.localtime(value, site.zone)


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
