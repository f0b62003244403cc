"""The report charts as self-contained SVG strings (hand-built: text stays text, no fonts or
scripts to fetch, and a chart renders in well under a millisecond).

Every function takes figures already computed by the summary and returns one `<svg>` element
with a `<title>` for screen readers. Every piece of text is escaped, so a term or site name
cannot inject markup into the dashboard or the PDF. Text is placed by its measured width
(`events.charts.text_width`): axis labels are thinned until they cannot touch, end labels are
kept inside the canvas, and a site label that fits nowhere free is left to the point's tooltip
and the "By site" table, so no label is cut or printed over another at any period length or
number of sites.

    charts = summary_charts(summary)   # {"trend": svg, "p_chart": svg, "funnel": svg, ...}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import pandas as pd

from events.charts import text_width
from reporting.funnel import Funnel, FunnelUnit
from reporting.statistics import PChart
from reporting.summary import SafetySummary

WIDTH, HEIGHT = 640, 260
# The title sits on the first line and the legend on the second, above the plotting area.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 44, 48
TITLE_Y, LEGEND_Y = 16, 32
ACCENT, DANGER, MUTED, LINE = "#0b5cad", "#b42318", "#5b6470", "#d7dce2"
FONT_SIZE = 11
FONT = f'font-family="DejaVu Sans, system-ui, sans-serif" font-size="{FONT_SIZE}"'
LABEL_GAP = 8  # px between neighbouring labels


@dataclass(frozen=True)
class _Frame:
    """Maps data coordinates onto the plotting area of one chart."""

    x_min: float
    x_max: float
    y_max: float

    def x(self, value: float) -> float:
        span = (self.x_max - self.x_min) or 1
        inner = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
        return MARGIN_LEFT + (value - self.x_min) / span * inner

    def y(self, value: float) -> float:
        inner = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
        return MARGIN_TOP + inner - (value / (self.y_max or 1)) * inner


def _svg(title: str, body: list[str]) -> str:
    safe_title = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{safe_title}" class="chart">'
        f"<title>{safe_title}</title>"
        f'<text x="{MARGIN_LEFT}" y="{TITLE_Y}" {FONT} font-weight="bold" fill="#1b1f24">'
        f"{safe_title}</text>" + "".join(body) + "</svg>"
    )


def _empty(title: str) -> str:
    return _svg(
        title,
        [
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" {FONT} '
            f'fill="{MUTED}">No sessions in this period</text>'
        ],
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return candidate
    return 10 ** (exponent + 1)


def _known(value: float | None) -> float:
    """A value of a point the chart keeps (points without one were left out before)."""
    if value is None:
        raise ValueError("A plotted point has no value.")
    return value


def _y_axis(frame: _Frame, fmt: Callable[[float], str]) -> list[str]:
    parts = []
    for i in range(5):
        value = frame.y_max * i / 4
        y = frame.y(value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{LINE}"/>'
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT} '
            f'fill="{MUTED}">{escape(fmt(value))}</text>'
        )
    return parts


def _legend(text: str) -> str:
    return f'<text x="{MARGIN_LEFT}" y="{LEGEND_Y}" {FONT} fill="{MUTED}">{escape(text)}</text>'


def _x_label_left(x: float, label: str) -> float:
    """Where a label centred under `x` starts, moved just enough to stay inside the canvas."""
    width = text_width(label, FONT_SIZE)
    return min(max(x - width / 2, 2), WIDTH - width - 2)


def _x_label(x: float, label: str) -> str:
    centre = _x_label_left(x, label) + text_width(label, FONT_SIZE) / 2
    return (
        f'<text x="{centre:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
        f'{FONT} fill="{MUTED}">{escape(label)}</text>'
    )


def _x_labels(frame: _Frame, labels: Sequence[str]) -> list[str]:
    """Every `step`-th label and the last one, `step` chosen from the widest label so that
    none can touch; the label before the last is dropped when the two would."""
    texts = [str(label) for label in labels]
    if not texts:
        return []
    widest = max(text_width(text, FONT_SIZE) for text in texts) + LABEL_GAP
    step = max(1, math.ceil(widest / (frame.x(1) - frame.x(0)))) if len(texts) > 1 else 1
    kept = list(range(0, len(texts), step))
    last = len(texts) - 1
    if kept[-1] != last:
        before = kept[-1]
        end_of_before = _x_label_left(frame.x(before), texts[before]) + text_width(
            texts[before], FONT_SIZE
        )
        if end_of_before + LABEL_GAP > _x_label_left(frame.x(last), texts[last]):
            kept.pop()
        kept.append(last)
    return [_x_label(frame.x(i), texts[i]) for i in kept]


def _percent(value: float) -> str:
    return f"{value:.0%}" if value >= 0.1 or value == 0 else f"{value:.1%}"


def _polyline(points: list[tuple[float, float]], colour: str, dash: str = "") -> str:
    if not points:
        return ""
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"{dashed}/>'


def trend_svg(by_month: pd.DataFrame, title: str = "Events per 100 sessions by month") -> str:
    """Events per 100 sessions per month with 95% interval whiskers."""
    rows = by_month[by_month["sessions"] > 0]
    if rows.empty:
        return _empty(title)
    labels = list(by_month["month"])
    frame = _Frame(0, max(len(labels) - 1, 1), _nice_max(float(rows["events_per_100_upper"].max())))
    body = _y_axis(frame, lambda v: f"{v:g}") + _x_labels(frame, labels)
    points = []
    for i, row in by_month.reset_index(drop=True).iterrows():
        if row["sessions"] <= 0:
            continue
        x = frame.x(i)
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.y(row["events_per_100_lower"]):.1f}" '
            f'y2="{frame.y(row["events_per_100_upper"]):.1f}" stroke="{MUTED}"/>'
        )
        points.append((x, frame.y(row["events_per_100"])))
    body.append(_polyline(points, ACCENT))
    body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ACCENT}"/>' for x, y in points]
    return _svg(title, body)


def p_chart_svg(chart: PChart, title: str = "Sessions with an event: p-chart") -> str:
    """Monthly proportions, the pooled centre line, exact binomial limits; flagged points in red."""
    present = [point for point in chart.points if point.proportion is not None]
    if chart.centre is None or not present:
        return _empty(title)
    top = max(max(_known(p.proportion) for p in present), max(_known(p.ucl) for p in present))
    frame = _Frame(0, max(len(chart.points) - 1, 1), _nice_max(top))
    body = _y_axis(frame, _percent) + _x_labels(frame, [p.label for p in chart.points])
    centre_y = frame.y(chart.centre)
    body.append(
        f'<line x1="{MARGIN_LEFT}" x2="{WIDTH - MARGIN_RIGHT}" y1="{centre_y:.1f}" '
        f'y2="{centre_y:.1f}" stroke="{MUTED}" stroke-width="1.5"/>'
    )
    limits = [(frame.x(i), frame.y(p.ucl)) for i, p in enumerate(chart.points) if p.ucl is not None]
    lower = [(frame.x(i), frame.y(p.lcl)) for i, p in enumerate(chart.points) if p.lcl is not None]
    body += [_polyline(limits, DANGER, "4 3"), _polyline(lower, DANGER, "4 3")]
    line = [
        (frame.x(i), frame.y(p.proportion))
        for i, p in enumerate(chart.points)
        if p.proportion is not None
    ]  # noqa: E501
    body.append(_polyline(line, ACCENT))
    for i, point in enumerate(chart.points):
        if point.proportion is None:
            continue
        flagged = point.above_ucl or point.in_run
        colour = DANGER if flagged else ACCENT
        label = escape(f"{point.label}: {point.count}/{point.n} ({point.proportion:.1%})")
        body.append(
            f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(point.proportion):.1f}" '
            f'r="{4.5 if flagged else 3}" fill="{colour}" '
            f'class="{"flagged" if flagged else "point"}"><title>{label}</title></circle>'
        )
    body.append(_legend(f"centre {chart.centre:.1%}; dashed: exact limits; red: flagged"))
    return _svg(title, body)


def funnel_svg(result: Funnel, title: str = "Sites: funnel plot") -> str:
    """Each site's proportion against its sessions, inside 95% and 99.8% limits."""
    units = [unit for unit in result.units if unit.proportion is not None]
    curve = result.curve()
    if result.target is None or not units:
        return _empty(title)
    max_n = max(unit.n for unit in units)
    top = max(max(_known(unit.proportion) for unit in units), max(c[4] for c in curve))
    frame = _Frame(0, max_n, _nice_max(top))
    body = _y_axis(frame, _percent)
    body += [_x_label(frame.x(max_n * i / 4), f"{max_n * i / 4:.0f}") for i in range(5)]
    body.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle" {FONT} fill="{MUTED}">'
        "sessions</text>"
    )
    for index, dash in ((1, "4 3"), (2, "4 3"), (3, ""), (4, "")):
        body.append(_polyline([(frame.x(c[0]), frame.y(c[index])) for c in curve], MUTED, dash))
    target_y = frame.y(result.target)
    body.append(
        f'<line x1="{frame.x(0):.1f}" x2="{frame.x(max_n):.1f}" y1="{target_y:.1f}" '
        f'y2="{target_y:.1f}" stroke="{ACCENT}"/>'
    )
    for unit in units:
        colour = DANGER if unit.outside_998 else "#b54708" if unit.outside_95 else ACCENT
        x, y = frame.x(unit.n), frame.y(_known(unit.proportion))
        label = escape(f"{unit.label}: {unit.events}/{unit.n} ({unit.proportion:.1%})")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{label}</title>'
            "</circle>"
        )
    labels, unlabelled = _site_labels(frame, units)
    body += labels
    legend = f"target {result.target:.1%}; dashed 95%, solid 99.8% limits"
    if unlabelled:
        legend += f"; {unlabelled} site{'s' if unlabelled > 1 else ''} unlabelled (see By site)"
    body.append(_legend(legend))
    return _svg(title, body)


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _site_labels(frame: _Frame, units: list[FunnelUnit]) -> tuple[list[str], int]:
    """Each site's name beside its point, at the first of four places (right above, right
    below, left above, left below; then the same a line further up or down) that lies inside
    the plotting area and clear of every point and earlier label. Sites outside the limits
    are placed first."""
    points = [
        (frame.x(u.n) - 4, frame.y(_known(u.proportion)) - 4)
        + (frame.x(u.n) + 4, frame.y(_known(u.proportion)) + 4)
        for u in units
    ]
    taken: list[Box] = []
    parts, unlabelled = [], 0
    ranked = sorted(units, key=lambda u: (not u.outside_998, not u.outside_95, -u.n))
    for unit in ranked:
        x, y = frame.x(unit.n), frame.y(_known(unit.proportion))
        width, ascent = text_width(unit.label, FONT_SIZE), FONT_SIZE * 0.8
        # Beside the point first, then one line further up or down.
        places = [
            (left, baseline + shift)
            for shift in (0, -FONT_SIZE - 2, FONT_SIZE + 2)
            for left, baseline in (
                (x + 6, y - 6),
                (x + 6, y + 6 + ascent),
                (x - 6 - width, y - 6),
                (x - 6 - width, y + 6 + ascent),
            )
        ]
        for left, baseline in places:
            box = (left, baseline - ascent, left + width, baseline + FONT_SIZE * 0.25)
            inside = (
                box[0] >= MARGIN_LEFT
                and box[2] <= WIDTH - 2
                and box[1] >= MARGIN_TOP - 4
                and box[3] <= HEIGHT - MARGIN_BOTTOM
            )
            if inside and not any(_overlaps(box, other) for other in taken + points):
                taken.append(box)
                parts.append(
                    f'<text x="{left:.1f}" y="{baseline:.1f}" {FONT} fill="#1b1f24">'
                    f"{escape(unit.label)}</text>"
                )
                break
        else:
            unlabelled += 1
    return parts, unlabelled


def bar_svg(labels: Sequence[str], values: Sequence[int], title: str) -> str:
    """A plain bar chart of counts (grade distribution, time to onset)."""
    if not labels:
        return _empty(title)
    frame = _Frame(-0.5, len(labels) - 0.5, _nice_max(float(max(values, default=0))))
    body = _y_axis(frame, lambda v: f"{v:g}") + _x_labels(frame, labels)
    width = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / len(labels) * 0.6
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        top = frame.y(value)
        body.append(
            f'<rect x="{frame.x(i) - width / 2:.1f}" y="{top:.1f}" width="{width:.1f}" '
            f'height="{frame.y(0) - top:.1f}" fill="{ACCENT}">'
            f"<title>{escape(f'{label}: {value}')}</title></rect>"
            f'<text x="{frame.x(i):.1f}" y="{top - 4:.1f}" text-anchor="middle" {FONT}>'
            f"{value}</text>"
        )
    return _svg(title, body)


def grade_svg(by_grade: pd.DataFrame, title: str = "Events by CTCAE grade") -> str:
    return bar_svg([f"Grade {g}" for g in by_grade["grade"]], list(by_grade["events"]), title)


def onset_svg(by_onset: pd.DataFrame, title: str = "Time to onset (minutes)") -> str:
    labels = [str(band).replace("_", " ") for band in by_onset["onset_band"]]
    return bar_svg(labels, list(by_onset["events"]), title)


def summary_charts(summary: SafetySummary) -> dict[str, str]:
    """The five charts of a safety summary, keyed by name, as SVG strings."""
    return {
        "trend": trend_svg(summary.by_month),
        "p_chart": p_chart_svg(summary.p_chart),
        "funnel": funnel_svg(summary.funnel),
        "grades": grade_svg(summary.by_grade),
        "onset": onset_svg(summary.by_onset),
    }
