"""FDA's E2B(R3) data-element table, as the validator reads it.

Source: `data-elements.csv` of FDA's E2B(R3) reference material (FAERS electronic submissions:
"FDA ICH E2B(R3) data elements", with the FDA regional elements), kept beside the project in
`shared/reference/e2b-r3/`. The columns the validator needs are checked in as
`fda_e2b_data_elements.csv` (`extract`), so the tests run where that folder is not;
`test_e2b_validator.py` checks the extract against the source whenever the source is there.
"""

import csv
import re
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRACT = HERE / "fda_e2b_data_elements.csv"
SOURCE = HERE.parents[2] / "shared" / "reference" / "e2b-r3" / "data-elements.csv"
COLUMNS = (
    "number",
    "name",
    "source",
    "max_length",
    "data_type",
    "values_allowed",
    "ich_conformance",
    "postmarket_conformance",
    "null_flavors",
    "oids",
)
# The nullFlavor columns of the source table, in order.
NULL_FLAVORS = ("NI", "MSK", "UNK", "NA", "ASKU", "NASK", "NINF", "PINF", "OTH")


def extract(source: Path = SOURCE) -> list[dict[str, str]]:
    """The rows of the source table that define an element, reduced to `COLUMNS`."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[2:]  # two header rows
    elements = []
    for row in rows:
        number = row[2].strip()
        if not number or number.startswith("("):  # section headers
            continue
        flags = [
            name
            for name, cell in zip(NULL_FLAVORS, row[20:29], strict=False)
            if cell.strip()[:1] in "Yy"
        ]
        elements.append(
            {
                "number": number,
                "name": " ".join(row[3].split()),
                "source": row[0].strip(),
                "max_length": row[4].strip(),
                "data_type": " ".join(row[5].split()),
                "values_allowed": " ".join(row[6].split()),
                "ich_conformance": row[7].strip(),
                "postmarket_conformance": row[9].strip(),
                "null_flavors": " ".join(flags),
                "oids": " ".join(re.findall(r"\d+(?:\.\d+){3,}", row[29])),
            }
        )
    return elements


def write_extract(rows: list[dict[str, str]], path: Path = EXTRACT) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_extract(path: Path = EXTRACT) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class Element:
    """One data element's rules: conformance, length, type, code list, nullFlavors, OIDs."""

    number: str
    name: str
    max_length: int | None
    data_type: str
    values_allowed: str
    is_required: bool
    null_flavors: frozenset[str]
    oids: frozenset[str]

    @property
    def codes(self) -> frozenset[str]:
        """The codes of a coded element's list ("1=Spontaneous report / 2=..."), if any."""
        return frozenset(re.findall(r"(?:^|[\s/])(C?\d{1,6})\s*=", self.values_allowed))

    @property
    def ucum_units(self) -> frozenset[str]:
        if "UCUM code" not in self.values_allowed:
            return frozenset()
        return frozenset(re.findall(r"([\w.{}]+)\s*\(", self.values_allowed.split(":", 1)[1]))


def load() -> dict[str, Element]:
    """The elements by number. An element is required when ICH requires it or FDA's
    postmarket route does (FDA regional elements and C.3.3/C.3.4)."""
    elements = {}
    for row in read_extract():
        length = row["max_length"]
        elements[row["number"]] = Element(
            number=row["number"],
            name=row["name"],
            max_length=int(length) if length.isdigit() else None,
            data_type=row["data_type"],
            values_allowed=row["values_allowed"],
            is_required=any(
                row[column].startswith("Required")
                for column in ("ich_conformance", "postmarket_conformance")
            ),
            null_flavors=frozenset(row["null_flavors"].split()),
            oids=frozenset(row["oids"].split()),
        )
    return elements
