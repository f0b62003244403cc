"""Shared helpers for the clinical record's models."""

import zoneinfo

from django.core.exceptions import ValidationError
from simple_history.models import HistoricalRecords

from audit.models import HistoryBase


def history() -> HistoricalRecords:
    return HistoricalRecords(bases=[HistoryBase], cascade_delete_history=False)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. America/Chicago).")
