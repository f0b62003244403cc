"""Tests for the pure statistics behind the safety reports.

Expected values come from published tables and hand calculation, not from calling scipy the
way the implementation does.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.statistics import (
    Z_95,
    Z_998,
    clopper_pearson,
    funnel,
    funnel_limits,
    p_chart,
    poisson_rate,
)

# --- Clopper-Pearson ----------------------------------------------------------------------


def test_clopper_pearson_matches_published_values():
    five_of_ten = clopper_pearson(5, 10)
    assert five_of_ten.estimate == 0.5
    assert five_of_ten.lower == pytest.approx(0.1871, abs=1e-4)
    assert five_of_ten.upper == pytest.approx(0.8129, abs=1e-4)
    assert not five_of_ten.is_upper_bound_only

    one_of_hundred = clopper_pearson(1, 100)
    assert one_of_hundred.lower == pytest.approx(0.000253, abs=1e-6)
    assert one_of_hundred.upper == pytest.approx(0.0545, abs=1e-4)


def test_clopper_pearson_reports_a_one_sided_upper_bound_when_no_events():
    interval = clopper_pearson(0, 10)
    assert interval.is_upper_bound_only
    assert interval.estimate == 0
    assert interval.lower == 0
    # 1 - 0.05 ** (1/10), not the two-sided 0.3085.
    assert interval.upper == pytest.approx(0.2589, abs=1e-4)


def test_clopper_pearson_zero_events_follows_the_rule_of_three():
    # For large n the one-sided 95% bound for 0/n approaches -ln(0.05)/n = 2.996/n, about 3/n.
    assert clopper_pearson(0, 300).upper == pytest.approx(3 / 300, rel=0.01)
    assert clopper_pearson(0, 3000).upper == pytest.approx(2.996 / 3000, rel=1e-3)


def test_clopper_pearson_all_events_has_upper_limit_one():
    interval = clopper_pearson(10, 10)
    assert interval.upper == 1.0
    # 0.025 ** (1/10)
    assert interval.lower == pytest.approx(0.6915, abs=1e-4)


def test_clopper_pearson_without_denominator_has_no_estimate():
    interval = clopper_pearson(0, 0)
    assert (interval.estimate, interval.lower, interval.upper) == (None, None, None)
    assert not interval.is_upper_bound_only


@pytest.mark.parametrize(("k", "n"), [(-1, 10), (11, 10), (1, 0)])
def test_clopper_pearson_rejects_impossible_counts(k, n):
    with pytest.raises(ValueError):
        clopper_pearson(k, n)


def test_clopper_pearson_rejects_a_confidence_outside_zero_and_one():
    with pytest.raises(ValueError):
        clopper_pearson(1, 10, confidence=95)


@given(
    st.integers(min_value=1, max_value=10_000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_clopper_pearson_interval_contains_the_estimate_and_lies_in_zero_one(k_and_n):
    k, n = k_and_n
    interval = clopper_pearson(k, n)
    assert 0 <= interval.lower <= k / n <= interval.upper <= 1


# --- Poisson rate -------------------------------------------------------------------------


def test_poisson_rate_matches_published_exact_interval():
    interval = poisson_rate(10, 100)
    assert interval.estimate == pytest.approx(10.0)
    assert interval.lower == pytest.approx(4.795, abs=1e-3)
    assert interval.upper == pytest.approx(18.39, abs=1e-2)
    assert not interval.is_upper_bound_only


def test_poisson_rate_with_no_events_uses_the_one_sided_bound_not_the_two_sided():
    interval = poisson_rate(0, 100)
    assert interval.is_upper_bound_only
    assert interval.lower == 0
    # -ln(0.05) = 2.996 per 100 sessions; the two-sided exact limit would be 3.689.
    assert interval.upper == pytest.approx(2.996, abs=1e-3)
    assert interval.upper != pytest.approx(3.689, abs=1e-3)


def test_poisson_rate_with_no_events_follows_the_rule_of_three():
    # Zero events in 300 sessions: about 3/300 per session, i.e. 1 per 100 sessions.
    assert poisson_rate(0, 300).upper == pytest.approx(1.0, rel=0.01)


def test_poisson_rate_zero_bound_follows_the_confidence_level():
    # -ln(alpha) at 90% confidence, 50 sessions, per 100.
    assert poisson_rate(0, 50, confidence=0.9).upper == pytest.approx(-math.log(0.1) / 50 * 100)


def test_poisson_rate_scales_to_the_requested_denominator():
    per_100 = poisson_rate(10, 100)
    per_1000 = poisson_rate(10, 100, per=1000)
    assert per_1000.upper == pytest.approx(per_100.upper * 10)


def test_poisson_rate_without_exposure_has_no_estimate():
    interval = poisson_rate(0, 0)
    assert (interval.estimate, interval.lower, interval.upper) == (None, None, None)


# --- p-chart ------------------------------------------------------------------------------


def test_p_chart_uses_pooled_centre_and_per_point_three_sigma_limits():
    chart = p_chart([40, 60, 20], [400, 400, 200], ["Jan", "Feb", "Mar"])
    # Pooled: 120 / 1000.
    assert chart.centre == pytest.approx(0.12)
    jan, feb, mar = chart.points
    # n = 400: 3 * sqrt(0.12 * 0.88 / 400) = 3 * 0.016248 = 0.048744
    assert jan.lcl == pytest.approx(0.071256, abs=1e-6)
    assert jan.ucl == pytest.approx(0.168744, abs=1e-6)
    assert (feb.lcl, feb.ucl) == (jan.lcl, jan.ucl)
    # n = 200: 3 * sqrt(0.12 * 0.88 / 200) = 3 * 0.022978 = 0.068935
    assert mar.lcl == pytest.approx(0.051065, abs=1e-6)
    assert mar.ucl == pytest.approx(0.188935, abs=1e-6)
    assert feb.proportion == pytest.approx(0.15)
    assert chart.signals == []


def test_p_chart_clips_limits_to_zero_and_one():
    chart = p_chart([1, 2], [10, 20], ["Jan", "Feb"])
    # Pooled 0.1; at n = 10 the lower limit 0.1 - 0.2846 would be negative.
    assert chart.points[0].lcl == 0.0
    assert chart.points[0].ucl == pytest.approx(0.3846, abs=1e-4)


def _months(count):
    return [f"month {i}" for i in range(count)]


def test_p_chart_flags_every_point_of_a_run_of_eight_above_centre():
    counts = [0] * 8 + [2] * 8
    chart = p_chart(counts, [10] * 16, _months(16))
    assert chart.centre == pytest.approx(0.1)
    assert [point.in_run for point in chart.points] == [False] * 8 + [True] * 8
    assert not any(point.above_ucl for point in chart.points)
    assert chart.signals == chart.points[8:]


def test_p_chart_flags_a_run_longer_than_eight():
    chart = p_chart([0] * 8 + [2] * 9, [10] * 17, _months(17))
    assert [point.in_run for point in chart.points] == [False] * 8 + [True] * 9


def test_p_chart_does_not_flag_a_run_of_seven():
    chart = p_chart([0] * 9 + [2] * 7, [10] * 16, _months(16))
    assert not any(point.in_run for point in chart.points)
    assert chart.signals == []


def test_p_chart_flags_a_point_above_the_upper_limit():
    chart = p_chart([1] * 9 + [8], [10] * 10, _months(10))
    # Pooled 17/100; UCL at n = 10 is 0.17 + 3 * sqrt(0.17 * 0.83 / 10) = 0.5264.
    assert chart.points[-1].ucl == pytest.approx(0.5264, abs=1e-4)
    assert chart.points[-1].above_ucl
    assert chart.signals == [chart.points[-1]]


def test_p_chart_month_without_sessions_has_no_limits_and_breaks_a_run():
    counts = [0] * 8 + [2] * 4 + [0] + [2] * 4
    denominators = [10] * 12 + [0] + [10] * 4
    chart = p_chart(counts, denominators, _months(17))
    empty = chart.points[12]
    assert (empty.proportion, empty.lcl, empty.ucl) == (None, None, None)
    assert not any(point.in_run for point in chart.points)


def test_p_chart_point_on_the_centre_line_breaks_a_run():
    # Pooled 17/170 = 0.1 exactly, and the middle point is 1/10 = 0.1: not strictly above.
    counts = [0] * 8 + [2] * 4 + [1] + [2] * 4
    chart = p_chart(counts, [10] * 17, _months(17))
    assert chart.points[12].proportion == chart.centre
    assert not any(point.in_run for point in chart.points)


def test_p_chart_with_no_sessions_at_all_has_no_centre():
    chart = p_chart([0, 0], [0, 0], ["Jan", "Feb"])
    assert chart.centre is None
    assert all(point.proportion is None for point in chart.points)


def test_p_chart_rejects_series_of_different_lengths():
    with pytest.raises(ValueError):
        p_chart([1, 2], [10], ["Jan", "Feb"])


# --- Funnel plot --------------------------------------------------------------------------


def test_funnel_limits_at_known_n():
    # p0 = 0.1, n = 100: standard error sqrt(0.1 * 0.9 / 100) = 0.03.
    assert funnel_limits(0.1, 100, Z_95) == pytest.approx((0.041201, 0.158799), abs=1e-6)
    assert funnel_limits(0.1, 100, Z_998) == pytest.approx((0.007293, 0.192707), abs=1e-6)


def test_funnel_limits_are_clipped_to_zero_and_one():
    # n = 10: 1.96 * 0.094868 = 0.18594, so the lower limit would be negative.
    assert funnel_limits(0.1, 10, Z_95) == pytest.approx((0.0, 0.28594), abs=1e-5)
    assert funnel_limits(0.9, 10, Z_95)[1] == 1.0


def test_funnel_z_values_are_the_two_sided_95_and_99_8_quantiles():
    def normal_cdf(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    assert normal_cdf(Z_95) == pytest.approx(0.975, abs=1e-7)
    assert normal_cdf(Z_998) == pytest.approx(0.999, abs=1e-7)


def test_funnel_flags_a_site_above_both_limits():
    plot = funnel([("A", 10, 100), ("B", 10, 100), ("C", 10, 100), ("D", 30, 100)])
    # Pooled 60/400; at n = 100 the standard error is sqrt(0.15 * 0.85 / 100) = 0.035707.
    assert plot.target == pytest.approx(0.15)
    a, _, _, d = plot.units
    assert (a.lo95, a.hi95) == pytest.approx((0.080015, 0.219985), abs=1e-6)
    assert (a.lo998, a.hi998) == pytest.approx((0.039657, 0.260343), abs=1e-6)
    assert not a.outside_95 and not a.outside_998
    assert d.outside_95 and d.outside_998


def test_funnel_flags_a_site_below_the_95_limit_but_inside_99_8():
    plot = funnel([("A", 100, 1000), ("B", 100, 1000), ("C", 100, 1000), ("D", 3, 100)])
    # Pooled 303/3100 = 0.097742; at n = 100 the standard error is 0.029697, so the limits
    # are 0.0395 (95%) and 0.0060 (99.8%), and D's 0.03 lies between them.
    d = plot.units[-1]
    assert d.lo95 == pytest.approx(0.039537, abs=1e-5)
    assert d.lo998 == pytest.approx(0.005971, abs=1e-5)
    assert d.outside_95
    assert not d.outside_998


def test_funnel_site_without_sessions_is_listed_but_never_flagged():
    plot = funnel([("A", 10, 100), ("Empty", 0, 0)])
    empty = plot.units[1]
    assert empty.proportion is None and empty.lo95 is None
    assert not empty.outside_95 and not empty.outside_998


def test_funnel_curve_runs_from_one_to_the_largest_site_and_narrows():
    plot = funnel([("A", 10, 100), ("B", 40, 400)])
    curve = plot.curve(points=20)
    assert curve[0][0] == 1
    assert curve[-1][0] == 400
    assert len(curve) <= 20
    assert curve[-1][1:] == pytest.approx(
        (*funnel_limits(0.1, 400, Z_95), *funnel_limits(0.1, 400, Z_998))
    )
    widths = [hi95 - lo95 for _, lo95, hi95, _, _ in curve]
    assert widths == sorted(widths, reverse=True)
    for _, lo95, hi95, lo998, hi998 in curve:
        assert 0 <= lo998 <= lo95 <= hi95 <= hi998 <= 1


def test_funnel_curve_is_empty_without_sessions():
    assert funnel([]).curve() == []
    assert funnel([("A", 0, 0)]).curve() == []
