"""The staff journey in Chromium: a nurse starts a session, records a high blood pressure,
confirms the suggested event, completes and submits it; a director then assesses causality
and signs it off with their password. Screenshots of each step go to test-artifacts/."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from events.choices import EventStatus
from events.models import AdverseEvent, ElectronicSignature
from tests.e2e.conftest import log_in


def test_nurse_files_a_hypertension_event_and_a_director_signs_it_off(
    page, screenshot, nurse, director, patient, password
):
    # The live server's first request imports the whole URL map: give it time.
    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, nurse.username, password)
    expect(page.get_by_role("heading", name="Today's sessions")).to_be_visible()
    screenshot("staff-01-home")

    # Find the patient and start a session that began 40 minutes ago.
    page.get_by_role("link", name="Patients").click()
    page.get_by_label("Chart number").fill("1001")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="N-1001").click()
    page.get_by_role("link", name="Start a session").click()
    page.get_by_label("Dose (mg/kg)").fill("0.5")
    page.get_by_label("Weight (kg)").fill("80")
    page.get_by_label("Lot number").fill("KET-2611")
    started = timezone.localtime(timezone.now() - timedelta(minutes=40), patient.site.zone)
    page.get_by_label("Started at").fill(started.strftime("%Y-%m-%d %H:%M"))
    screenshot("staff-02-start-session")
    page.get_by_role("button", name="Start session").click()
    expect(page.get_by_role("heading", name=re.compile(r"Session 1"))).to_be_visible()

    # Record BP 186/112 at 32 minutes: the panel refreshes in place with the suggestion.
    page.get_by_label("Taken at (min from start)").fill("32")
    page.get_by_label("Systolic (mmHg)").fill("186")
    page.get_by_label("Diastolic (mmHg)").fill("112")
    page.get_by_role("button", name="Record vitals").click()
    banner = page.get_by_role("alert").filter(has_text="Suggested event")
    expect(banner).to_contain_text("Hypertension, grade 3: BP 186/112 mmHg at 32 min")
    expect(page.locator("table.vitals")).to_contain_text("Hypertension G3")
    expect(page.get_by_label("Systolic (mmHg)")).to_have_value("")  # a fresh form
    screenshot("staff-03-suggestion")

    # Confirm: a draft event opens, pre-filled from the reading, with the CTCAE wording.
    banner.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name=re.compile("Complete the draft"))).to_be_visible()
    expect(page.locator("#grade-options")).to_contain_text("SBP >= 160 or DBP >= 100")
    expect(page.get_by_role("radio", name=re.compile("3 - Severe"))).to_be_checked()
    expect(page.get_by_text("32 min", exact=True)).to_be_visible()
    page.get_by_label("Action taken with the infusion").select_option(label="Dose rate reduced")
    page.get_by_label("Rescue medication").fill("Labetalol 10 mg IV")
    page.get_by_label("Outcome").select_option(label="Recovered/resolved")
    page.get_by_label("Dechallenge").select_option(label="Yes")
    page.get_by_label("Rechallenge").select_option(label="Does not apply")
    page.get_by_label("Narrative").fill(
        "BP 186/112 at 32 min, asymptomatic. Rate halved, labetalol given; 150/90 by 45 min."
    )
    screenshot("staff-04-event-form")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("heading", name=re.compile("Hypertension, grade 3"))).to_contain_text(
        "Submitted"
    )
    screenshot("staff-05-submitted")
    event = AdverseEvent.objects.get(session__patient=patient)
    assert event.status == EventStatus.SUBMITTED
    assert event.rescue_medication == "Labetalol 10 mg IV"

    # The director reviews it from the queue and signs it off.
    page.get_by_role("button", name="Log out").click()
    log_in(page, director.username, password)
    page.get_by_role("link", name="Review queue").first.click()
    screenshot("director-01-queue")
    page.get_by_role("link", name="Hypertension, grade 3").click()
    expect(page.locator("svg.chart")).to_be_visible()
    page.get_by_label("Causality (WHO-UMC)").select_option(label="Probable/likely")
    page.get_by_role("button", name="Save causality").click()
    expect(page.get_by_text("Causality recorded.")).to_be_visible()
    page.get_by_label("Your password").fill(password)
    screenshot("director-02-review")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off: reviewed and approved.")).to_be_visible()
    expect(page.locator("table").filter(has_text="Signed by")).to_contain_text("Dana Director")
    screenshot("director-03-signed-off")

    event.refresh_from_db()
    assert event.status == EventStatus.SIGNED_OFF
    assert ElectronicSignature.objects.get(event=event).signed_by == director
