"""Writes of questions, answers and comments. Each checks the actor's role at the event's
site, validates, and saves through `audit.services.audited_save` in one transaction.

Lifecycle of a question (docs/inquiries.md):

    open --answer--> answered --resolve--> resolved
                     answered --ask again--> asked again (a new open question follows it)
    open | answered --close with a reason--> closed

An event with an open or answered question cannot be signed off (`question_sign_off_check`,
called by `events.services.adverse_events.adverse_event_sign_off`).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import Actor, audited_save
from events.access import DIRECTORS, WRITERS, require_role, roles_at
from events.choices import EventStatus, Role
from events.inquiries import notifications
from events.inquiries.choices import UNSETTLED_STATUSES, Addressee, QuestionStatus
from events.inquiries.models import Answer, Attachment, Comment, Question
from events.models import AdverseEvent
from events.services.common import lock_current, optional_reason, require_reason, validate

# A due date a director sets must fall within this window.
LONGEST_DUE = timedelta(days=90)


def question_due_at(now: datetime | None = None) -> datetime:
    """When a question asked now is due: `QUESTION_DUE_DAYS` days later."""
    return (now or timezone.now()) + timedelta(days=int(settings.QUESTION_DUE_DAYS))


def _plain(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: "This field cannot be empty."})
    return text


def _checked_due(due_at: datetime | None, now: datetime) -> datetime:
    if due_at is None:
        return question_due_at(now)
    if due_at <= now:
        raise ValidationError({"due_at": "The due date must be in the future."})
    if due_at > now + LONGEST_DUE:
        raise ValidationError({"due_at": "The due date must be within 90 days."})
    return due_at


def question_open(
    *,
    actor: Actor,
    event: AdverseEvent,
    text: str,
    addressed_to: str,
    due_at: datetime | None = None,
    follows: Question | None = None,
) -> Question:
    """A director asks for information on an event, of its reporter or of the site's staff."""
    require_role(actor, event.site_id, *DIRECTORS)
    if event.status == EventStatus.VOIDED:
        raise ValidationError({"event": "This event was voided: it takes no questions."})
    if addressed_to not in Addressee.values:
        raise ValidationError({"addressed_to": "Choose the reporter or the site's staff."})
    now = timezone.now()
    question = Question(
        event=event,
        site_id=event.site_id,
        asked_by=actor,
        addressed_to=addressed_to,
        addressee_id=event.reported_by_id if addressed_to == Addressee.REPORTER else None,
        text=_plain(text, "text"),
        due_at=_checked_due(due_at, now),
        follows=follows,
    )
    validate(question)
    with transaction.atomic():
        audited_save(question, actor=actor, reason="Asked again" if follows else "Question asked")
        transaction.on_commit(lambda: notifications.question_opened(question))
    return question


def may_answer(user: Actor, question: Question) -> bool:
    """Whether `user` may answer: the reporter for a question to the reporter, anyone with
    the staff role at the site for a question to the staff."""
    roles = roles_at(user, question.site_id)
    if question.addressed_to == Addressee.REPORTER:
        return question.addressee_id == user.pk and bool(roles & set(WRITERS))
    return Role.STAFF in roles


def question_answer(
    *,
    actor: Actor,
    question: Question,
    text: str,
    expected_version: int | None,
    attachments: Sequence[Attachment] = (),
) -> Answer:
    """The addressee answers an open question, optionally with attachments already uploaded
    to the same event by the same person."""
    require_role(actor, question.site_id, *WRITERS)
    if not may_answer(actor, question):
        who = "the reporter" if question.addressed_to == Addressee.REPORTER else "the site's staff"
        raise ValidationError({"question": f"This question is for {who}; you cannot answer it."})
    text = _plain(text, "text")
    with transaction.atomic():
        question = lock_current(question, expected_version)
        if question.status != QuestionStatus.OPEN:
            raise ValidationError(
                {"status": f"Only an open question can be answered (it is {question.status})."}
            )
        answer = Answer(
            question=question,
            event_id=question.event_id,
            site_id=question.site_id,
            answered_by=actor,
            text=text,
        )
        validate(answer)
        audited_save(answer, actor=actor, reason="Question answered")
        for attachment in attachments:
            _link(attachment, answer, actor)
        question.status = QuestionStatus.ANSWERED
        question.version += 1
        audited_save(question, actor=actor, reason="Question answered")
        transaction.on_commit(lambda: notifications.answer_given(answer))
    return answer


def _link(attachment: Attachment, answer: Answer, actor: Actor) -> None:
    attachment = lock_current(attachment, attachment.version)
    if attachment.event_id != answer.event_id or attachment.uploaded_by_id != actor.pk:
        raise ValidationError({"attachments": f"Attachment {attachment.pk} is not yours to give."})
    if attachment.is_voided or attachment.answer_id is not None:
        raise ValidationError(
            {"attachments": f"Attachment {attachment.pk} was voided or already given."}
        )
    attachment.answer = answer
    attachment.version += 1
    audited_save(
        attachment, actor=actor, reason=f"Given with the answer to question {answer.question_id}"
    )


def _settle(question: Question, actor: Actor, expected_version: int | None) -> Question:
    require_role(actor, question.site_id, *DIRECTORS)
    return lock_current(question, expected_version)


def question_resolve(
    *, actor: Actor, question: Question, expected_version: int | None, reason: str = ""
) -> Question:
    """A director accepts the answer: the question is resolved."""
    reason = optional_reason(reason)
    with transaction.atomic():
        question = _settle(question, actor, expected_version)
        if question.status != QuestionStatus.ANSWERED:
            raise ValidationError({"status": "Only an answered question can be resolved."})
        question.status = QuestionStatus.RESOLVED
        question.settled_at = timezone.now()
        question.version += 1
        audited_save(question, actor=actor, reason=reason or "Answer accepted")
        return question


def question_ask_again(
    *, actor: Actor, question: Question, text: str, expected_version: int | None
) -> Question:
    """A director is not satisfied with the answer: the question is marked asked again, and a
    new open question, following it, goes to the same addressee with a fresh due date."""
    text = _plain(text, "text")
    with transaction.atomic():
        question = _settle(question, actor, expected_version)
        if question.status != QuestionStatus.ANSWERED:
            raise ValidationError({"status": "Only an answered question can be asked again."})
        question.status = QuestionStatus.ASKED_AGAIN
        question.settled_at = timezone.now()
        question.version += 1
        audited_save(question, actor=actor, reason="Asked again")
        return question_open(
            actor=actor,
            event=question.event,
            text=text,
            addressed_to=question.addressed_to,
            follows=question,
        )


def question_close(
    *, actor: Actor, question: Question, reason: str, expected_version: int | None
) -> Question:
    """A director closes a question without (or despite) an answer, with a reason: the
    question no longer holds up the sign-off."""
    reason = require_reason(reason, "close a question")
    with transaction.atomic():
        question = _settle(question, actor, expected_version)
        if question.status not in UNSETTLED_STATUSES:
            raise ValidationError({"status": "This question is already settled."})
        question.status = QuestionStatus.CLOSED
        question.close_reason = reason
        question.settled_at = timezone.now()
        question.version += 1
        audited_save(question, actor=actor, reason=reason)
        return question


def question_sign_off_check(event: AdverseEvent) -> None:
    """Refuse the sign-off of an event while a question on it waits, naming the question."""
    waiting = event.questions.filter(status__in=UNSETTLED_STATUSES).order_by("id").first()
    if waiting is None:
        return
    excerpt = waiting.text if len(waiting.text) <= 60 else waiting.text[:57] + "..."
    raise ValidationError(
        {
            "questions": (
                f"Question {waiting.pk} (\u201c{excerpt}\u201d) is still "
                f"{waiting.get_status_display().lower()}: resolve it, or close it with a "
                "reason, before signing off."
            )
        }
    )


def comment_post(*, actor: Actor, event: AdverseEvent, text: str) -> Comment:
    """Add a comment to an event's discussion (staff and directors of its site)."""
    require_role(actor, event.site_id, *WRITERS)
    comment = Comment(event=event, site_id=event.site_id, author=actor, text=_plain(text, "text"))
    validate(comment)
    with transaction.atomic():
        audited_save(comment, actor=actor, reason="Comment posted")
        return comment


def comment_void(
    *, actor: Actor, comment: Comment, reason: str, expected_version: int | None
) -> Comment:
    """Its author, or a director of the site, voids a comment with a reason (it stays)."""
    require_role(actor, comment.site_id, *WRITERS)
    reason = require_reason(reason, "void a comment")
    is_director = bool(roles_at(actor, comment.site_id) & set(DIRECTORS))
    if comment.author_id != actor.pk and not is_director:
        raise ValidationError({"comment": "Only its author or a director can void a comment."})
    with transaction.atomic():
        comment = lock_current(comment, expected_version)
        if comment.is_voided:
            raise ValidationError({"status": "This comment is already voided."})
        comment.is_voided = True
        comment.void_reason = reason
        comment.version += 1
        audited_save(comment, actor=actor, reason=reason)
        return comment
