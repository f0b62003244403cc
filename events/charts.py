"""The session chart: blood pressure, heart rate and SpO2 over minutes from the start, with the
site's alert thresholds drawn as dashed lines and events marked at their onset.

Built as plain SVG text (no plotting library) so it renders inline in the page, scales on a
tablet, stays crisp in a PDF, and keeps its labels as real text for screen readers. Labels are
placed with `text_width`, the advance widths of DejaVu Sans (the font every chart names first),
so none is cut at the edge or printed over another.
"""

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
LEFT, RIGHT = 48, 16
PRESSURE_PANEL = (16, 196)  # top and bottom of the BP/HR panel
SPO2_PANEL = (236, 316)
HEIGHT = 348
PRESSURE_RANGE = (30, 230)
SPO2_RANGE = (75, 100)

SYSTOLIC, DIASTOLIC, HEART_RATE, SPO2 = "#0b5cad", "#5b8fd6", "#b54708", "#067647"
THRESHOLD, EVENT = "#b42318", "#6941c6"

# Advance widths of DejaVu Sans, in em, of the printable ASCII characters (space to tilde),
# read from the font's metrics.
_DEJAVU_SANS_ADVANCES = """
0.318 0.401 0.46 0.838 0.636 0.95 0.78 0.275 0.39 0.39 0.5 0.838 0.318 0.361 0.318
0.337 0.636 0.636 0.636 0.636 0.636 0.636 0.636 0.636 0.636 0.636 0.337 0.337 0.838
0.838 0.838 0.531 1.0 0.684 0.686 0.698 0.77 0.632 0.575 0.775 0.752 0.295 0.295
0.656 0.557 0.863 0.748 0.787 0.603 0.787 0.695 0.635 0.611 0.732 0.684 0.989 0.685
0.611 0.685 0.39 0.337 0.39 0.838 0.5 0.5 0.613 0.635 0.55 0.635 0.615 0.352 0.635
0.634 0.278 0.278 0.579 0.278 0.974 0.634 0.612 0.635 0.635 0.411 0.521 0.392 0.634
0.592 0.818 0.592 0.592 0.525 0.636 0.337 0.636 0.838
"""
_ADVANCES = dict(
    zip(map(chr, range(32, 127)), map(float, _DEJAVU_SANS_ADVANCES.split()), strict=True)
)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The width in px of `text` set in DejaVu Sans at `size` px, rounded up by 5% so that
    a fallback font of similar width still fits; a character outside ASCII counts as 1 em."""
    em = sum(_ADVANCES.get(char, 1.0) for char in text)
    return em * size * (1.12 if bold else 1.0) * 1.05


@dataclass(frozen=True)
class ChartPoint:
    """One reading, placed by its minutes from the start of the session."""

    minute: int
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None


@dataclass(frozen=True)
class ChartLimits:
    systolic_high: int
    diastolic_high: int
    systolic_low: int
    heart_rate_high: int
    heart_rate_low: int
    spo2_low: int


@dataclass(frozen=True)
class ChartMarker:
    """An event drawn as a vertical line at its onset."""

    minute: int
    label: str


class _Axis:
    def __init__(self, minutes: int, panel: tuple[int, int], values: tuple[int, int]):
        self.minutes = max(minutes, 1)
        self.top, self.bottom = panel
        self.low, self.high = values

    def x(self, minute: float) -> float:
        minute = min(max(minute, 0), self.minutes)
        return round(LEFT + (WIDTH - LEFT - RIGHT) * minute / self.minutes, 1)

    def y(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        span = self.high - self.low
        return round(self.bottom - (self.bottom - self.top) * (value - self.low) / span, 1)


def _minute_ticks(minutes: int) -> range:
    step = 10 if minutes <= 90 else 30 if minutes <= 240 else 60
    return range(0, minutes + 1, step)


def _series(axis: _Axis, points, attribute: str, colour: str, label: str) -> list[str]:
    placed = [(p.minute, getattr(p, attribute)) for p in points if getattr(p, attribute)]
    if not placed:
        return []
    path = " ".join(f"{axis.x(m)},{axis.y(v)}" for m, v in placed)
    parts = [
        f'<polyline class="series" points="{path}" fill="none" stroke="{colour}" '
        f'stroke-width="2"><title>{label}</title></polyline>'
    ]
    for minute, value in placed:
        parts.append(
            f'<circle cx="{axis.x(minute)}" cy="{axis.y(value)}" r="3.5" fill="{colour}">'
            f"<title>{label} {value} at {minute} min</title></circle>"
        )
    return parts


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _label_box(left: float, baseline: float, text: str, size: float = 10) -> Box:
    return (left, baseline - 0.8 * size, left + text_width(text, size), baseline + 0.25 * size)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _thresholds(axis: _Axis, lines: list[tuple[int, str]], boxes: list[Box]) -> list[str]:
    """Dashed threshold lines; labels of lines that nearly coincide (e.g. diastolic 110 and
    heart rate 110) are moved left so they do not print over each other. Each label's box is
    added to `boxes`, for the event labels to keep clear of."""
    parts: list[str] = []
    placed: list[float] = []
    for value, label in sorted(lines):
        y = axis.y(value)
        shift = 60 * len([other for other in placed if abs(other - y) < 11])
        placed.append(y)
        right = WIDTH - RIGHT - 2 - shift
        boxes.append(_label_box(right - text_width(label, 10), y - 3, label))
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{THRESHOLD}" '
            f'stroke-dasharray="5 4" stroke-width="1"><title>{label}</title></line>'
            f'<text x="{right}" y="{y - 3}" text-anchor="end" '
            f'fill="{THRESHOLD}" font-size="10">{escape(label)}</text>'
        )
    return parts


def _frame(axis: _Axis, ticks: range, title: str, value_ticks: list[int]) -> list[str]:
    parts = [
        f'<rect x="{LEFT}" y="{axis.top}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{axis.bottom - axis.top}" fill="#fff" stroke="#d7dce2"/>',
        f'<text x="{LEFT}" y="{axis.top - 4}" font-size="11" fill="#5b6470">{title}</text>',
    ]
    for value in value_ticks:
        y = axis.y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#eef0f3"/>'
            f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end" font-size="10" '
            f'fill="#5b6470">{value}</text>'
        )
    for minute in ticks:
        x = axis.x(minute)
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{axis.bottom}" y2="{axis.bottom + 4}" stroke="#5b6470"/>'
        )
    return parts


def _markers(axis: _Axis, markers: list[ChartMarker], taken: list[Box]) -> list[str]:
    """Event lines with their labels: a label goes left of its line when it would pass the
    right edge, and drops a row when it would print over a label in `taken`."""
    parts = []
    for marker in sorted(markers, key=lambda m: m.minute):
        x = axis.x(marker.minute)
        width = text_width(marker.label, 10)
        left = x + 3 if x + 3 + width <= WIDTH - RIGHT else x - 3 - width
        left = max(left, LEFT)
        row = 0
        while any(
            _overlaps(_label_box(left, axis.top + 12 + 12 * row, marker.label), b) for b in taken
        ):
            row += 1
        taken.append(_label_box(left, axis.top + 12 + 12 * row, marker.label))
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{PRESSURE_PANEL[0]}" y2="{SPO2_PANEL[1]}" '
            f'stroke="{EVENT}" stroke-width="1.5"><title>{escape(marker.label)} at '
            f"{marker.minute} min</title></line>"
            f'<text x="{left:.1f}" y="{axis.top + 12 + 12 * row}" font-size="10" '
            f'fill="{EVENT}">{escape(marker.label)}</text>'
        )
    return parts


def session_chart_svg(
    points: list[ChartPoint],
    limits: ChartLimits,
    *,
    planned_minutes: int = 40,
    markers: list[ChartMarker] | None = None,
    title: str = "Vital signs over the session",
) -> SafeString:
    """The chart as an inline `<svg>` element (role img, with a text description)."""
    markers = markers or []
    last = max([p.minute for p in points] + [m.minute for m in markers] + [planned_minutes])
    minutes = ((max(last, 10) + 9) // 10) * 10
    pressure = _Axis(minutes, PRESSURE_PANEL, PRESSURE_RANGE)
    oxygen = _Axis(minutes, SPO2_PANEL, SPO2_RANGE)
    ticks = _minute_ticks(minutes)
    label_boxes: list[Box] = []
    description = (
        f"{len(points)} readings over {minutes} minutes. Dashed lines are the site's alert "
        f"thresholds: systolic {limits.systolic_high} and {limits.systolic_low}, diastolic "
        f"{limits.diastolic_high}, heart rate {limits.heart_rate_high} and "
        f"{limits.heart_rate_low}, SpO2 {limits.spo2_low}%."
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, DejaVu Sans, sans-serif">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        *_frame(pressure, ticks, "BP (mmHg) and heart rate (/min)", [40, 80, 120, 160, 200]),
        *_frame(oxygen, ticks, "SpO2 (%)", [80, 90, 100]),
        *_thresholds(
            pressure,
            [
                (limits.systolic_high, f"SBP {limits.systolic_high}"),
                (limits.diastolic_high, f"DBP {limits.diastolic_high}"),
                (limits.systolic_low, f"SBP {limits.systolic_low}"),
                (limits.heart_rate_high, f"HR {limits.heart_rate_high}"),
                (limits.heart_rate_low, f"HR {limits.heart_rate_low}"),
            ],
            label_boxes,
        ),
        *_thresholds(oxygen, [(limits.spo2_low, f"SpO2 {limits.spo2_low}")], label_boxes),
    ]
    for minute in ticks:
        parts.append(
            f'<text x="{oxygen.x(minute)}" y="{SPO2_PANEL[1] + 16}" text-anchor="middle" '
            f'font-size="10" fill="#5b6470">{minute}</text>'
        )
    parts.append(
        f'<text x="{(WIDTH + LEFT) / 2}" y="{HEIGHT - 4}" text-anchor="middle" font-size="11" '
        f'fill="#5b6470">Minutes from start</text>'
    )
    parts += _markers(pressure, markers, label_boxes)
    parts += _series(pressure, points, "systolic", SYSTOLIC, "Systolic")
    parts += _series(pressure, points, "diastolic", DIASTOLIC, "Diastolic")
    parts += _series(pressure, points, "heart_rate", HEART_RATE, "Heart rate")
    parts += _series(oxygen, points, "spo2", SPO2, "SpO2")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every user-provided text is escaped above  # nosec B308 B703
