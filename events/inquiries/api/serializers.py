"""Request and response bodies of the questions, comments and attachments API. Input
serializers check shapes and never save; the services hold every rule."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.api.serializers.base import ReferenceField, StrictSerializer
from events.inquiries.choices import Addressee
from events.inquiries.models import TEXT_MAX_LENGTH, Answer, Attachment, Comment, Question
from events.inquiries.selectors import attachment_get
from events.selectors import adverse_event_get


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


class AttachmentOutputSerializer(serializers.ModelSerializer[Attachment]):
    uploaded_by_name = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "event",
            "answer",
            "name",
            "content_type",
            "size_bytes",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "is_voided",
            "void_reason",
            "version",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_uploaded_by_name(self, attachment: Attachment) -> str:
        return _person(attachment.uploaded_by)

    def get_download_url(self, attachment: Attachment) -> str:
        return reverse("api:attachment-download", args=[attachment.pk])


class AnswerOutputSerializer(serializers.ModelSerializer[Answer]):
    answered_by_name = serializers.SerializerMethodField()
    attachments = AttachmentOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Answer
        fields = ["id", "text", "answered_by", "answered_by_name", "created_at", "attachments"]
        read_only_fields = fields

    def get_answered_by_name(self, answer: Answer) -> str:
        return _person(answer.answered_by)


class QuestionOutputSerializer(serializers.ModelSerializer[Question]):
    asked_by_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "event",
            "site",
            "status",
            "addressed_to",
            "addressee",
            "asked_by",
            "asked_by_name",
            "text",
            "due_at",
            "is_overdue",
            "follows",
            "settled_at",
            "close_reason",
            "version",
            "created_at",
            "answer",
        ]
        read_only_fields = fields

    def get_asked_by_name(self, question: Question) -> str:
        return _person(question.asked_by)

    def get_is_overdue(self, question: Question) -> bool:
        return question.is_unsettled and question.due_at < timezone.now()

    @extend_schema_field(AnswerOutputSerializer(allow_null=True))
    def get_answer(self, question: Question) -> dict[str, Any] | None:
        answers = list(question.answers.all())  # prefetched by the list
        answer = answers[0] if answers else None
        return AnswerOutputSerializer(answer).data if answer else None


class CommentOutputSerializer(serializers.ModelSerializer[Comment]):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "event",
            "author",
            "author_name",
            "text",
            "is_voided",
            "void_reason",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, comment: Comment) -> str:
        return _person(comment.author)


def _text_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=TEXT_MAX_LENGTH, allow_blank=True, trim_whitespace=False
    )


class QuestionCreateInputSerializer(StrictSerializer):
    event = ReferenceField(get=adverse_event_get)
    text = _text_field()
    addressed_to = serializers.ChoiceField(choices=Addressee.choices)
    due_at = serializers.DateTimeField(required=False)


class AnswerInputSerializer(StrictSerializer):
    text = _text_field()
    attachments = serializers.ListField(
        child=ReferenceField(get=attachment_get), required=False, max_length=10
    )


class AskAgainInputSerializer(StrictSerializer):
    text = _text_field()


class CommentCreateInputSerializer(StrictSerializer):
    event = ReferenceField(get=adverse_event_get)
    text = _text_field()


class AttachmentCreateInputSerializer(StrictSerializer):
    """multipart/form-data: the event, the file, and optionally the name to give it (by
    default the file's own name)."""

    event = ReferenceField(get=adverse_event_get)
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    name = serializers.CharField(max_length=400, required=False, trim_whitespace=False)
