"""Reads of questions, answers, comments and attachments, scoped like the event they belong
to: whoever may read an event may read them; another site's are not found (404)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.services import Actor
from events.access import ALL_SITES, site_ids_with_role, visible_site_ids
from events.choices import Role
from events.inquiries.choices import UNSETTLED_STATUSES, Addressee
from events.inquiries.models import Answer, Attachment, Comment, Question
from events.models import AdverseEvent


def _scoped(queryset: QuerySet[Any], user: Actor) -> QuerySet[Any]:
    visible = visible_site_ids(user)
    return queryset if visible is ALL_SITES else queryset.filter(site_id__in=visible)


def _get(queryset: QuerySet[Any], pk: object) -> object:
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("No such record.") from None


def question_list(
    user: Actor,
    *,
    event_id: int | None = None,
    status: str | None = None,
    is_overdue: bool | None = None,
    now: datetime | None = None,
) -> QuerySet[Question]:
    questions = _scoped(
        Question.objects.select_related("event__term", "site", "asked_by", "addressee"), user
    )
    if event_id is not None:
        questions = questions.filter(event_id=event_id)
    if status:
        questions = questions.filter(status=status)
    if is_overdue is not None:
        overdue = Q(status__in=UNSETTLED_STATUSES, due_at__lt=now or timezone.now())
        questions = questions.filter(overdue if is_overdue else ~overdue)
    return questions.order_by("due_at", "id")


def question_get(user: Actor, pk: object) -> Question:
    question = _get(
        _scoped(Question.objects.select_related("event", "site", "asked_by", "addressee"), user),
        pk,
    )
    assert isinstance(question, Question)  # noqa: S101  (narrowing for the type checker)
    return question


def questions_waiting_for(user: Actor) -> QuerySet[Question]:
    """Open questions this person may answer: those to them as reporter, and those to the
    staff of a site where they are staff."""
    staff_sites = site_ids_with_role(user, Role.STAFF)
    to_staff = Q(addressed_to=Addressee.SITE_STAFF)
    if staff_sites is not ALL_SITES:
        to_staff &= Q(site_id__in=staff_sites)
    mine = Q(addressed_to=Addressee.REPORTER, addressee_id=user.pk)
    return question_list(user, status="open").filter(to_staff | mine)


def open_question_counts(event_ids: list[int]) -> dict[int, int]:
    """How many questions wait on each of these events (open or answered)."""
    rows = (
        Question.objects.filter(event_id__in=event_ids, status__in=UNSETTLED_STATUSES)
        .values("event_id")
        .annotate(n=Count("id"))
    )
    return {row["event_id"]: row["n"] for row in rows}


def comment_list(user: Actor, *, event_id: int | None = None) -> QuerySet[Comment]:
    comments = _scoped(Comment.objects.select_related("author"), user)
    if event_id is not None:
        comments = comments.filter(event_id=event_id)
    return comments.order_by("created_at", "id")


def comment_get(user: Actor, pk: object) -> Comment:
    comment = _get(_scoped(Comment.objects.select_related("author", "site"), user), pk)
    assert isinstance(comment, Comment)  # noqa: S101
    return comment


def attachment_list(user: Actor, *, event_id: int | None = None) -> QuerySet[Attachment]:
    attachments = _scoped(Attachment.objects.select_related("uploaded_by"), user)
    if event_id is not None:
        attachments = attachments.filter(event_id=event_id)
    return attachments.order_by("created_at", "id")


def attachment_get(user: Actor, pk: object) -> Attachment:
    attachment = _get(
        _scoped(Attachment.objects.select_related("uploaded_by", "site", "event"), user), pk
    )
    assert isinstance(attachment, Attachment)  # noqa: S101
    return attachment


@dataclass
class EventInquiries:
    """Everything on an event's page from this app: its questions (each with its answer and
    the answer's attachments), its discussion and its attachments."""

    questions: list[Question] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def waiting(self) -> list[Question]:
        return [q for q in self.questions if q.is_unsettled]


def event_inquiries(user: Actor, event: AdverseEvent) -> EventInquiries:
    """The event's questions, comments and attachments (the caller has read the event
    through its selector, so it is visible to `user`)."""
    answers = Answer.objects.select_related("answered_by").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    questions = (
        Question.objects.filter(event=event)
        .select_related("asked_by", "addressee")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("created_at", "id")
    )
    return EventInquiries(
        questions=list(questions),
        comments=list(comment_list(user, event_id=event.pk)),
        attachments=list(attachment_list(user, event_id=event.pk)),
    )
