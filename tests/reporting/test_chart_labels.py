"""No chart label is cut at the canvas edge or printed over another, at every period length
(1 month to 5 years) and number of sites (1 to 20). Text is measured with matplotlib's own
DejaVu Sans metrics, independently of the widths the charts place labels with."""

import random
from functools import cache
from xml.etree import ElementTree

import pandas as pd
import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from events.charts import ChartLimits, ChartMarker, ChartPoint, session_chart_svg
from reporting import charts
from reporting.filters import ONSET_BANDS
from reporting.funnel import funnel
from reporting.statistics import p_chart, poisson_rate

SVG = "{http://www.w3.org/2000/svg}"
SITE_CODES = [
    "la",
    "harbor",
    "lakeshore",
    "summit",
    "bayside",
    "north-valley-clinic",
    "riverside-infusions",
    "mountain-view-center",
    "east-bay",
    "westgate-ketamine-02",
] + [f"clinic-{i:02d}" for i in range(10)]


@cache
def _measure(text: str, size: float, bold: bool) -> float:
    font = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=size)
    return TextToPath().get_text_width_height_descent(text, font, ismath=False)[0]


def text_boxes(svg: str) -> list[tuple[str, tuple[float, float, float, float]]]:
    """(text, (left, top, right, bottom)) of every <text>, in the SVG's own units."""
    root = ElementTree.fromstring(svg)  # noqa: S314 - built by our own code
    default_size = float(root.get("font-size", 11))
    _, _, width, height = map(float, root.get("viewBox").split())
    boxes = []
    for element in root.iter(f"{SVG}text"):
        text = "".join(element.itertext())
        size = float(element.get("font-size", default_size))
        advance = _measure(text, size, element.get("font-weight") == "bold")
        x, y = float(element.get("x")), float(element.get("y"))
        anchor = element.get("text-anchor", "start")
        left = x - {"start": 0, "middle": advance / 2, "end": advance}[anchor]
        boxes.append((text, (left, y - 0.73 * size, left + advance, y + 0.24 * size)))
    return [(t, b) for t, b in boxes], (width, height)


def assert_labels_fit(svg: str) -> None:
    boxes, (width, height) = text_boxes(svg)
    for text, (left, top, right, bottom) in boxes:
        assert left >= 0 and right <= width, f"{text!r} cut at the side: {left:.1f}-{right:.1f}"
        assert top >= 0 and bottom <= height, f"{text!r} cut at the top or bottom"
    for i, (text, a) in enumerate(boxes):
        for other, b in boxes[i + 1 :]:
            overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
            assert not overlap, f"{text!r} overlaps {other!r}"


def months(count: int) -> list[str]:
    return [f"{2021 + (7 + i) // 12}-{(7 + i) % 12 + 1:02d}" for i in range(count)]


def by_month(count: int) -> pd.DataFrame:
    rng = random.Random(count)
    rows = []
    for month in months(count):
        sessions = rng.randint(20, 400)
        events = rng.randint(0, sessions)
        rate = poisson_rate(events, sessions)
        rows.append(
            {
                "month": month,
                "sessions": sessions,
                "sessions_with_event": rng.randint(0, min(events, sessions)),
                "events_per_100": rate.estimate,
                "events_per_100_lower": rate.lower,
                "events_per_100_upper": rate.upper,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 12, 13, 18, 24, 36, 48, 60])
def test_month_charts_keep_every_label_inside_and_apart(count):
    frame = by_month(count)
    assert_labels_fit(charts.trend_svg(frame))
    chart = p_chart(
        frame["sessions_with_event"].tolist(), frame["sessions"].tolist(), months(count)
    )
    assert_labels_fit(charts.p_chart_svg(chart))


def test_the_last_month_label_is_printed_whole():
    svg = charts.trend_svg(by_month(12))
    assert "2022-07" in [text for text, _ in text_boxes(svg)[0]]


@pytest.mark.parametrize("sites", [1, 2, 3, 4, 5, 8, 12, 16, 20])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_funnel_site_labels_stay_inside_and_clear_of_the_legend(sites, seed):
    rng = random.Random(seed * 100 + sites)
    units = []
    for code in SITE_CODES[:sites]:
        n = rng.randint(30, 3000)
        units.append((code, rng.randint(0, n // 3), n))
    svg = charts.funnel_svg(funnel(units))

    assert_labels_fit(svg)
    texts = [text for text, _ in text_boxes(svg)[0]]
    labelled = [code for code in SITE_CODES[:sites] if code in texts]
    if sites <= 5:
        assert len(labelled) == sites  # a handful of sites always gets every name
    else:
        legend = next(text for text in texts if text.startswith("target"))
        assert len(labelled) == sites or "unlabelled (see By site)" in legend


def test_a_site_at_the_far_right_keeps_its_whole_name():
    svg = charts.funnel_svg(funnel([("harbor", 10, 100), ("la", 300, 2000)]))
    assert {"harbor", "la"} <= {text for text, _ in text_boxes(svg)[0]}
    assert_labels_fit(svg)


def test_bar_charts_keep_their_labels_inside_and_apart():
    grades = pd.DataFrame({"grade": [1, 2, 3, 4, 5], "events": [900, 1200, 40, 3, 0]})
    onset = pd.DataFrame({"onset_band": list(ONSET_BANDS), "events": range(len(ONSET_BANDS))})
    assert_labels_fit(charts.grade_svg(grades))
    assert_labels_fit(charts.onset_svg(onset))


@pytest.mark.parametrize("minutes", [40, 90, 200])
def test_session_chart_event_labels_stay_inside_and_apart(minutes):
    markers = [
        ChartMarker(minute=minutes - 2, label="Hypertension G3"),
        ChartMarker(minute=minutes - 1, label="Nausea G1"),
        ChartMarker(minute=minutes, label="Dissociation G2"),
        ChartMarker(minute=1, label="Anxiety G1"),
    ]
    points = [ChartPoint(minute=m, systolic=120 + m % 40, spo2=97) for m in range(0, minutes, 10)]
    limits = ChartLimits(180, 110, 90, 110, 50, 92)
    svg = session_chart_svg(points, limits, planned_minutes=minutes, markers=markers)
    assert_labels_fit(str(svg))
