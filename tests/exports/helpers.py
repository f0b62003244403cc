"""Helpers shared by the export tests: the hostile strings, fixed times, reading a PDF."""

import subprocess
from datetime import UTC, datetime

from tests.system_packages import require_program

INJECTIONS = ["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1:A2)", "\tTAB", "\rCR"]
NON_ASCII = "Nausée légère 中文 😀"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read_pdf_text(content: bytes, tmp_path) -> str:
    """The text of a PDF as pdftotext lays it out."""
    pdftotext = require_program("pdftotext", "poppler-utils")
    path = tmp_path / "export.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, check=True, timeout=30
    )
    return result.stdout.decode()
