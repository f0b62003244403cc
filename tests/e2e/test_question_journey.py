"""The question journey in Chromium: Dana (director) asks Alice (nurse, the reporter) which
rescue drug was given; the event cannot be signed off meanwhile; Alice answers with a photo of
the ECG strip; Dana resolves the question and signs off; the trail shows every step.
Screenshots at desktop (1366 px) and tablet (820 px) widths go to test-artifacts/."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from events.choices import EventStatus
from events.inquiries.models import Attachment, Question
from tests.e2e.conftest import log_in
from tests.factories import AdverseEventFactory
from tests.inquiries.conftest import jpeg_with_exif

WIDTHS = {"desktop": (1366, 900), "tablet": (820, 1180)}
SCROLLS_SIDEWAYS = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


def _both_widths(page, screenshot, name: str) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert not page.evaluate(SCROLLS_SIDEWAYS), f"{name} scrolls sideways at {width}px"
        screenshot(f"{name}-{label}-{width}")


def test_director_asks_nurse_answers_with_a_photo_director_resolves_and_signs_off(
    page, screenshot, nurse, director, session, password, tmp_path
):
    event = AdverseEventFactory(
        session=session,
        reported_by=nurse,
        status=EventStatus.SUBMITTED,
        causality="possible",
        submitted_at=timezone.now(),
        review_due_at=timezone.now() + timezone.timedelta(days=30),
        rescue_medication="Given, see narrative",
    )
    photo = tmp_path / "ecg-strip.jpg"
    photo.write_bytes(jpeg_with_exif(size=(640, 240)))

    page.goto("/accounts/login/", timeout=180_000)
    log_in(page, director.username, password)
    page.goto(f"/events/{event.pk}/")
    page.get_by_label("Question", exact=True).fill("Which rescue drug was given, and at what dose?")
    page.get_by_label("The reporter").check()
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("1 open question").first).to_be_visible()
    question = Question.objects.get()

    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Question {question.pk}")
    _both_widths(page, screenshot, "questions-01-asked")

    page.get_by_role("button", name="Log out").click()
    log_in(page, nurse.username, password)
    expect(page.get_by_role("heading", name="Questions for you")).to_be_visible()
    page.get_by_role("link", name=re.compile("grade 1")).first.click()
    form = page.locator(f"#question-{question.pk}")
    form.get_by_label("Answer").fill("Midazolam 2 mg IV at 14:32. ECG strip attached.")
    form.get_by_label(re.compile("Attach a file")).set_input_files(str(photo))
    _both_widths(page, screenshot, "questions-02-answering")
    form.get_by_role("button", name="Send answer").click()
    expect(page.locator(f"#question-{question.pk}")).to_contain_text("ecg-strip.jpg")
    attachment = Attachment.objects.get()
    assert attachment.answer.question_id == question.pk

    page.get_by_role("button", name="Log out").click()
    log_in(page, director.username, password)
    page.goto(f"/events/{event.pk}/")
    _both_widths(page, screenshot, "questions-03-answered")
    page.locator(f"#question-{question.pk}").get_by_role("button", name="Resolve").click()
    expect(page.locator(f"#question-{question.pk}")).to_contain_text("Resolved")
    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off: reviewed and approved.")).to_be_visible()
    event.refresh_from_db()
    assert event.status == EventStatus.SIGNED_OFF

    page.goto(f"/audit/trail/events.adverseevent/{event.pk}/")
    steps = page.locator("table.trail-steps")
    for text in ("Question asked", "Question answered", "Answer accepted", "ecg-strip.jpg"):
        expect(steps).to_contain_text(text)
    _both_widths(page, screenshot, "questions-04-trail")
