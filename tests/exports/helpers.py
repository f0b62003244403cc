"""Helpers shared by the export tests: the hostile strings, fixed times, reading a PDF."""

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

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


MM = 72 / 25.4  # PDF points per millimetre


@dataclass(frozen=True)
class PdfWord:
    page: int
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def pdf_words(content: bytes, tmp_path) -> tuple[list[PdfWord], list[tuple[float, float]]]:
    """Every word of a PDF with its box in points (`pdftotext -bbox`), and each page's size."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(content)
    result = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    words, pages = [], []
    for element in ElementTree.fromstring(result.stdout).iter():  # noqa: S314 - our own file
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "page":
            pages.append((float(element.get("width")), float(element.get("height"))))
        elif tag == "word":
            box = [float(element.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            words.append(PdfWord(len(pages), element.text or "", *box))
    return words, pages


def words_outside_margins(content: bytes, tmp_path, *, side_mm: float = 10) -> list[PdfWord]:
    """The words that reach into the left or right `side_mm` of their page, or past its top
    or bottom edge: text cut off, or printed where a binder or a printer would lose it."""
    words, pages = pdf_words(content, tmp_path)
    outside = []
    for word in words:
        width, height = pages[word.page - 1]
        inside = (
            word.x_min >= side_mm * MM - 0.5
            and word.x_max <= width - side_mm * MM + 0.5
            and word.y_min >= 0
            and word.y_max <= height
        )
        if not inside:
            outside.append(word)
    return outside
