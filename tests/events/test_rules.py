from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from events.rules import (
    Reading,
    Thresholds,
    check_thresholds,
    dose_band,
    hypertension_grade,
    review_due_at,
    total_dose_matches,
)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "grade"),
    [
        (118, 78, None),
        (120, 70, 1),
        (110, 89, 1),
        (139, 85, 1),
        (140, 70, 2),
        (130, 95, 2),
        (159, 99, 2),
        (160, 80, 3),
        (150, 100, 3),
        (187, 112, 3),
    ],
)
def test_hypertension_grades_by_the_worse_of_the_two_pressures(systolic, diastolic, grade):
    assert hypertension_grade(systolic, diastolic) == grade


def test_a_reading_of_186_over_112_suggests_grade_3_hypertension():
    alerts = check_thresholds(Reading(systolic=186, diastolic=112), Thresholds())
    assert [(a.term_code, a.grade) for a in alerts] == [("hypertension", 3)]


def test_readings_inside_every_threshold_raise_nothing():
    reading = Reading(systolic=150, diastolic=95, heart_rate=90, spo2=96, respiratory_rate=14)
    assert check_thresholds(reading, Thresholds()) == []


@pytest.mark.parametrize(
    ("reading", "term", "grade"),
    [
        (Reading(heart_rate=110), "sinus_tachycardia", 1),
        (Reading(heart_rate=50), "sinus_bradycardia", 1),
        (Reading(spo2=92), "hypoxia", 2),
        (Reading(spo2=86), "hypoxia", 3),
        (Reading(respiratory_rate=10), "respiratory_depression", 2),
        (Reading(systolic=88, diastolic=50), "hypotension", 1),
        (Reading(moaas=2), "depressed_level_of_consciousness", 2),
        (Reading(moaas=0), "depressed_level_of_consciousness", 3),
    ],
)
def test_each_default_threshold_raises_its_term(reading, term, grade):
    alerts = check_thresholds(reading, Thresholds())
    assert [(a.term_code, a.grade) for a in alerts] == [(term, grade)]


def test_site_thresholds_change_what_raises_an_alert():
    assert check_thresholds(Reading(systolic=172, diastolic=90), Thresholds(systolic_high=170))
    assert not check_thresholds(Reading(systolic=172, diastolic=90), Thresholds())


@pytest.mark.parametrize(
    ("dose", "band"),
    [
        ("0.40", "<0.5"),
        ("0.5", "0.5-0.75"),
        ("0.749", "0.5-0.75"),
        ("0.75", "0.75-1.0"),
        ("1.0", "0.75-1.0"),
        ("1.01", ">1.0"),
    ],
)
def test_dose_bands(dose, band):
    assert dose_band(Decimal(dose)) == band


def test_total_dose_tolerates_pump_rounding_but_not_a_different_dose():
    assert total_dose_matches(Decimal("0.5"), Decimal("70"), Decimal("35.4"))
    assert not total_dose_matches(Decimal("0.5"), Decimal("70"), Decimal("70"))


def test_review_clocks():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    due = lambda **kw: review_due_at(start, **kw) - start  # noqa: E731
    assert due(is_serious=True, is_expected=False, is_fatal_or_lt=True) == timedelta(days=7)
    assert due(is_serious=True, is_expected=False, is_fatal_or_lt=False) == timedelta(days=15)
    assert due(is_serious=True, is_expected=True, is_fatal_or_lt=True) == timedelta(days=30)
    assert due(is_serious=False, is_expected=False, is_fatal_or_lt=False) == timedelta(days=30)
