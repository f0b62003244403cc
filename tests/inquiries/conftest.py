"""Fixtures of the questions-and-documents tests: a submitted event filed by Alice (nurse) at
North, assessed, waiting for Dana (director); and files made on the spot."""

import io

import pytest
from PIL import Image

from events.choices import EventStatus
from tests.api.conftest import (  # noqa: F401  (the API fixtures, for the API tests here)
    anonymous,
    as_auditor,
    as_director,
    as_nurse,
    as_outsider,
)
from tests.factories import AdverseEventFactory

GPS_TAG = 0x8825
MAKE_TAG = 0x010F


@pytest.fixture
def event(session, nurse):
    from django.utils import timezone

    return AdverseEventFactory(
        session=session,
        reported_by=nurse,
        status=EventStatus.SUBMITTED,
        causality="possible",
        submitted_at=timezone.now(),
        review_due_at=timezone.now() + timezone.timedelta(days=30),
    )


def png_bytes(size=(40, 20), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(size=(64, 48)) -> bytes:
    """A photo as a phone takes it: EXIF with the camera's make and a GPS block."""
    exif = Image.Exif()
    exif[MAKE_TAG] = "PhoneCam"
    exif[GPS_TAG] = {1: "N", 2: (51.0, 30.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 230)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf_bytes(body: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        + body
        + b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )
