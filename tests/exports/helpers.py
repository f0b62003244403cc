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


def exported(client, url: str, query=None, **headers):
    """Ask for an export as a browser or an API client does, and return the file's response.

    An export that answers with a job (a 302 to its page, or a 202 with its Location) is run
    here, synchronously, as its worker would; then its download is fetched.
    """
    from exports.services import export_jobs_drain

    response = client.get(url, query or {}, **headers)
    if response.status_code not in (302, 202) or "/jobs/" not in response["Location"]:
        return response
    export_jobs_drain()
    return client.get(response["Location"].rstrip("/") + "/download/", **headers)


def body(response) -> bytes:
    """A response's bytes, streamed or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
