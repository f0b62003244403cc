"""What an event's page shows of its questions, discussion and attachments, and the forms it
offers each person (`events.views.review.event_context` adds it as `inquiries`)."""

from typing import Any, cast

from django.conf import settings
from django.forms import Form
from django.http import HttpRequest
from django.utils import timezone

from audit.services import Actor
from events.access import DIRECTORS, WRITERS, roles_at
from events.choices import EventStatus
from events.inquiries.choices import QuestionStatus
from events.inquiries.forms import (
    AnswerForm,
    AskAgainForm,
    AttachmentForm,
    CloseForm,
    CommentForm,
    QuestionForm,
    ResolveForm,
)
from events.inquiries.selectors import event_inquiries
from events.inquiries.services import may_answer
from events.models import AdverseEvent
from events.views.support import new_form_token


def question_prefix(question_pk: int) -> str:
    """The prefix of one question's forms, so several on a page keep their own fields."""
    return f"q{question_pk}"


def event_panel(
    request: HttpRequest, event: AdverseEvent, bound: dict[str, Form] | None = None
) -> dict[str, Any]:
    """The panel's context: `bound` holds a form that was sent and refused, by its key
    (`question`, `comment`, `attachment`, or `<action>-<question id>`)."""
    bound = bound or {}
    user = cast(Actor, request.user)
    roles = roles_at(user, event.site_id)
    is_director = bool(roles & set(DIRECTORS))
    can_write = bool(roles & set(WRITERS)) and event.status != EventStatus.VOIDED
    data = event_inquiries(user, event)
    now = timezone.now()
    questions = []
    for question in data.questions:
        answers = list(question.answers.all())
        prefix = question_prefix(question.pk)
        initial = {"version": question.version}
        item: dict[str, Any] = {
            "question": question,
            "answer": answers[0] if answers else None,
            "is_overdue": question.is_unsettled and question.due_at < now,
        }
        if question.status == QuestionStatus.OPEN and may_answer(user, question):
            item["answer_form"] = bound.get(f"answer-{question.pk}") or AnswerForm(
                prefix=prefix, initial=initial
            )
        if is_director and question.is_unsettled:
            if question.status == QuestionStatus.ANSWERED:
                item["resolve_form"] = bound.get(f"resolve-{question.pk}") or ResolveForm(
                    prefix=prefix, initial=initial
                )
                item["again_form"] = bound.get(f"again-{question.pk}") or AskAgainForm(
                    prefix=prefix, initial=initial
                )
            item["close_form"] = bound.get(f"close-{question.pk}") or CloseForm(
                prefix=prefix, initial=initial
            )
        questions.append(item)
    token = {"form_token": new_form_token()}
    return {
        "questions": questions,
        "waiting": data.waiting,
        "comments": data.comments,
        "attachments": data.attachments,
        "can_ask": is_director and event.status != EventStatus.VOIDED,
        "can_write": can_write,
        "is_director": is_director,
        "due_days": settings.QUESTION_DUE_DAYS,
        "max_mb": settings.ATTACHMENT_MAX_MB,
        "question_form": bound.get("question") or QuestionForm(initial=token),
        "comment_form": bound.get("comment") or CommentForm(initial=token),
        "attachment_form": bound.get("attachment") or AttachmentForm(initial=token),
    }
