"""Who may do what with questions, comments and attachments, at their own site and another:
the event's rules. Another site's record is a 404 (a body naming another site's event is a
400 on `event`); auditors read everything and write nothing; only directors ask and settle
questions; the addressee answers; anonymous clients get a 401."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from events.choices import EventStatus
from events.inquiries.attachments import Upload, attachment_upload
from events.inquiries.services import question_answer, question_open
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory
from tests.inquiries.conftest import png_bytes

pytestmark = pytest.mark.django_db

# (own site, other site) for each role; the auditor's membership covers every site.
MATRIX = {
    "question-detail": {"staff": (200, 404), "director": (200, 404), "auditor": (200, 200)},
    "ask": {"staff": (403, 400), "director": (201, 400), "auditor": (403, 403)},
    "answer": {"staff": (200, 404), "director": (400, 404), "auditor": (403, 403)},
    "resolve": {"staff": (403, 404), "director": (200, 404), "auditor": (403, 403)},
    "comment": {"staff": (201, 400), "director": (201, 400), "auditor": (403, 403)},
    "upload": {"staff": (201, 400), "director": (201, 400), "auditor": (403, 403)},
    "download": {"staff": (200, 404), "director": (200, 404), "auditor": (200, 200)},
}
CASES = [
    pytest.param(role, where, op, outcomes[index], id=f"{role}-{where}-{op}")
    for op, by_role in MATRIX.items()
    for role, outcomes in by_role.items()
    for index, where in enumerate(("own", "other"))
] + [pytest.param("anonymous", "own", op, 401, id=f"anonymous-{op}") for op in MATRIX]


def _setting(where, nurse, director, other_site_nurse, patient):
    """An event at the site, reported by its nurse, with a question (answered for `resolve`)
    and an attachment."""
    if where == "own":
        session, reporter = InfusionSessionFactory(patient=patient), nurse
    else:
        site = other_site_nurse.memberships.get().site
        session, reporter = (
            InfusionSessionFactory(patient=PatientFactory(site=site)),
            other_site_nurse,
        )
    event = AdverseEventFactory(session=session, reported_by=reporter, status=EventStatus.SUBMITTED)
    from events.choices import Role
    from tests.factories import MembershipFactory, UserFactory

    asker = director
    if where == "other":
        asker = UserFactory(username="sol")
        MembershipFactory(user=asker, site=event.site, role=Role.MEDICAL_DIRECTOR)
    question = question_open(actor=asker, event=event, text="Which dose?", addressed_to="reporter")
    upload = Upload(name="strip.png", declared_type="image/png", content=png_bytes())
    attachment = attachment_upload(actor=reporter, event=event, upload=upload)
    return event, question, attachment, reporter


def _call(api, op, event, question, attachment):
    q = f"/api/v1/questions/{question.pk}/"
    if op == "question-detail":
        return api.get(q)
    if op == "ask":
        body = {"event": event.pk, "text": "Home safely?", "addressed_to": "site_staff"}
        return api.post("/api/v1/questions/", body)
    if op == "answer":
        return api.post(f"{q}answer/", {"text": "2 mg"}, **if_match(question.version))
    if op == "resolve":
        return api.post(f"{q}resolve/", {}, **if_match(question.version))
    if op == "comment":
        return api.post("/api/v1/comments/", {"event": event.pk, "text": "Called back."})
    if op == "upload":
        file = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
        return api.multipart("/api/v1/attachments/", {"event": event.pk, "file": file})
    return api.get(f"/api/v1/attachments/{attachment.pk}/download/")


@pytest.mark.parametrize(("role", "where", "op", "expected"), CASES)
def test_role_matrix(
    role, where, op, expected, nurse, director, auditor, other_site_nurse, patient
):
    event, question, attachment, reporter = _setting(
        where, nurse, director, other_site_nurse, patient
    )
    if op == "resolve":
        question_answer(actor=reporter, question=question, text="2 mg", expected_version=1)
        question.refresh_from_db()
    users = {"staff": nurse, "director": director, "auditor": auditor, "anonymous": None}

    response = _call(Api(users[role]), op, event, question, attachment)

    assert response.status_code == expected, getattr(response, "data", response)
    if expected == 400:
        assert "event" in response.data or "question" in response.data
