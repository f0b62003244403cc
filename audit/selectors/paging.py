"""What the audit log and the access log share: their filters and their keyset cursors.

The logs page by keyset (a cursor naming the last row shown), never by OFFSET or COUNT, so a
page costs the same on the millionth row as on the first.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

PAGE_SIZE = 50


class InvalidCursor(ValueError):
    """A cursor that this server did not hand out."""


@dataclass(frozen=True)
class LogFilters:
    """Filters shared by the audit log and the access log (all optional)."""

    username: str = ""
    site_id: int | None = None
    model: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.__dict__.items()
            if value not in (None, "")
        }


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`: the logs' date filters are whole UTC days."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def encode_cursor(*parts: Any) -> str:
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as error:
        raise InvalidCursor("This page link is not valid; start from the first page.") from error
    if not isinstance(parts, list) or len(parts) != length:
        raise InvalidCursor("This page link is not valid; start from the first page.")
    return parts
