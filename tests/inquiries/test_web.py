"""The questions-and-documents journey through the web pages: Dana (director) asks, Alice
(nurse, the reporter) answers with a photo of an ECG strip, Dana resolves and signs off; and
the refusals, shown next to the field with nothing stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.inquiries.models import Attachment, Comment, Question
from tests.conftest import login
from tests.inquiries.conftest import jpeg_with_exif, png_bytes

pytestmark = pytest.mark.django_db


def _page(client, event) -> str:
    return client.get(f"/events/{event.pk}/").content.decode()


def _ask(client, event, text="Which rescue drug was given, at what dose?"):
    return client.post(
        f"/events/{event.pk}/questions/",
        {"ask-form_token": "t-ask", "ask-text": text, "ask-addressed_to": "reporter"},
    )


def test_the_whole_journey_through_the_pages(client, director, nurse, event, password):
    login(client, director)
    assert _ask(client, event).status_code == 302
    question = Question.objects.get()
    page = _page(client, event)
    assert "1 open question" in page and "Which rescue drug was given" in page

    refused = client.post(
        f"/events/{event.pk}/sign-off/", {"version": event.version, "password": password}
    )
    assert f"Question {question.pk}" in refused.content.decode()
    assert not event.signatures.exists()

    login(client, nurse)
    assert "Questions for you" in client.get("/").content.decode()
    assert f'name="q{question.pk}-text"' in _page(client, event)
    answered = client.post(
        f"/questions/{question.pk}/answer/",
        {
            f"q{question.pk}-version": 1,
            f"q{question.pk}-text": "Midazolam 2 mg IV; ECG strip attached.",
            f"q{question.pk}-file": SimpleUploadedFile(
                "ecg-strip.jpg", jpeg_with_exif(), content_type="image/jpeg"
            ),
        },
    )
    assert answered.status_code == 302, answered.content.decode()[:2000]
    attachment = Attachment.objects.get()
    assert attachment.answer.question == question and attachment.uploaded_by == nurse

    login(client, director)
    assert "ecg-strip.jpg" in _page(client, event)
    resolved = client.post(f"/questions/{question.pk}/resolve/", {f"q{question.pk}-version": 2})
    assert resolved.status_code == 302
    signed = client.post(
        f"/events/{event.pk}/sign-off/", {"version": event.version, "password": password}
    )
    assert signed.status_code == 302
    event.refresh_from_db()
    assert event.status == "signed_off"


def test_the_review_queue_and_the_questions_page_show_an_open_question(client, director, event):
    login(client, director)
    _ask(client, event)
    assert "1 open question" in client.get("/review/").content.decode()
    assert "Which rescue drug" in client.get("/questions/").content.decode()


def test_a_comment_with_markup_is_refused_next_to_the_field(client, nurse, event):
    login(client, nurse)
    response = client.post(
        f"/events/{event.pk}/comments/",
        {"comment-form_token": "t-c", "comment-text": "<b>urgent</b>"},
    )
    assert response.status_code == 200
    assert "Write plain text" in response.content.decode()
    assert not Comment.objects.exists()


def test_html_disguised_as_a_pdf_is_refused_next_to_the_field(client, nurse, event):
    login(client, nurse)
    fake = SimpleUploadedFile("letter.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(
        f"/events/{event.pk}/attachments/", {"attach-form_token": "t-a", "attach-file": fake}
    )
    assert response.status_code == 200
    assert "not a PDF, PNG or JPEG" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_name_never_brings_folders_or_control_characters_into_the_record(
    client, nurse, event
):
    # Django's upload parser keeps only the last part of a browser's file name and drops
    # control characters; the name checks (tests/inquiries/test_api.py, the API's `name`)
    # refuse what is left of such names anywhere else.
    login(client, nurse)
    for index, name in enumerate(("..\\..\\strip.png", "a\x07b.png", "c\u202egnp.png")):
        upload = SimpleUploadedFile(name, png_bytes(), content_type="image/png")
        client.post(
            f"/events/{event.pk}/attachments/",
            {"attach-form_token": f"t{index}", "attach-file": upload},
        )
    names = list(Attachment.objects.order_by("pk").values_list("name", flat=True))
    assert names == ["strip.png", "ab.png", "cgnp.png"]


def test_the_download_is_never_shown_inline(client, nurse, auditor, event):
    login(client, nurse)
    client.post(
        f"/events/{event.pk}/attachments/",
        {
            "attach-form_token": "t-d",
            "attach-file": SimpleUploadedFile("strip.png", png_bytes(), content_type="image/png"),
        },
    )
    attachment = Attachment.objects.get()
    login(client, auditor)
    response = client.get(f"/attachments/{attachment.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    page = _page(client, event)
    assert "<iframe" not in page and "<embed" not in page and "<object" not in page


def test_a_director_of_another_site_cannot_ask(client, event, south):
    from events.choices import Role
    from tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="sam")
    MembershipFactory(user=outsider, site=south, role=Role.MEDICAL_DIRECTOR)
    login(client, outsider)
    assert _ask(client, event).status_code == 404
    assert not Question.objects.exists()
