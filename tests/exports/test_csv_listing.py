"""The CSV event line listing: columns, values, formula guard, scoping, both writers."""

import csv
import io

import pandas as pd
import pytest

from exports.csv_listing import LISTING_COLUMNS, listing_csv_chunks
from reporting.filters import ReportFilters
from tests.exports.helpers import INJECTIONS, NON_ASCII


def listing(user, filters=None, **options) -> bytes:
    return b"".join(listing_csv_chunks(user, filters or ReportFilters(), **options))


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))


def test_the_listing_has_one_row_per_counted_event_with_the_documented_columns(dataset, director):
    content = listing(director)
    rows = rows_of(content)

    assert content.splitlines()[0].decode() == ",".join(LISTING_COLUMNS)
    # Voided e5, e6 in an in-progress session and e7 at another site are not listed.
    assert [int(row["event_id"]) for row in rows] == sorted(
        event.pk for event in dataset.counted_events
    )


def test_each_row_carries_the_event_its_session_and_site_local_times(dataset, director):
    rows = {int(row["event_id"]): row for row in rows_of(listing(director))}
    e2 = rows[dataset.e2.pk]

    assert e2["session_id"] == str(dataset.s1.pk)
    assert e2["site_code"] == "north" and e2["site_timezone"] == "America/Chicago"
    assert e2["patient_chart_number"] == "N-1001"
    assert (e2["drug"], e2["route"], e2["dose_mg_per_kg"]) == ("ketamine", "iv", "0.500")
    assert (e2["weight_kg"], e2["total_dose_mg"], e2["session_number"]) == ("70.0", "35.00", "1")
    # 15:30 UTC in January is 09:30 in Chicago (UTC-6).
    assert e2["session_started_at"] == "2026-01-05T09:00:00-06:00"
    assert e2["onset_at"] == "2026-01-05T09:30:00-06:00"
    assert e2["onset_minutes"] == "30"
    assert (e2["term_code"], e2["term"], e2["category"]) == (
        "hypertension",
        "Hypertension",
        "cardiovascular",
    )
    assert e2["grade"] == "3" and e2["is_serious"] == "true" and e2["is_hospitalisation"] == "true"
    assert e2["is_death"] == "false" and e2["is_expected"] == "false"
    assert (e2["outcome"], e2["action_taken"], e2["causality"]) == (
        "recovering",
        "drug_withdrawn",
        "possible",
    )
    assert e2["status"] == "signed_off" and e2["reported_by"] == "alice"
    assert e2["submitted_at"] == "2026-01-05T10:00:00-06:00"
    assert e2["signed_off_at"] == "2026-01-07T12:30:00-06:00"
    assert e2["signed_off_by"] == "Dana Director"
    # June is daylight saving time in Chicago (UTC-5).
    assert rows[dataset.e4.pk]["onset_at"] == "2026-06-10T09:20:00-05:00"
    # Empty values are empty fields.
    assert rows[dataset.e1.pk]["signed_off_at"] == "" and rows[dataset.e1.pk]["causality"] == ""


def test_text_that_a_spreadsheet_would_run_gets_a_leading_quote_and_numbers_stay_numbers(
    dataset, director
):
    rows = {int(row["event_id"]): row for row in rows_of(listing(director))}

    assert rows[dataset.e2.pk]["rescue_medication"] == "'=1+1"
    assert rows[dataset.e3.pk]["patient_chart_number"] == "'" + INJECTIONS[1]
    assert rows[dataset.e3.pk]["other_term_text"] == "'" + INJECTIONS[3] + " " + NON_ASCII
    assert rows[dataset.e3.pk]["rescue_medication"] == "'\tTAB"
    assert rows[dataset.e4.pk]["rescue_medication"] == "'\rCR"
    # A negative number is a number, not a formula: onset 5 minutes before the start.
    assert rows[dataset.e3.pk]["onset_minutes"] == "-5"


def test_pandas_reads_numbers_as_numbers_and_text_exactly(dataset, director):
    frame = pd.read_csv(io.BytesIO(listing(director)), encoding="utf-8")

    assert pd.api.types.is_integer_dtype(frame["onset_minutes"])
    assert pd.api.types.is_float_dtype(frame["dose_mg_per_kg"])
    assert pd.api.types.is_bool_dtype(frame["is_serious"])
    assert frame.set_index("event_id").loc[dataset.e3.pk, "onset_minutes"] == -5
    assert frame["total_dose_mg"].sum() == pytest.approx(35 + 35 + 60 + 35)
    texts = set(frame["other_term_text"].dropna())
    assert texts == {"'" + INJECTIONS[3] + " " + NON_ASCII}
    assert set(frame["rescue_medication"].dropna()) == {"'=1+1", "'\tTAB", "'\rCR"}


def test_filters_narrow_the_listing_like_the_summary(dataset, director):
    serious = rows_of(listing(director, ReportFilters(serious=True)))
    june = rows_of(listing(director, ReportFilters.from_query({"date_from": "2026-06-01"})))

    assert [int(row["event_id"]) for row in serious] == [dataset.e2.pk]
    assert [int(row["event_id"]) for row in june] == [dataset.e4.pk]


def test_a_user_sees_only_events_of_their_own_sites(dataset, other_site_nurse, auditor):
    outsider = rows_of(listing(other_site_nurse))
    everyone = rows_of(listing(auditor))

    assert [int(row["event_id"]) for row in outsider] == [dataset.e7.pk]
    assert len(everyone) == 5


def test_the_listing_streams_in_pages_and_reports_progress(dataset, director, monkeypatch):
    monkeypatch.setattr("exports.csv_listing.CURSOR_PAGE_ROWS", 3)
    monkeypatch.setattr("exports.csv_listing.COPY_PAGE_ROWS", 3)
    progress = []

    rows = rows_of(listing(director, on_progress=progress.append))

    assert len(rows) == 4 and progress == [3, 4]


def test_the_database_writer_and_the_cursor_writer_give_identical_bytes(dataset, director, auditor):
    """COPY on PostgreSQL, SQLite's own lines on SQLite, against `csv.writer` on both."""
    for user in (director, auditor):
        by_the_database = listing(user)
        by_csv_writer = listing(user, use_copy=False)
        assert by_the_database == by_csv_writer


def test_the_listing_is_the_same_on_every_database(dataset, director):
    """The expected text is written out here, so SQLite and PostgreSQL runs both match it."""
    rows = rows_of(listing(director))
    e3 = next(row for row in rows if int(row["event_id"]) == dataset.e3.pk)

    assert e3 == {
        **e3,
        "site_code": "north",
        "patient_chart_number": "'+cmd|' /C calc'!A0",
        "indication": "trd",
        "dose_mg_per_kg": "0.750",
        "weight_kg": "80.0",
        "total_dose_mg": "60.00",
        "dose_band": "0.75-1.0",
        "session_started_at": "2026-01-06T10:00:00-06:00",
        "onset_at": "2026-01-06T09:55:00-06:00",
        "onset_minutes": "-5",
        "resolved_at": "",
        "term_code": "other",
        "grade": "2",
        "is_serious": "false",
        "outcome": "not_recovered",
        "status": "submitted",
    }
