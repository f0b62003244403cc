"""Tests for the pure statistics behind the safety reports.

Expected values come from published tables, hand calculation, exact sums written out here
(math.comb), or scipy functions the implementation does not call (binomtest,
false_discovery_control), never from calling scipy the way the implementation does.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest, false_discovery_control

from reporting.funnel import exact_funnel_limit, funnel, funnel_limits, overdispersion
from reporting.statistics import (
    MIN_EXPECTED_EVENTS,
    P_CHART_TAIL,
    benjamini_hochberg,
    clopper_pearson,
    clopper_pearson_arrays,
    p_chart,
    poisson_rate,
    poisson_rate_arrays,
    rate_ratio,
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


# --- the array forms: the scalar functions' floats, element by element --------------------


def as_tuple(interval) -> tuple:
    return (interval.estimate, interval.lower, interval.upper, interval.is_upper_bound_only)


def from_arrays(arrays, index: int) -> tuple:
    estimate, lower, upper, upper_only = (values[index] for values in arrays)
    values = (estimate, lower, upper)
    floats = tuple(None if math.isnan(value) else float(value) for value in values)
    return (*floats, bool(upper_only))


# Every branch: no denominator, no events, some, all; small and large counts.
PAIRS = [(0, 0), (0, 1), (0, 7), (1, 1), (3, 3), (1, 2), (5, 40), (17, 1200), (0, 25000)]
PAIRS += [(k, n) for n in (13, 400, 12132) for k in (1, n // 3, n - 1)]


def test_the_array_intervals_are_the_scalar_intervals_bit_for_bit():
    ks, ns = [k for k, _ in PAIRS], [n for _, n in PAIRS]
    proportions, rates = clopper_pearson_arrays(ks, ns), poisson_rate_arrays(ks, ns)
    for index, (k, n) in enumerate(PAIRS):
        assert from_arrays(proportions, index) == as_tuple(clopper_pearson(k, n)), (k, n)
        assert from_arrays(rates, index) == as_tuple(poisson_rate(k, n)), (k, n)


@given(st.lists(st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))))
def test_the_array_intervals_agree_with_the_scalar_ones_for_any_counts(pairs):
    ks, ns = [k for k, _ in pairs], [n for _, n in pairs]
    proportions, rates = clopper_pearson_arrays(ks, ns), poisson_rate_arrays(ks, ns)
    for index, (k, n) in enumerate(pairs):
        assert from_arrays(proportions, index) == as_tuple(clopper_pearson(k, n))
        assert from_arrays(rates, index) == as_tuple(poisson_rate(k, n))


def test_the_array_intervals_refuse_impossible_counts():
    with pytest.raises(ValueError):
        clopper_pearson_arrays([3], [2])
    with pytest.raises(ValueError):
        poisson_rate_arrays([-1], [10])


# --- exact binomial sums, written out --------------------------------------------------


def cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed term by term."""
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(0, k + 1))


def quantile(q: float, n: int, p: float) -> int:
    """The smallest k with P(X <= k) >= q."""
    k = 0
    while cdf(k, n, p) < q - 1e-12:
        k += 1
    return k


# --- p-chart ------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [20, 57, 140, 400])
def test_p_chart_limits_are_the_exact_binomial_quantiles_at_the_3_sigma_tail_areas(n):
    counts, sizes = [3, 5, 40, 0], [n, n, 400, n]
    chart = p_chart(counts, sizes, ["a", "b", "c", "d"])
    centre = sum(counts) / sum(sizes)
    point = chart.points[0]
    assert point.ucl_count == quantile(1 - P_CHART_TAIL, n, centre)
    assert point.lcl_count == quantile(P_CHART_TAIL, n, centre)
    assert point.ucl == point.ucl_count / n
    # The upper limit leaves less than the tail area above it; one fewer would not.
    assert 1 - cdf(point.ucl_count, n, centre) <= P_CHART_TAIL
    assert 1 - cdf(point.ucl_count - 1, n, centre) > P_CHART_TAIL
    assert point.p_value == pytest.approx(1 - cdf(point.count - 1, n, centre), rel=1e-9)


def test_p_chart_flags_a_count_above_the_limit_count_and_not_one_at_it():
    # 12 months of 100 sessions around 10%; the exact 99.865% quantile of Bin(100, p).
    counts = [10] * 11 + [0]
    centre_for = lambda last: (110 + last) / 1200  # noqa: E731
    for last in range(15, 30):
        limit = quantile(1 - P_CHART_TAIL, 100, centre_for(last))
        chart = p_chart([*counts[:-1], last], [100] * 12, [f"m{i}" for i in range(12)])
        assert chart.points[-1].ucl_count == limit
        assert chart.points[-1].above_ucl == (last > limit)


def test_p_chart_judges_only_months_with_enough_expected_events():
    # Centre 2%: a month of 100 sessions expects 2 events, too few to be judged, however
    # high; a month of 400 expects 8 and is judged.
    chart = p_chart([9, 5, 2], [100, 400, 400], ["small", "big", "other"])
    small, big = chart.points[0], chart.points[1]
    assert small.expected < MIN_EXPECTED_EVENTS <= big.expected
    assert small.count > small.ucl_count and not small.is_judged and not small.above_ucl
    assert big.is_judged


def test_p_chart_flags_a_run_of_eight_judged_months_with_its_pooled_p_value():
    counts = [10] * 4 + [13] * 8 + [10]
    chart = p_chart(counts, [100] * 13, [f"m{i:02d}" for i in range(13)])
    assert [p.in_run for p in chart.points] == [False] * 4 + [True] * 8 + [False]
    [run] = chart.runs
    assert (run.first, run.last, run.months, run.events, run.sessions) == (
        "m04",
        "m11",
        8,
        104,
        800,
    )
    assert run.p_value == pytest.approx(1 - cdf(103, 800, chart.centre), rel=1e-6)


def test_p_chart_run_of_seven_is_not_a_run_and_an_unjudged_month_breaks_one():
    seven = p_chart([10] * 4 + [13] * 7 + [10], [100] * 12, [str(i) for i in range(12)])
    assert not seven.runs
    # Month 8 has 3 sessions: too few to be judged, so it ends the run of months above.
    broken = p_chart(
        [10] * 4 + [13] * 4 + [3] + [13] * 4,
        [100] * 8 + [3] + [100] * 4,
        [str(i) for i in range(13)],
    )
    assert not broken.runs and not any(p.in_run for p in broken.points)


def test_p_chart_month_without_sessions_has_no_limits_and_no_centre_without_any():
    chart = p_chart([3, 0], [30, 0], ["a", "b"])
    assert chart.points[1].proportion is None and chart.points[1].ucl is None
    assert p_chart([0], [0], ["a"]).centre is None


def test_p_chart_rejects_series_of_different_lengths():
    with pytest.raises(ValueError):
        p_chart([1, 2], [10], ["a", "b"])


# --- rate ratio --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recent", "n_recent", "baseline", "n_baseline"),
    [(20, 300, 30, 1200), (3, 400, 10, 1500), (9, 250, 0, 1000), (0, 300, 12, 1200)],
)
def test_rate_ratio_test_and_interval_match_the_exact_binomial_reference(
    recent, n_recent, baseline, n_baseline
):
    result = rate_ratio(recent, n_recent, baseline, n_baseline)
    share = n_recent / (n_recent + n_baseline)
    reference = binomtest(recent, recent + baseline, share, alternative="greater")
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    ci = binomtest(recent, recent + baseline, share).proportion_ci(0.95, method="exact")
    to_ratio = lambda pi: math.inf if pi == 1 else pi / (1 - pi) * n_baseline / n_recent  # noqa: E731
    assert result.lower == pytest.approx(to_ratio(ci.low), rel=1e-6)
    assert result.upper == pytest.approx(to_ratio(ci.high), rel=1e-6)


def test_rate_ratio_matches_a_worked_example():
    # 20 events in 300 sessions against 30 in 1,200: ratio 8/3; conditional on 50 events the
    # recent share is Bin(50, 0.2), P(X >= 20) = 0.000932 (exact sum).
    result = rate_ratio(20, 300, 30, 1200)
    assert result.ratio == pytest.approx(8 / 3)
    assert result.p_value == pytest.approx(1 - cdf(19, 50, 0.2), rel=1e-9)
    assert result.p_value == pytest.approx(0.000932, abs=5e-6)
    assert result.lower < result.ratio < result.upper


def test_rate_ratio_without_events_has_no_ratio_and_refuses_empty_periods():
    assert rate_ratio(0, 100, 0, 400).ratio is None
    with pytest.raises(ValueError):
        rate_ratio(1, 0, 1, 100)


# --- Benjamini-Hochberg -------------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=60))
def test_benjamini_hochberg_rejects_what_scipys_adjusted_p_values_put_under_5_percent(ps):
    adjusted = false_discovery_control(ps, method="bh")
    assert benjamini_hochberg(ps, 0.05) == [bool(a <= 0.05 + 1e-12) for a in adjusted]


def test_benjamini_hochberg_worked_example():
    # m = 5: sorted 0.005 <= 0.01, 0.01 <= 0.02, 0.03 <= 0.03, 0.04 <= 0.04, 0.5 > 0.05.
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.5]) == [True] * 4 + [False]
    # A lone p-value just under 5% is kept only when it is alone.
    assert benjamini_hochberg([0.049]) == [True]
    assert benjamini_hochberg([0.049, 0.9]) == [False, False]


# --- funnel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p0", "n", "probability"),
    [(0.3, 50, 0.999), (0.05, 200, 0.975), (0.05, 200, 0.025), (0.3, 80, 0.001)],
)
def test_exact_funnel_limit_interpolates_between_binomial_counts(p0, n, probability):
    # Spiegelhalter (2005), section 3.1.
    r = quantile(probability, n, p0)
    a = (cdf(r, n, p0) - probability) / (cdf(r, n, p0) - cdf(r - 1, n, p0))
    assert exact_funnel_limit(p0, n, probability) == pytest.approx((r - a) / n, rel=1e-9)


def test_funnel_limits_widen_by_the_square_root_of_phi():
    low, high = funnel_limits(0.3, 100, 0.001)
    wide_low, wide_high = funnel_limits(0.3, 100, 0.001, phi=4.0)
    assert wide_high - 0.3 == pytest.approx(2 * (high - 0.3))
    assert 0.3 - wide_low == pytest.approx(2 * (0.3 - low))


def test_overdispersion_is_the_mean_squared_winsorized_pearson_z():
    units = [(10, 100), (30, 100), (20, 100), (22, 100), (18, 100), (60, 100)]
    z = sorted((k / 100 - 0.2) / math.sqrt(0.2 * 0.8 / 100) for k, _ in units)
    # 10% of 6 rounds to 1: the lowest and the highest take the value next to them.
    z[0], z[-1] = z[1], z[-2]
    phi, p = overdispersion(units, 0.2)
    assert phi == pytest.approx(sum(v * v for v in z) / 6)
    # chi-square with 5 degrees of freedom
    assert p == pytest.approx(chi2_sf_5(sum(v * v for v in z)), rel=1e-9)
    assert overdispersion(units[:3], 0.2) == (1.0, 1.0)


def chi2_sf_5(x: float) -> float:
    """Survival of chi-square with 5 degrees of freedom, in closed form."""
    h = x / 2
    return math.erfc(math.sqrt(h)) + math.exp(-h) * (2 * math.sqrt(h / math.pi)) * (1 + 2 * h / 3)


def test_funnel_flags_a_site_outside_the_exact_99_8_limits_when_sites_agree_otherwise():
    result = funnel([("north", 60, 200), ("south", 62, 200), ("east", 58, 200), ("west", 95, 200)])
    # Winsorized, the three agreeing sites show no overdispersion; west cannot hide itself.
    assert result.phi == 1.0
    flagged = [u.label for u in result.units if u.outside_998]
    assert flagged == ["west"]
    west = result.units[-1]
    assert west.hi998 == pytest.approx(exact_funnel_limit(result.target, 200, 0.999))


def test_funnel_widens_its_limits_when_the_sites_are_overdispersed():
    units = [(f"s{i}", k, 100) for i, k in enumerate([10, 35, 15, 40, 20, 45, 12, 38])]
    result = funnel(units)
    assert result.phi > 1 and result.dispersion_p < 0.05
    plain = exact_funnel_limit(result.target, 100, 0.999)
    assert result.units[0].hi998 > plain
    assert not any(unit.outside_998 for unit in result.units)


def test_funnel_site_without_sessions_or_expected_events_is_never_flagged():
    result = funnel([("a", 1, 4), ("b", 0, 0), ("c", 10, 400), ("d", 9, 380)])
    assert not result.units[1].outside_998 and result.units[1].proportion is None
    assert not result.units[0].is_judged and not result.units[0].outside_998


def test_funnel_curve_runs_from_one_to_the_largest_site_and_narrows():
    result = funnel([("a", 30, 100), ("b", 70, 300)])
    curve = result.curve()
    assert curve[0][0] == 1 and curve[-1][0] == 300
    widths = [hi - lo for _, _, _, lo, hi in curve if lo > 0]
    assert widths == sorted(widths, reverse=True)
    assert funnel([("a", 0, 0)]).curve() == []
