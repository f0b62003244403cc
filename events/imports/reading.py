"""From the bytes of an uploaded file to its header and rows, refusing what is not a CSV file
the import can read: archives (a zip bomb named .csv is never opened), binary content, text
that is not UTF-8, duplicated or empty headers. A UTF-8 byte-order mark is read past, and the
separator (comma, semicolon or tab) is the one the header line uses.

How a file's headers map to the import's columns (`Mapping`) is decided here too: a header
that is a column's name maps to it (ignoring case and spaces), the listing's derived columns
are read past, and anything else needs the director's choice in the mapping step.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from events.imports.columns import COLUMNS_BY_NAME, DERIVED_LISTING_COLUMNS, REQUIRED_COLUMNS

# Magic numbers of archives and compressed streams: zip, gzip, bzip2, xz, 7z, zstd.
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"\x28\xb5\x2f\xfd",
)
_SEPARATORS = (",", ";", "\t")
IGNORE = ""  # a header mapped to this is read past


class FileRefused(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass(frozen=True)
class CsvFile:
    """A decoded file: its headers, its separator and its text."""

    headers: tuple[str, ...]
    separator: str
    text: str
    had_bom: bool = False

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) for every row after the header that is not empty."""
        reader = csv.reader(io.StringIO(self.text), delimiter=self.separator, strict=True)
        try:
            next(reader, None)
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield reader.line_num, cells
        except csv.Error as error:
            raise FileRefused(f"Line {reader.line_num} cannot be read as CSV: {error}.") from None


def max_bytes() -> int:
    return int(settings.IMPORT_MAX_BYTES)


def read_csv(content: bytes) -> CsvFile:
    """Check and decode the file; FileRefused says what is wrong with it."""
    if len(content) > max_bytes():
        raise FileRefused(
            f"The file is {len(content) / 1e6:.0f} MB; the limit is {max_bytes() / 1e6:.0f} MB. "
            "Split it into several files (each is imported on its own)."
        )
    if not content.strip():
        raise FileRefused("The file is empty.")
    if content.startswith(_ARCHIVE_MAGIC):
        raise FileRefused(
            "This is a compressed archive (zip, gzip...), not a CSV file. Extract it and "
            "upload the CSV file itself."
        )
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused("The file is UTF-16 text. Save it as 'CSV UTF-8' and upload it again.")
    if b"\x00" in content[:65536]:
        raise FileRefused("The file holds binary data, not CSV text.")
    had_bom = content.startswith(b"\xef\xbb\xbf")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        byte = content[error.start : error.start + 1].hex()
        raise FileRefused(
            f"The file is not UTF-8 text (byte 0x{byte} on line {line}). Save it as "
            "'CSV UTF-8' (in Excel: Save As, CSV UTF-8) and upload it again."
        ) from None
    first_line = text.split("\n", 1)[0]
    separator = max(_SEPARATORS, key=first_line.count)
    header_cells = next(csv.reader(io.StringIO(first_line), delimiter=separator), [])
    headers = tuple(cell.strip() for cell in header_cells)
    _check_headers(headers)
    return CsvFile(headers=headers, separator=separator, text=text, had_bom=had_bom)


def _check_headers(headers: tuple[str, ...]) -> None:
    if not any(headers):
        raise FileRefused("The first line must name the columns; it is empty.")
    empty = [str(index + 1) for index, name in enumerate(headers) if not name]
    if empty:
        raise FileRefused(f"Column {', '.join(empty)} of the header line has no name.")
    seen: dict[str, int] = {}
    for index, name in enumerate(headers):
        key = name.lower()
        if key in seen:
            raise FileRefused(
                f"The header '{name}' appears twice (columns {seen[key] + 1} and {index + 1}). "
                "Rename or remove one of them."
            )
        seen[key] = index


def _normalised(header: str) -> str:
    return header.strip().lower().replace(" ", "_")


@dataclass
class Mapping:
    """File header -> import column name (or IGNORE), and what is still missing."""

    columns: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    @classmethod
    def guess(cls, headers: tuple[str, ...]) -> "Mapping":
        mapping = cls()
        for header in headers:
            name = _normalised(header)
            if name in COLUMNS_BY_NAME:
                mapping.columns[header] = name
            elif name in DERIVED_LISTING_COLUMNS:
                mapping.columns[header] = IGNORE
            else:
                mapping.unknown.append(header)
        return mapping

    @classmethod
    def chosen(cls, headers: tuple[str, ...], choices: dict[str, str]) -> "Mapping":
        """The director's choices (header -> column or IGNORE) over the guess."""
        mapping = cls.guess(headers)
        for header, name in choices.items():
            if header in headers and (name == IGNORE or name in COLUMNS_BY_NAME):
                mapping.columns[header] = name
                if header in mapping.unknown:
                    mapping.unknown.remove(header)
        return mapping

    def problems(self) -> list[str]:
        """Why the mapping cannot be used yet (empty when it can)."""
        problems = [
            f"The column '{header}' is not one the import knows: map it to a column or ignore it."
            for header in self.unknown
        ]
        targets = [name for name in self.columns.values() if name != IGNORE]
        for name in sorted({name for name in targets if targets.count(name) > 1}):
            sources = [header for header, target in self.columns.items() if target == name]
            problems.append(f"Several columns ({', '.join(sources)}) are mapped to '{name}'.")
        problems += [
            f"The required column '{name}' is missing."
            for name in REQUIRED_COLUMNS
            if name not in targets
        ]
        return problems
