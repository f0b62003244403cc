"""Questions, answers, comments and attachments are in the ledger like every record: their
history chains, `verify_audit` names a tampered history row or a live row changed behind the
application's back, and the event's trail shows every step."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit.chain import chained_models
from audit.live_rows import audited_models
from audit.triggers import maintenance_flush
from events.inquiries.attachments import Upload, attachment_upload
from events.inquiries.models import Answer, Attachment, Comment, Question
from events.inquiries.services import (
    comment_post,
    question_answer,
    question_open,
    question_resolve,
)
from tests.inquiries.conftest import png_bytes

pytestmark = pytest.mark.django_db


def _broken() -> str:
    with pytest.raises(CommandError) as raised:
        call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    return str(raised.value)


def _sql(sql: str, params) -> None:
    with maintenance_flush(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def answered(director, nurse, event):
    question = question_open(
        actor=director, event=event, text="Which rescue drug?", addressed_to="reporter"
    )
    question_answer(actor=nurse, question=question, text="Midazolam 2 mg", expected_version=1)
    question.refresh_from_db()
    return question


def test_every_new_record_is_chained_and_compared_with_its_live_rows():
    chained = {model._meta.db_table for model in chained_models()}
    live = {model for model, _ in audited_models()}
    for model in (Question, Answer, Comment, Attachment):
        assert model.history.model._meta.db_table in chained
        assert model in live


def test_an_untouched_ledger_with_questions_verifies(answered, nurse, event):
    comment_post(actor=nurse, event=event, text="Called the patient at home.")
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    assert "inquiries_historicalquestion" in out.getvalue()


def test_a_changed_answer_in_history_is_named(answered):
    row = Answer.history.model.objects.get()
    _sql(
        "UPDATE inquiries_historicalanswer SET text = %s WHERE history_id = %s",
        ["Nothing given", row.history_id],
    )
    assert f"inquiries_historicalanswer at row {row.history_id}" in _broken()


def test_a_question_closed_behind_the_applications_back_is_named(answered):
    _sql(
        "UPDATE inquiries_question SET status = 'closed', close_reason = 'x' WHERE id = %s",
        [answered.pk],
    )
    message = _broken()
    assert "inquiries_question" in message


def test_an_attachment_hash_changed_behind_the_applications_back_is_named(nurse, event):
    upload = Upload(name="strip.png", declared_type="image/png", content=png_bytes())
    attachment = attachment_upload(actor=nurse, event=event, upload=upload)
    _sql("UPDATE inquiries_attachment SET sha256 = %s WHERE id = %s", ["0" * 64, attachment.pk])
    assert "inquiries_attachment" in _broken()


def test_the_events_trail_shows_every_step(client, director, nurse, event, answered):
    question_resolve(actor=director, question=answered, expected_version=2)
    client.force_login(director)

    page = client.get(f"/audit/trail/events.adverseevent/{event.pk}/").content.decode()

    assert "Questions, answers, comments and attachments" in page
    for step in ("Question asked", "Question answered", "Answer accepted", "Midazolam 2 mg"):
        assert step in page, step
    assert f"/audit/trail/inquiries.question/{answered.pk}/" in page


def test_the_global_audit_log_lists_questions(client, auditor, answered):
    client.force_login(auditor)
    page = client.get("/audit/log/", {"model": "inquiries.question"})
    assert page.status_code == 200
    assert "Question asked" in page.content.decode()
