"""The one file-name scheme of every export, and the content types they are sent with."""

from datetime import UTC, datetime

from django.utils import timezone

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


def export_filename(subject: str, extension: str, *, at: datetime | None = None) -> str:
    """`safety-ledger-<subject>-<UTC minute>.<extension>`, e.g.
    `safety-ledger-events-20260105-1500.csv`."""
    stamp = (at or timezone.now()).astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"safety-ledger-{subject}-{stamp}.{extension}"
