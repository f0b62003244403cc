"""The session chart: readings placed by minute, the site's thresholds drawn, text escaped."""

from events.charts import ChartLimits, ChartMarker, ChartPoint, session_chart_svg

LIMITS = ChartLimits(
    systolic_high=180,
    diastolic_high=110,
    systolic_low=90,
    heart_rate_high=110,
    heart_rate_low=50,
    spo2_low=92,
)


def test_the_chart_draws_each_series_and_every_threshold_of_the_site():
    svg = session_chart_svg(
        [ChartPoint(0, 130, 80, 72, 98), ChartPoint(32, 186, 112, 96, 95)], LIMITS
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<desc" in svg
    for label in ("SBP 180", "DBP 110", "SBP 90", "HR 110", "HR 50", "SpO2 92"):
        assert f">{label}</text>" in svg
    assert "<title>Systolic 186 at 32 min</title>" in svg
    assert "<title>SpO2 95 at 32 min</title>" in svg


def test_labels_of_thresholds_at_the_same_height_do_not_overlap():
    svg = session_chart_svg([], LIMITS)
    dbp = svg.split(">DBP 110</text>")[0].rsplit("<text", 1)[1]
    hr = svg.split(">HR 110</text>")[0].rsplit("<text", 1)[1]
    assert dbp.split('x="')[1].split('"')[0] != hr.split('x="')[1].split('"')[0]


def test_event_names_are_escaped():
    svg = session_chart_svg([], LIMITS, markers=[ChartMarker(12, "<script>x</script>")])
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_the_time_axis_covers_the_planned_duration_and_late_readings():
    short = session_chart_svg([ChartPoint(5, heart_rate=80)], LIMITS, planned_minutes=40)
    long = session_chart_svg([ChartPoint(95, heart_rate=80)], LIMITS, planned_minutes=40)
    assert "readings over 40 minutes" in short
    assert "readings over 100 minutes" in long
