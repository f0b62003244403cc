"""p-chart and funnel signals found in real records, with links to the events behind them."""

from urllib.parse import parse_qs

from events.models import EventTerm
from reporting.filters import ReportFilters
from reporting.selectors import safety_summary
from tests.conftest import login
from tests.factories import SiteFactory
from tests.reporting.dataset import make_series

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def reference_p_chart_flags(series):
    """Plain-Python p-chart: pooled centre, 3-sigma limits per month, runs of 8 above."""
    total_k = sum(k for _, _, k in series)
    total_n = sum(n for _, n, _ in series)
    centre = total_k / total_n
    above_ucl = {
        month
        for month, n, k in series
        if k / n > min(1.0, centre + 3 * (centre * (1 - centre) / n) ** 0.5)
    }
    in_run, run = set(), []
    for month, n, k in [*series, ("end", 1, 0)]:
        if k / n > centre:
            run.append(month)
            continue
        if len(run) >= 8:
            in_run |= set(run)
        run = []
    return above_ucl, in_run


def test_p_chart_flags_a_month_above_its_limit_and_a_run_of_eight(client, auditor, north):
    # Jan, Mar, Apr: nothing; Feb: a spike; May to Dec: a little above the centre line.
    series = [(m, 10, 8 if m == "2025-02" else 0 if m < "2025-05" else 3) for m in MONTHS]
    make_series(north, series)
    above_ucl, in_run = reference_p_chart_flags(series)
    assert above_ucl == {"2025-02"} and in_run == set(MONTHS[4:])

    login(client, auditor)
    data = client.get("/api/v1/reporting/summary/").json()
    points = {p["label"]: p for p in data["p_chart"]["points"]}
    assert {m for m, p in points.items() if p["above_ucl"]} == above_ucl
    assert {m for m, p in points.items() if p["in_run"]} == in_run
    assert data["p_chart"]["centre"] == 32 / 120

    overall = [s for s in data["signals"] if s["kind"] == "p_chart"]
    assert [s["label"] for s in overall] == [f"Any event, {m}" for m in sorted(above_ucl | in_run)]
    february = overall[0]
    assert parse_qs(february["query"]) == {"date_from": ["2025-02-01"], "date_to": ["2025-02-28"]}
    # The link leads to exactly the February events.
    listing = client.get(f"/reports/events/?{february['query']}")
    assert listing.context["page"].paginator.count == 8


def test_the_per_term_p_chart_counts_only_that_term(auditor, north):
    make_series(north, [("2025-01", 4, 2), ("2025-02", 4, 1)], term_code="headache")
    make_series(north, [("2025-01", 4, 1)], term_code="nausea")
    summary = safety_summary(auditor, ReportFilters())
    headache = EventTerm.objects.get(code="headache")
    chart = summary.p_chart_for_term(headache.pk)
    assert [(p.label, p.count, p.n) for p in chart.points] == [
        ("2025-01", 2, 8),
        ("2025-02", 1, 4),
    ]


def test_funnel_flags_a_site_outside_the_99_8_limits(auditor, north, south):
    west = SiteFactory(code="west", name="West Clinic")
    make_series(north, [("2025-03", 20, 1)])
    make_series(south, [("2025-03", 20, 2)])
    make_series(west, [("2025-03", 20, 15)])
    summary = safety_summary(auditor, ReportFilters())

    target = 18 / 60
    limit = target + 3.090232 * (target * (1 - target) / 20) ** 0.5
    assert 15 / 20 > limit > 2 / 20
    units = {unit.label: unit for unit in summary.funnel.units}
    assert summary.funnel.target == target
    assert [code for code, unit in units.items() if unit.outside_998] == ["west"]
    signal = next(s for s in summary.signals if s.kind == "funnel")
    assert signal.label == "Site west" and "above the 99.8% limit" in signal.detail
    assert signal.filters.site_ids == (west.pk,)
