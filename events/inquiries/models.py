"""Questions, answers, comments and attachments on an adverse event.

Each copies the event's site (scoping needs no join, and the ledger finds the site of every
version) and carries simple-history on the ledger's `HistoryBase`: they are chained, verified
and shown in the event's trail like the event itself. Nothing is deleted or edited in place:
a comment or an attachment is voided with a reason, a question is closed with one.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q

from audit.models import AuditedModel
from events.inquiries.choices import Addressee, AttachmentType, QuestionStatus
from events.models import AdverseEvent, Site
from events.models.base import history
from events.validators import validate_plain_text

TEXT_MAX_LENGTH = 5000


def attachment_storage() -> Storage:
    """Where attachment files live: `STORAGES["attachments"]` (the media root, or an
    S3-compatible bucket through django-storages; see docs/operations.md)."""
    return storages["attachments"]


class Question(AuditedModel):
    """A director's request for information on an event, addressed to its reporter or to the
    site's staff, due by `due_at`. Asking again opens a new question that `follows` this one."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="questions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    addressed_to = models.CharField(max_length=20, choices=Addressee.choices)
    # The person who must answer when the question is for the reporter; empty for the staff.
    addressee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(max_length=TEXT_MAX_LENGTH, validators=[validate_plain_text])
    status = models.CharField(
        max_length=20, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    due_at = models.DateTimeField()
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["event", "status"]),
            models.Index(fields=["site", "status", "due_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=QuestionStatus.CLOSED) | ~Q(close_reason=""),
                name="question_close_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Question {self.pk}: {self.text[:60]}"

    @property
    def is_unsettled(self) -> bool:
        return self.status in (QuestionStatus.OPEN, QuestionStatus.ANSWERED)


class Answer(AuditedModel):
    """The answer to one question (a question has at most one: more needs asking again)."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(max_length=TEXT_MAX_LENGTH, validators=[validate_plain_text])
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question"], name="answer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk} to question {self.question_id}"


class Comment(AuditedModel):
    """One message of an event's discussion. Never edited: corrected by a new comment, or
    voided with a reason (kept, shown as voided)."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="comments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=TEXT_MAX_LENGTH, validators=[validate_plain_text])
    is_voided = models.BooleanField(default=False)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_voided=False) | ~Q(void_reason=""),
                name="comment_void_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk}"


class Attachment(AuditedModel):
    """A file on an event (optionally given with an answer): a PDF, PNG or JPEG recognised
    from its bytes, images re-encoded without their metadata. `sha256` is the hash of the
    stored bytes and goes into the ledger with every version."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="attachments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The stored file's name is random; `name` is the one the person gave (checked).
    file = models.FileField(storage=attachment_storage, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40, choices=AttachmentType.choices)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    is_voided = models.BooleanField(default=False)
    void_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_voided=False) | ~Q(void_reason=""),
                name="attachment_void_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name
