"""The visual check: every PDF kind prints every word inside its page margins, and the main
pages of the three journeys neither scroll sideways nor cut chart labels, at desktop (1366 px)
and tablet (820 px) widths in Chromium. scripts/render_visuals.py writes the same documents and
pages as PNGs to look at."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.services import audited_save
from events.choices import EventStatus
from events.models import AdverseEvent
from tests.e2e.conftest import log_in
from tests.exports.conftest import dataset  # noqa: F401 - the export tests' clinic record
from tests.exports.helpers import body, exported, words_outside_margins
from tests.exports.worst_case import worst_case_event

WIDTHS = [(1366, 900), (820, 1180)]

# Every <text> of every chart on the page, whose box lies outside its own <svg>'s viewBox.
CLIPPED_CHART_TEXT = """() => {
  const out = [];
  for (const svg of document.querySelectorAll("svg")) {
    const view = svg.viewBox.baseVal;
    if (!view || !view.width) continue;
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBBox();
      if (box.x < view.x - 0.5 || box.y < view.y - 0.5 ||
          box.x + box.width > view.x + view.width + 0.5 ||
          box.y + box.height > view.y + view.height + 0.5) out.push(text.textContent);
    }
  }
  return out;
}"""

SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.fixture
def worst_case(north, nurse):
    return worst_case_event(site=north, reporter=nurse)


@pytest.fixture
def queued(dataset, nurse):  # noqa: F811
    """The export record's submitted events with the due date the submit service gives them
    (its factories skip the service), as the review queue orders and pages by it."""
    for event in AdverseEvent.objects.filter(
        status=EventStatus.SUBMITTED, review_due_at__isnull=True
    ):
        event.review_due_at = (event.submitted_at or event.onset_at) + timedelta(days=30)
        audited_save(event, actor=nurse, reason="Due date as the submit service sets it")
    return dataset


def pdf_urls(dataset, worst_case) -> dict[str, str]:  # noqa: F811
    return {
        "summary": reverse("safety-summary-pdf"),
        "case report": reverse("event-case-report", args=[dataset.e2.pk]),
        "case report, worst case": reverse("event-case-report", args=[worst_case.pk]),
        "audit log": reverse("audit-log-export", args=["pdf"]),
        "trail": reverse("audit-trail-export", args=["events.adverseevent", dataset.e2.pk, "pdf"]),
        "trail, worst case": reverse(
            "audit-trail-export", args=["events.adverseevent", worst_case.pk, "pdf"]
        ),
    }


def test_every_pdf_kind_prints_every_word_inside_its_margins(
    client,
    director,
    auditor,
    dataset,  # noqa: F811
    worst_case,
    tmp_path,
):
    # The director may read every document; the auditor the ledger's.
    from events.choices import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=director, site=None, role=Role.AUDITOR)
    client.force_login(director)
    for name, url in pdf_urls(dataset, worst_case).items():
        response = exported(client, url)  # the audit log is an export job: run, then fetched
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf", name
        outside = words_outside_margins(body(response), tmp_path)
        assert outside == [], f"{name}: {outside[:5]}"


def journey_pages(dataset, worst_case) -> dict[str, list[str]]:  # noqa: F811
    return {
        "alice": ["/", f"/sessions/{dataset.s1.pk}/", f"/sessions/{worst_case.session_id}/"],
        "dana": [
            "/review/",
            f"/events/{dataset.e2.pk}/",
            f"/events/{worst_case.pk}/",
            "/reports/",
            "/duplicates/",
            "/notifications/",
            "/accounts/",
        ],
        "aubrey": [
            "/audit/",
            "/audit/log/",
            f"/audit/trail/events.adverseevent/{dataset.e2.pk}/",
        ],
    }


def test_the_journeys_main_pages_fit_the_width_and_keep_chart_labels_whole(
    browser,
    live_server,
    password,
    nurse,
    director,
    auditor,
    dataset,  # noqa: F811
    queued,
    worst_case,
):
    problems = []
    for username, paths in journey_pages(dataset, worst_case).items():
        for width, height in WIDTHS:
            context = browser.new_context(
                base_url=live_server.url, viewport={"width": width, "height": height}
            )
            context.set_default_timeout(180_000)
            page = context.new_page()
            log_in(page, username, password)
            for path in paths:
                # The dashboard loads its parts after the page (HTMX): wait for them.
                response = page.goto(path, wait_until="networkidle")
                assert response.status == 200, f"{path} as {username}: {response.status}"
                if path == "/reports/":  # the charts whose text is checked have loaded
                    assert page.locator("svg.chart").count() >= 4
                if page.evaluate(SCROLLS_SIDEWAYS):
                    problems.append(f"{path} at {width} px scrolls sideways")
                clipped = page.evaluate(CLIPPED_CHART_TEXT)
                if clipped:
                    problems.append(f"{path} at {width} px cuts chart text {clipped[:3]}")
            context.close()
    assert problems == []
