"""The course chart's reference-line labels (response, remission) never cover a data point:
checked geometrically on the SVG, with the boxes the labels take in the chart's own font
(DejaVu Sans, measured by its font file, not by the chart's estimate), over crowded and
random courses."""

import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from PIL import ImageFont

from events.course_charts import SCORE_BOTTOM, SCORE_TOP, course_chart_svg
from events.course_selectors import CourseSession
from events.outcomes import is_remission, is_response

FONT_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core
SVG = "{http://www.w3.org/2000/svg}"
ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


@pytest.fixture(scope="module")
def font():
    try:
        return ImageFont.truetype(FONT_FILE, 13)
    except OSError:
        pytest.skip("fonts-dejavu-core is not installed (scripts/system-packages.sh)")


def course(phq9: list[int | None], madrs: list[int | None] | None = None) -> list[CourseSession]:
    baseline = phq9[0]
    madrs = madrs or [None] * len(phq9)
    return [
        CourseSession(
            pk=number,
            number=number,
            started_at=datetime(2026, 1, number, tzinfo=UTC),
            status="completed",
            dose_mg_per_kg=Decimal("0.50"),
            phq9=score,
            madrs=madrs[number - 1],
            item9=0,
            screen_positive=False,
            worst_grade=None,
            peak_systolic=None,
            peak_cadss6=None,
            responded=bool(
                score is not None and baseline and number > 1 and is_response(baseline, score)
            ),
            remitted=score is not None and is_remission(score),
        )
        for number, score in enumerate(phq9, 1)
    ]


def label_boxes(svg: ElementTree.Element, font) -> dict[str, tuple[float, float, float, float]]:
    """Each reference-line label's box (left, top, right, bottom) in the chart's coordinates."""
    boxes = {}
    for text in svg.iter(f"{SVG}text"):
        if text.get("data-rule") is None:
            continue
        x, y = float(text.get("x")), float(text.get("y"))
        left, top, right, bottom = font.getbbox(
            text.text, anchor=ANCHORS[text.get("text-anchor", "start")]
        )
        # The font's full ascent and descent, not only the inked part of these letters.
        ascent, descent = font.getmetrics()
        boxes[text.text] = (x + left, y - ascent, x + right, y + descent)
    return boxes


def data_points(svg: ElementTree.Element) -> list[tuple[float, float, float]]:
    """Every PHQ-9 circle and every MADRS vertex, as (x, y, radius)."""
    points = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r")) + 1)  # half the stroke
        for c in svg.iter(f"{SVG}circle")
    ]
    for line in svg.iter(f"{SVG}polyline"):
        for pair in line.get("points").split():
            x, y = map(float, pair.split(","))
            points.append((x, y, 1.0))
    return points


def covers(box, point) -> bool:
    left, top, right, bottom = box
    x, y, r = point
    nearest_x, nearest_y = min(max(x, left), right), min(max(y, top), bottom)
    return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r


def overlaps_of(sessions, font) -> tuple[list[str], dict]:
    chart = str(course_chart_svg(sessions, baseline=sessions[0].phq9))
    svg = ElementTree.fromstring(chart)  # noqa: S314 - our own chart
    boxes = label_boxes(svg, font)
    problems = [
        f"{label!r} covers the point at ({x:.0f}, {y:.0f})"
        for label, box in boxes.items()
        for x, y, r in data_points(svg)
        if covers(box, (x, y, r))
    ]
    return problems, boxes


def test_the_labels_sit_beside_their_lines_in_a_course_with_room(font):
    sessions = course([20, 16, 12, 9, 8, 4], madrs=[34, None, 22, None, None, 10])
    problems, boxes = overlaps_of(sessions, font)
    assert problems == []
    response = boxes["response: 10 or less"]
    remission = boxes["remission below 5"]
    assert response[1] >= SCORE_TOP and response[3] <= SCORE_BOTTOM  # in the plot, not the legend
    assert remission[1] >= SCORE_TOP and remission[3] <= SCORE_BOTTOM


@pytest.mark.parametrize(
    "phq9",
    [
        [20, 10, 10, 10, 10, 10],  # every point on the response line
        [10, 5, 5, 5, 5, 5, 5, 5],  # both lines at 5, every point on them
        [24, 12, 13, 11, 12, 4, 5, 4, 12, 13, 12, 5, 4, 6, 11, 12],  # a long crowded course
        [20, None, 10],  # a gap, one point on the line at the right end
        [22, 11],
    ],
)
def test_no_label_covers_a_point_in_a_crowded_course(font, phq9):
    problems, boxes = overlaps_of(course(phq9), font)
    assert problems == []
    assert len(boxes) == 2  # both labels are drawn, beside their line or in the legend


def test_no_label_covers_a_point_in_random_courses(font):
    generator = random.Random(14)
    for _ in range(150):
        length = generator.randint(2, 14)
        baseline = generator.randint(5, 27)
        phq9 = [baseline] + [
            None if generator.random() < 0.1 else generator.randint(0, 27)
            for _ in range(length - 1)
        ]
        madrs = [generator.choice([None, generator.randint(0, 60)]) for _ in range(length)]
        problems, _ = overlaps_of(course(phq9, madrs), font)
        assert problems == [], (phq9, madrs)


def test_a_line_crowded_everywhere_sends_its_label_to_the_legend(font):
    svg = str(course_chart_svg(course([20, 10, 10, 10, 10, 10]), baseline=20))
    assert re.search(r'<text [^>]*data-rule="legend"[^>]*>response: 10 or less', svg)
    height = float(re.search(r'viewBox="0 0 \d+ ([\d.]+)"', svg).group(1))
    legend_y = float(
        re.search(r'<text x="[\d.]+" y="([\d.]+)"[^>]*data-rule="legend"', svg).group(1)
    )
    assert legend_y < height  # inside the chart, under the strips


@pytest.mark.parametrize("value", ["0.50", "188"])  # a dose, a peak systolic pressure
def test_a_long_courses_strip_values_shrink_to_their_columns(font, value):
    sessions = [replace(s, peak_systolic=188) for s in course([18 - i // 3 for i in range(27)])]
    svg = ElementTree.fromstring(str(course_chart_svg(sessions, baseline=18)))  # noqa: S314
    row = [t for t in svg.iter(f"{SVG}text") if t.text == value]  # one per session
    assert len(row) == 27
    boxes = []
    for text in row:
        size = float(text.get("font-size", 13))
        width = ImageFont.truetype(FONT_FILE, size).getlength(text.text)
        boxes.append((float(text.get("x")) - width / 2, float(text.get("x")) + width / 2))
    gaps = [right[0] - left[1] for left, right in zip(boxes, boxes[1:], strict=False)]
    assert min(gaps) >= 2
