"""The course chart: one column per session on a shared axis, the PHQ-9 (and MADRS) line on
top with response and remission marked, then strips for the worst AE grade, the peak
systolic pressure, the peak CADSS-6 and the dose in mg/kg.

Plain SVG text like the session chart (`events.charts`): it scales with the page, stays crisp
in a PDF, and keeps its labels as text. Values in the strips are printed, not only coloured,
so the chart reads in grey and to a screen reader.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from events.course_selectors import CourseSession
from events.outcomes import REMISSION_BELOW

WIDTH = 760
LEFT, RIGHT = 118, 44
SCORE_TOP, SCORE_BOTTOM = 28, 208
STRIP_HEIGHT = 26
STRIPS = ("Worst AE grade", "Peak systolic", "CADSS-6 peak", "Dose mg/kg")
STRIP_TOP = SCORE_BOTTOM + 40
HEIGHT = STRIP_TOP + STRIP_HEIGHT * len(STRIPS) + 8
LEGEND_TOP = HEIGHT + 10  # labels that fit nowhere beside their line, one row each
PHQ9_MAX, MADRS_MAX = 27, 60
FONT_SIZE = 13
# A generous mean advance of DejaVu Sans (the chart's font) at FONT_SIZE, so an estimated box
# holds the drawn text: labels are placed by these boxes, never by guesswork in the browser.
CHAR_WIDTH = 0.58 * FONT_SIZE
DIGIT_WIDTH = 0.64 * FONT_SIZE  # DejaVu Sans' digits are wider than its mean letter
POINT_RADIUS = 5
LEGEND_ROW = 18

PHQ9, MADRS, RESPONSE, REMISSION, GRID, MUTED = (
    "#0b5cad",
    "#6941c6",
    "#067647",
    "#067647",
    "#d0d5dd",
    "#475467",
)
GRADE_FILL = {1: "#fef0c7", 2: "#fedf89", 3: "#fdb022", 4: "#f04438", 5: "#7a271a"}


def _x(index: int, count: int) -> float:
    step = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return LEFT + step * (index + 0.5)


def _y(score: float, top_value: float) -> float:
    return SCORE_BOTTOM - (SCORE_BOTTOM - SCORE_TOP) * score / top_value


def _text(x: float, y: float, text: str, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the chart's coordinates (y grows downwards)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: "Box") -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


def text_box(x: float, baseline: float, text: str, anchor: str = "start") -> Box:
    """The box a line of chart text covers: its estimated width, the font's ascent above the
    baseline and its descent below."""
    width = len(text) * CHAR_WIDTH
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, baseline - 0.95 * FONT_SIZE, left + width, baseline + 0.25 * FONT_SIZE)


def point_box(x: float, y: float, radius: float = POINT_RADIUS) -> Box:
    reach = radius + 2  # the stroke and a little air
    return Box(x - reach, y - reach, x + reach, y + reach)


@dataclass(frozen=True)
class RuleLabel:
    """The label of a reference line (response, remission), placed clear of every point."""

    text: str
    line_y: float
    colour: str
    dash: str
    from_left: bool = False  # where to look first along the line


def _place(label: RuleLabel, taken: list[Box]) -> tuple[float, float, str] | None:
    """The first spot beside its line, just above it, then just below, from its preferred end
    along the line, whose box meets no point, no point's value and no label placed before;
    None when the line is crowded everywhere."""
    width = len(label.text) * CHAR_WIDTH
    right_end, left_end = WIDTH - RIGHT - 4, LEFT + 4 + width
    steps = max(int((right_end - left_end) // 12), 0)
    for baseline in (label.line_y - 4, label.line_y + FONT_SIZE + 1):
        for step in range(steps + 1):
            shift = (steps - step if label.from_left else step) * (right_end - left_end)
            x = right_end - shift / max(steps, 1)
            box = text_box(x, baseline, label.text, "end")
            if box.top < SCORE_TOP - 6 or box.bottom > SCORE_BOTTOM:
                continue
            if not any(box.overlaps(other) for other in taken):
                return x, baseline, "end"
    return None


def _rule_labels(labels: list[RuleLabel], taken: list[Box]) -> tuple[list[str], list[RuleLabel]]:
    """Each label beside its line where it fits; those that fit nowhere go to the legend
    under the strips, where no point can be."""
    parts, legend = [], []
    for label in labels:
        spot = _place(label, taken)
        if spot is None:
            legend.append(label)
            continue
        x, baseline, anchor = spot
        taken.append(text_box(x, baseline, label.text, anchor))
        parts.append(
            _text(x, baseline, label.text, fill=label.colour, text_anchor=anchor, data_rule="")
        )
    return parts, legend


def _legend(labels: list[RuleLabel]) -> list[str]:
    parts = []
    for row, label in enumerate(labels):
        y = LEGEND_TOP + row * LEGEND_ROW
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + 28}" y1="{y - 4}" y2="{y - 4}" '
            f'stroke="{label.colour}" stroke-width="2" stroke-dasharray="{label.dash}"/>'
        )
        parts.append(_text(LEFT + 34, y, label.text, fill=label.colour, data_rule="legend"))
    return parts


def _score_panel(
    sessions: Sequence[CourseSession], baseline: int | None
) -> tuple[list[str], list[RuleLabel]]:
    """The scores' panel, and the reference-line labels that go to the legend."""
    n = len(sessions)
    parts = [
        _text(LEFT, 16, "PHQ-9 (0-27, left)", fill=PHQ9, font_weight="bold"),
        _text(WIDTH - RIGHT, 16, "MADRS (0-60, right)", fill=MADRS, text_anchor="end"),
    ]
    for value in (0, 5, 10, 15, 20, 27):
        y = _y(value, PHQ9_MAX)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, str(value), text_anchor="end", fill=MUTED))
    for value in (0, 20, 40, 60):
        parts.append(_text(WIDTH - RIGHT + 6, _y(value, MADRS_MAX) + 4, str(value), fill=MADRS))
    rules = [
        RuleLabel(
            "remission below 5", _y(REMISSION_BELOW, PHQ9_MAX), REMISSION, "6 4", from_left=True
        )
    ]
    if baseline:
        half = baseline / 2
        rules.insert(
            0,
            RuleLabel(
                f"response: {half:g} or less",
                _y(half, PHQ9_MAX),
                RESPONSE,
                "2 3",
            ),
        )
    for rule in rules:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{rule.line_y:.1f}" '
            f'y2="{rule.line_y:.1f}" stroke="{rule.colour}" stroke-dasharray="{rule.dash}"/>'
        )
    parts += _line(sessions, "madrs", MADRS_MAX, MADRS, dash="5 3")
    parts += _line(sessions, "phq9", PHQ9_MAX, PHQ9)
    taken: list[Box] = [
        point_box(_x(i, n), _y(s.madrs, MADRS_MAX), 3)
        for i, s in enumerate(sessions)
        if s.madrs is not None
    ]
    for i, s in enumerate(sessions):
        if s.phq9 is None:
            continue
        x, y = _x(i, n), _y(s.phq9, PHQ9_MAX)
        fill = RESPONSE if (s.responded or s.remitted) else "#ffffff"
        title = f"Session {s.number}: PHQ-9 {s.phq9}"
        if s.responded:
            title += ", response"
        if s.remitted:
            title += ", remission"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{POINT_RADIUS}" fill="{fill}" '
            f'stroke="{PHQ9}" stroke-width="2"><title>{escape(title)}</title></circle>'
        )
        label = str(s.phq9) + (" R" if s.remitted else "")
        parts.append(_text(x, y - 9, label, text_anchor="middle", fill=PHQ9))
        taken += [point_box(x, y), text_box(x, y - 9, label, "middle")]
        if s.item9 or s.screen_positive:
            parts.append(
                _text(
                    x,
                    SCORE_BOTTOM - 4,
                    "!",
                    text_anchor="middle",
                    fill="#b42318",
                    font_weight="bold",
                )
            )
            taken.append(text_box(x, SCORE_BOTTOM - 4, "!", "middle"))
    placed, legend = _rule_labels(rules, taken)
    return parts + placed, legend


def _line(
    sessions: Sequence[CourseSession], attr: str, top: int, colour: str, dash: str = ""
) -> list[str]:
    n = len(sessions)
    points = [
        f"{_x(i, n):.1f},{_y(getattr(s, attr), top):.1f}"
        for i, s in enumerate(sessions)
        if getattr(s, attr) is not None
    ]
    if len(points) < 2:
        return []
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return [
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
        f'stroke-width="2"{dashed}/>'
    ]


def _strip_values(s: CourseSession) -> tuple[str, str, str, str]:
    return (
        str(s.worst_grade) if s.worst_grade else "-",
        str(s.peak_systolic) if s.peak_systolic else "-",
        str(s.peak_cadss6) if s.peak_cadss6 is not None else "-",
        f"{s.dose_mg_per_kg:.2f}",
    )


def _strips(sessions: Sequence[CourseSession]) -> list[str]:
    n = len(sessions)
    step = (WIDTH - LEFT - RIGHT) / max(n, 1)
    parts = [_text(LEFT - 6, SCORE_BOTTOM + 18, "Session", text_anchor="end", fill=MUTED)]
    for i, s in enumerate(sessions):
        parts.append(_text(_x(i, n), SCORE_BOTTOM + 18, str(s.number), text_anchor="middle"))
    values = [_strip_values(s) for s in sessions]
    for row, name in enumerate(STRIPS):
        top = STRIP_TOP + row * STRIP_HEIGHT
        # A long course narrows the columns: the row's values shrink to fit their column
        # rather than run into each other ("0.40" in a 22 px column).
        widest = max(len(v[row]) for v in values) * DIGIT_WIDTH
        size = min(FONT_SIZE, int(2 * FONT_SIZE * (step - 5) / widest) / 2)
        sized = {} if size >= FONT_SIZE else {"font_size": f"{size:g}"}
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{top}" y2="{top}" stroke="{GRID}"/>'
        )
        parts.append(_text(LEFT - 6, top + 17, name, text_anchor="end", fill=MUTED))
        for i, s in enumerate(sessions):
            value = values[i][row]
            x = _x(i, n)
            if row == 0 and s.worst_grade:
                parts.append(
                    f'<rect x="{x - step / 2 + 1:.1f}" y="{top + 2}" width="{step - 2:.1f}" '
                    f'height="{STRIP_HEIGHT - 4}" fill="{GRADE_FILL[s.worst_grade]}"/>'
                )
            colour = "#ffffff" if row == 0 and (s.worst_grade or 0) >= 4 else "#101828"
            parts.append(_text(x, top + 17, value, text_anchor="middle", fill=colour, **sized))
    return parts


def course_chart_svg(sessions: Sequence[CourseSession], *, baseline: int | None) -> SafeString:
    """The whole chart as inline SVG; an empty course says so instead of drawing axes."""
    title = "Course: PHQ-9 and MADRS by session, with worst AE grade, peak BP, CADSS-6, dose"
    if not sessions:
        return mark_safe('<p class="muted">No started sessions yet.</p>')  # noqa: S308  # nosec B308 B703
    panel, legend = _score_panel(sessions, baseline)
    body = panel + _strips(sessions) + _legend(legend)
    height = HEIGHT + (len(legend) * LEGEND_ROW + 6 if legend else 0)
    svg = (
        f'<svg class="chart course-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="{FONT_SIZE}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 - every value is escaped above  # nosec B308 B703
