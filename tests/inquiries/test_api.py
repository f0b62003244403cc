"""The questions-and-documents journey through /api/v1/: a director asks, a nurse answers
with a photo of an ECG strip, the director resolves and signs off; with ETags, If-Match,
Idempotency-Key, and the refusals that store nothing."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from events.inquiries.models import Attachment, Comment, Question
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory
from tests.inquiries.conftest import jpeg_with_exif, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def upload(api: Api, event_id: int, content: bytes, name: str, content_type="", **headers):
    file = SimpleUploadedFile(
        name, content, content_type=content_type or "application/octet-stream"
    )
    return api.client.post(
        "/api/v1/attachments/",
        {"event": event_id, "file": file},
        format="multipart",
        headers=headers,
    )


def ask(api: Api, event_id: int, **extra):
    body = {"event": event_id, "text": "Which rescue drug was given?", "addressed_to": "reporter"}
    return api.post("/api/v1/questions/", {**body, **extra}, **{"Idempotency-Key": "ask-1"})


def test_the_whole_journey_through_the_api(as_director, as_nurse, event, password):
    asked = ask(as_director, event.pk)
    assert asked.status_code == 201, asked.data
    question_url = asked["Location"]
    assert asked["ETag"] == '"1"' and asked.data["status"] == "open"

    blocked = as_director.post(
        f"/api/v1/events/{event.pk}/sign-off/", {"password": password}, **if_match(event.version)
    )
    assert blocked.status_code == 400
    assert f"Question {asked.data['id']}" in blocked.data["questions"][0]

    photo = upload(as_nurse, event.pk, jpeg_with_exif(), "ecg-strip.jpg", "image/jpeg")
    assert photo.status_code == 201, photo.data
    assert photo.data["content_type"] == "image/jpeg"

    answered = as_nurse.post(
        f"{question_url}answer/",
        {
            "text": "Midazolam 2 mg IV at 14:32; ECG strip attached.",
            "attachments": [photo.data["id"]],
        },
        **if_match(1),
    )
    assert answered.status_code == 200, answered.data
    assert answered["ETag"] == '"2"' and answered.data["status"] == "answered"
    assert answered.data["answer"]["attachments"][0]["name"] == "ecg-strip.jpg"

    stale = as_director.post(f"{question_url}resolve/", {}, **if_match(1))
    assert stale.status_code == 412
    resolved = as_director.post(f"{question_url}resolve/", {}, **if_match(2))
    assert resolved.status_code == 200 and resolved.data["status"] == "resolved"

    signed = as_director.post(
        f"/api/v1/events/{event.pk}/sign-off/", {"password": password}, **if_match(event.version)
    )
    assert signed.status_code == 200, signed.data
    assert signed.data["status"] == "signed_off"


def test_creating_a_question_twice_with_one_key_creates_one(as_director, event):
    first, second = ask(as_director, event.pk), ask(as_director, event.pk)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Question.objects.count() == 1


def test_an_answer_needs_if_match(as_director, as_nurse, event):
    asked = ask(as_director, event.pk)
    response = as_nurse.post(f"{asked['Location']}answer/", {"text": "Ondansetron"})
    assert response.status_code == 428
    assert Question.objects.get().status == "open"


def test_a_question_on_another_sites_event_is_refused_naming_the_event(as_director, south):
    south_session = InfusionSessionFactory(patient=PatientFactory(site=south))
    south_event = AdverseEventFactory(session=south_session, status="submitted")

    response = ask(as_director, south_event.pk)

    assert response.status_code == 400 and "event" in response.data
    assert not Question.objects.exists()


def test_an_answer_by_someone_who_may_not_answer_is_refused(as_director, as_auditor, event):
    asked = ask(as_director, event.pk)
    by_director = as_director.post(f"{asked['Location']}answer/", {"text": "x"}, **if_match(1))
    by_auditor = as_auditor.post(f"{asked['Location']}answer/", {"text": "x"}, **if_match(1))
    assert by_director.status_code == 400 and "question" in by_director.data
    assert by_auditor.status_code == 403
    assert Question.objects.get().status == "open" and not Question.objects.get().answers.exists()


def test_auditors_read_everything_and_write_nothing(as_auditor, as_director, as_nurse, event):
    ask(as_director, event.pk)
    as_nurse.post("/api/v1/comments/", {"event": event.pk, "text": "Patient called back."})
    assert as_auditor.get(f"/api/v1/questions/?event={event.pk}").data["count"] == 1
    assert as_auditor.get(f"/api/v1/comments/?event={event.pk}").data["count"] == 1

    assert ask(as_auditor, event.pk).status_code == 403
    assert as_auditor.post("/api/v1/comments/", {"event": event.pk, "text": "x"}).status_code == 403
    assert upload(as_auditor, event.pk, png_bytes(), "a.png").status_code == 403
    assert Question.objects.count() == 1 and Comment.objects.count() == 1
    assert not Attachment.objects.exists()


def test_another_sites_questions_and_files_are_not_found(as_director, as_nurse, as_outsider, event):
    asked = ask(as_director, event.pk)
    photo = upload(as_nurse, event.pk, png_bytes(), "strip.png")
    assert as_outsider.get(asked["Location"]).status_code == 404
    assert as_outsider.get(f"/api/v1/attachments/{photo.data['id']}/download/").status_code == 404
    assert as_outsider.get("/api/v1/questions/").data["count"] == 0


def test_a_download_is_an_attachment_with_a_safe_type_and_is_logged(as_nurse, as_auditor, event):
    from audit.models import AccessLog

    photo = upload(as_nurse, event.pk, png_bytes(), "strip.png", "image/png")

    response = as_auditor.get(f"/api/v1/attachments/{photo.data['id']}/download/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="strip.png"'
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == photo.data["sha256"]
    entry = AccessLog.objects.filter(object_type="inquiries.attachment").latest("pk")
    assert entry.action == "export" and entry.object_id == str(photo.data["id"])
    assert entry.detail["sha256"] == photo.data["sha256"]


def test_a_photo_is_stored_without_its_exif(as_nurse, event):
    photo = upload(as_nurse, event.pk, jpeg_with_exif(), "ecg.jpg")
    stored = Attachment.objects.get(pk=photo.data["id"])
    with stored.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize(
    ("content", "name", "declared", "field"),
    [
        (png_bytes(), "strip.pdf", "", "file"),  # content is not what the name claims
        (png_bytes(), "strip.png", "application/pdf", "file"),  # nor what the type claims
        (b"", "empty.pdf", "", "file"),
        (b"PK\x03\x04\x14\x00" + b"\x00" * 40, "report.pdf", "", "file"),  # a zip
        (b"%PDF-1.4\n<html><script>alert(1)</script></html>", "report.pdf", "", "file"),
        (pdf_bytes() + b"<html><body>x</body></html>", "report.pdf", "", "file"),
        (pdf_bytes(b"<< /S /JavaScript /JS (app.alert(1)) >>\n"), "report.pdf", "", "file"),
        (b"<html><body>hi</body></html>", "report.pdf", "text/html", "file"),
        (b"%PDF-1.4\nno trailer at all", "report.pdf", "", "file"),
        (b"\x89PNG\r\n\x1a\nnot really a png", "strip.png", "", "file"),
        (png_bytes(), "../../etc/strip.png", "", "name"),
        (png_bytes(), "strip\x07.png", "", "name"),
        (png_bytes(), "strip\u202e.png", "", "name"),
        (png_bytes(), "strip.exe", "", "name"),
    ],
)
def test_bad_files_are_refused_naming_the_field_and_nothing_is_stored(
    as_nurse, event, content, name, declared, field, tmp_path, settings
):
    response = as_nurse.client.post(
        "/api/v1/attachments/",
        {"event": event.pk, "file": SimpleUploadedFile("upload.bin", content), "name": name}
        if declared == ""
        else {
            "event": event.pk,
            "file": SimpleUploadedFile("upload.bin", content, content_type=declared),
            "name": name,
        },
        format="multipart",
    )

    assert response.status_code == 400, response.data
    assert field in response.data, response.data
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(as_nurse, event, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = pdf_bytes(b"%" + b"0" * (1024 * 1024) + b"\n")
    response = upload(as_nurse, event.pk, big, "big.pdf")
    assert response.status_code == 400 and "1 MB" in response.data["file"][0]
    assert not Attachment.objects.exists()


def test_a_valid_pdf_is_stored_as_sent(as_nurse, event):
    content = pdf_bytes()
    response = upload(as_nurse, event.pk, content, "discharge-letter.pdf", "application/pdf")
    assert response.status_code == 201, response.data
    assert response.data["sha256"] == hashlib.sha256(content).hexdigest()
    assert response.data["size_bytes"] == len(content)


def test_a_comment_with_markup_is_refused(as_nurse, event):
    response = as_nurse.post(
        "/api/v1/comments/", {"event": event.pk, "text": "<img src=x onerror=alert(1)>"}
    )
    assert response.status_code == 400 and "text" in response.data
    assert not Comment.objects.exists()


def test_a_comment_is_voided_with_a_reason_never_edited(as_nurse, event):
    posted = as_nurse.post("/api/v1/comments/", {"event": event.pk, "text": "Dose was 0.5"})
    url = f"/api/v1/comments/{posted.data['id']}/void/"
    assert as_nurse.post(url, {}, **if_match(1)).status_code == 400  # no reason
    voided = as_nurse.post(url, {"reason": "Wrong patient"}, **if_match(1))
    assert voided.status_code == 200 and voided.data["is_voided"]
    assert voided.data["text"] == "Dose was 0.5"


def test_the_review_queue_counts_each_events_open_questions(as_director, event):
    ask(as_director, event.pk)
    rows = as_director.get("/api/v1/review-queue/").data["results"]
    assert [(row["id"], row["open_questions"]) for row in rows] == [(event.pk, 1)]


@pytest.mark.parametrize("rows", [1, 6])
def test_the_question_list_runs_the_same_queries_for_more_rows(
    director, event, rows, django_assert_num_queries
):
    from events.inquiries.services import question_open

    for n in range(rows):
        question_open(actor=director, event=event, text=f"Question {n}", addressed_to="reporter")
    api = Api(director)
    api.get("/api/v1/questions/")  # memberships and the like, read once
    # Expect 7 queries on SQLite (6 on PostgreSQL):
    # * the user's memberships
    # * count the questions
    # * one page of questions with event, term, site, asker and addressee
    # * their answers (prefetched), the answers' attachments are not read without answers
    # * the access-log row (savepoint, chain head on SQLite, insert, release)
    from django.db import connection

    expected = 6 if connection.vendor == "postgresql" else 7
    with django_assert_num_queries(expected):
        response = api.get("/api/v1/questions/")
    assert response.data["count"] == rows
