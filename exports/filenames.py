"""The one file-name scheme of every export, the content types they are sent with, and the
shape of an export sent in the response."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


@dataclass(frozen=True)
class ExportFile:
    """A bounded export, ready to send: its bytes (or chunks), name and content type."""

    content: bytes | Iterable[bytes]
    filename: str
    content_type: str


def export_filename(subject: str, extension: str, *, at: datetime | None = None) -> str:
    """`safety-ledger-<subject>-<UTC minute>.<extension>`, e.g.
    `safety-ledger-events-20260105-1500.csv`."""
    stamp = (at or timezone.now()).astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"safety-ledger-{subject}-{stamp}.{extension}"
