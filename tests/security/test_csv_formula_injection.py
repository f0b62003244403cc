"""No text that reaches a CSV cell can start a spreadsheet formula, whatever it contains."""

import csv
import io
from datetime import timedelta

import pandas as pd
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.services import audited_save
from events.choices import SessionStatus
from events.models import EventTerm
from exports.csv_listing import listing_csv_chunks
from exports.formula_guard import FORMULA_PREFIXES, guard_cell, guard_frame
from reporting.filters import ReportFilters
from tests.factories import AdverseEventFactory, system_actor

formula_like = st.builds(
    lambda prefix, rest: prefix + rest, st.sampled_from(FORMULA_PREFIXES), st.text()
)
any_text = st.one_of(st.text(), formula_like)


@given(any_text)
def test_a_guarded_cell_never_starts_a_formula_and_keeps_the_text(value):
    guarded = guard_cell(value)
    assert not guarded.startswith(FORMULA_PREFIXES)
    assert guarded in (value, "'" + value)
    if value.startswith(FORMULA_PREFIXES):
        assert guarded == "'" + value


@given(st.one_of(st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_numbers_and_empty_values_are_left_alone(value):
    assert guard_cell(value) is value


@settings(max_examples=60)
@given(st.lists(st.tuples(any_text, st.integers(-(10**6), 10**6)), min_size=1, max_size=20))
def test_a_guarded_frame_written_as_csv_reads_back_without_formulas(rows):
    frame = pd.DataFrame(rows, columns=["narrative", "count"])
    buffer = io.StringIO(newline="")
    guard_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    buffer.seek(0)
    read_back = list(csv.DictReader(buffer))
    assert len(read_back) == len(rows)
    for row, (text, count) in zip(read_back, rows, strict=True):
        assert not row["narrative"].startswith(("=", "+", "@")), row
        assert row["narrative"].lstrip("'") == text.lstrip("'") or text == ""
        assert int(row["count"]) == count


# Text a clinic could type: anything but NUL (refused at input) and lone surrogates (not
# encodable); formula starters are drawn often so every branch of the guard is exercised.
typed_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=60,
)
typed_or_formula = st.one_of(
    typed_text,
    st.builds(lambda p, rest: p + rest, st.sampled_from(FORMULA_PREFIXES), typed_text),
)


@pytest.fixture
def completed_session(session):
    session.status = SessionStatus.COMPLETED
    session.ended_at = session.started_at + timedelta(minutes=40)
    with transaction.atomic():
        audited_save(session, actor=system_actor(), reason="Test data")
    return session


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rescue=typed_or_formula, other=typed_or_formula)
def test_the_streamed_csv_listing_never_starts_a_cell_with_a_formula(
    completed_session, auditor, rescue, other
):
    event = AdverseEventFactory(
        session=completed_session,
        term=EventTerm.objects.get(code="other"),
        other_term_text=other,
        rescue_medication=rescue,
    )
    body = b"".join(listing_csv_chunks(auditor, ReportFilters())).decode()
    rows = {row["event_id"]: row for row in csv.DictReader(io.StringIO(body, newline=""))}
    row = rows[str(event.pk)]
    for column, typed in (("rescue_medication", rescue), ("other_term_text", other)):
        cell = row[column]
        assert not cell.startswith(FORMULA_PREFIXES), (column, cell)
        assert cell in (typed, "'" + typed), (column, typed, cell)
