"""Percentages, rates and their bounds print with two decimals; a lower bound is rounded down
and an upper bound up, so a printed interval always contains the exact one."""

import pandas as pd
import pytest

from reporting.presentation import format_proportion, format_rate, printed_table


@pytest.mark.parametrize(
    ("upper", "printed"),
    [
        (0.0144, "< 1.44%"),  # printed "< 1.4%" before: a stronger claim than the data
        (0.0101, "< 1.01%"),
        (0.0015, "< 0.15%"),  # 0.15% and 0.17% no longer both read "< 0.2%"
        (0.0017, "< 0.17%"),
        (0.014401, "< 1.45%"),  # never rounded toward the estimate
        (0.2957628, "< 29.58%"),
    ],
)
def test_a_zero_count_prints_its_upper_bound_rounded_up(upper, printed):
    assert format_proportion(0.0, 0.0, upper, upper_only=True) == f"0% ({printed})"


def test_interval_bounds_are_rounded_outward_and_the_estimate_to_nearest():
    assert format_proportion(0.08206, 0.059999, 0.109101) == "8.21% (5.99%-10.92%)"
    assert format_rate(12.3449, 9.10999, 16.2001) == "12.34 (9.10-16.21)"
    # Exact two-decimal values stay as they are (no float noise pushes them outward).
    assert format_proportion(0.2, 0.0015, 0.0144) == "20.00% (0.15%-1.44%)"


def test_a_rate_with_no_events_prints_its_one_sided_bound():
    assert format_rate(0.0, 0.0, 59.914645, upper_only=True) == "0 (< 59.92)"


def test_the_csv_table_prints_the_same_figures_as_percentages():
    table = pd.DataFrame(
        {
            "events": [1],
            "events_per_100": [20.0],
            "events_per_100_lower": [0.5063561],
            "events_per_100_upper": [111.4328678],
            "proportion": [0.2],
            "proportion_lower": [0.0050507],
            "proportion_upper": [0.7164179],
        }
    )
    printed = printed_table(table).iloc[0].to_dict()
    assert printed == {
        "events": 1,
        "events_per_100": 20.0,
        "events_per_100_lower": 0.5,
        "events_per_100_upper": 111.44,
        "percent": 20.0,
        "percent_lower": 0.5,
        "percent_upper": 71.65,
    }
