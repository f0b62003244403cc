"""In Chromium, at desktop (1366 px) and tablet (820 px) widths: the benefit-risk table reads
without sideways scrolling (each protocol a card on the tablet), and the course chart's
response and remission labels, measured as the browser lays them out, cover no data point."""

import pytest

from tests.e2e.conftest import log_in
from tests.measures.test_benefit_risk import _course, cohort  # noqa: F401  # the shared record

WIDTHS = [(1366, 900), (820, 1180)]

# Every element shown in the page's main column whose content is wider than its box
# (scrolled or clipped) or that reaches past the window's edge.
OVERFLOWING = """() => [...document.querySelectorAll("main *")]
  .filter(e => e.getClientRects().length)
  .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible"
            || e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(e => e.tagName + "." + e.className)"""

# Each reference-line label whose laid-out box meets a PHQ-9 point (in the SVG's coordinates).
LABELS_ON_POINTS = """() => {
  const out = [];
  for (const label of document.querySelectorAll("svg.course-chart text[data-rule]")) {
    const b = label.getBBox();
    for (const c of document.querySelectorAll("svg.course-chart circle")) {
      const x = c.cx.baseVal.value, y = c.cy.baseVal.value, r = c.r.baseVal.value + 1;
      const nx = Math.min(Math.max(x, b.x), b.x + b.width);
      const ny = Math.min(Math.max(y, b.y), b.y + b.height);
      if ((nx - x) ** 2 + (ny - y) ** 2 < r * r) out.push(label.textContent + " @ " + x + "," + y);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("query", ["", "?by=site"])
def test_the_benefit_risk_table_never_scrolls_sideways(
    browser,
    live_server,
    password,
    director,
    cohort,  # noqa: F811
    query,
):
    for width, height in WIDTHS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        log_in(page, director.username, password)
        page.goto(f"/reports/benefit-risk/{query}", wait_until="networkidle")
        assert page.locator("table.benefit-risk tbody tr").count() == 2
        assert page.evaluate(OVERFLOWING) == [], f"{width} px"
        if width == 820:  # a card per protocol: every figure under its own label
            first = page.locator("table.benefit-risk tbody tr").first
            response = first.locator('td[data-label="Response"]')
            assert response.evaluate("e => getComputedStyle(e, '::before').content") == '"Response"'
        context.close()


def test_the_course_charts_labels_cover_no_point_in_the_browser(
    browser, live_server, password, director, north, nurse
):
    # Every later score on the response line (10 of 20): the line is crowded everywhere.
    crowded = _course(north, nurse, [20, 10, 10, 10, 10, 10])
    # A course with room beside both lines.
    roomy = _course(north, nurse, [20, 16, 12, 9, 8, 4])
    for width, height in WIDTHS:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        log_in(page, director.username, password)
        for patient in (crowded, roomy):
            page.goto(f"/patients/{patient.pk}/course/", wait_until="networkidle")
            assert page.locator("svg.course-chart text[data-rule]").count() == 2
            assert page.evaluate(LABELS_ON_POINTS) == [], f"{width} px"
        context.close()
