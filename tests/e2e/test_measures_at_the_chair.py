"""At the chair on a tablet (820 px): a nurse records a PHQ-9 and the screen in a few taps,
well under a minute, and a positive item 9 reaches the director's queue at once."""

import time
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from events.models import OutcomeMeasure, SuicidalityAlert
from tests.e2e.conftest import log_in
from tests.factories import InfusionSessionFactory

ANSWERS = ["Several days"] * 8 + ["Several days"]  # item 9 positive


def test_a_nurse_records_a_phq9_on_a_tablet_and_the_director_sees_the_alert(
    browser, live_server, nurse, director, patient, password
):
    session = InfusionSessionFactory(
        patient=patient, administered_by=nurse, started_at=timezone.now() - timedelta(minutes=2)
    )
    context = browser.new_context(base_url=live_server.url, viewport={"width": 820, "height": 1180})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, nurse.username, password)
    page.goto(f"/sessions/{session.pk}/")
    page.get_by_role("link", name="Record PHQ-9 and screen").click()

    started = time.monotonic()
    rows = page.locator("table.phq9-grid tbody tr")
    for index, answer in enumerate(ANSWERS):
        rows.nth(index).get_by_label(answer).check()
    page.get_by_role("radiogroup").nth(0).get_by_label("No").check()
    page.get_by_role("radiogroup").nth(1).get_by_label("No").check()
    page.get_by_role("button", name="Save measures").click()
    expect(page.get_by_text("the site's medical directors were alerted")).to_be_visible()
    assert time.monotonic() - started < 60
    assert OutcomeMeasure.objects.get().phq9_total == 9
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    context.close()

    context = browser.new_context(base_url=live_server.url, viewport={"width": 820, "height": 1180})
    page = context.new_page()
    log_in(page, director.username, password)
    page.goto("/review/")
    alert = SuicidalityAlert.objects.get()
    expect(page.get_by_role("link", name=alert.summary)).to_be_visible()
    context.close()
