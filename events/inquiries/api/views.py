"""Questions, comments and attachments through the API. Creation takes an Idempotency-Key;
answers, resolutions and every other change of a question take If-Match with the question's
ETag; attachments are uploaded as multipart/form-data and downloaded as attachments."""

import hashlib
from typing import Any

import django_filters as filters
from django.db.models import Q, QuerySet
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import Actor, actor_of
from events.api.concurrency import if_match_version
from events.api.filters import IdFilter
from events.api.idempotency import idempotent_response
from events.api.schema import READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.base import ReasonSerializer
from events.api.views.base import (
    Action,
    ApiView,
    RecordApi,
    ScopedListApi,
    record_response,
    validated,
)
from events.inquiries import selectors
from events.inquiries.api.serializers import (
    AnswerInputSerializer,
    AskAgainInputSerializer,
    AttachmentCreateInputSerializer,
    AttachmentOutputSerializer,
    CommentCreateInputSerializer,
    CommentOutputSerializer,
    QuestionCreateInputSerializer,
    QuestionOutputSerializer,
)
from events.inquiries.attachments import Upload, attachment_upload, attachment_void
from events.inquiries.choices import UNSETTLED_STATUSES, QuestionStatus
from events.inquiries.downloads import attachment_download_response
from events.inquiries.models import Attachment, Comment, Question
from events.inquiries.services import (
    comment_post,
    comment_void,
    question_answer,
    question_ask_again,
    question_close,
    question_open,
    question_resolve,
)

TAGS = ["questions and documents"]


class QuestionFilter(filters.FilterSet):
    event = IdFilter(field_name="event_id", label="Event id")
    status = filters.ChoiceFilter(choices=QuestionStatus.choices)
    overdue = filters.BooleanFilter(method="filter_overdue", label="Open or answered, past due")

    class Meta:
        model = Question
        fields = ["event", "status", "overdue"]

    def filter_overdue(
        self, queryset: QuerySet[Question], name: str, value: bool
    ) -> QuerySet[Question]:
        overdue = Q(status__in=UNSETTLED_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue if value else ~overdue)


class EventRecordFilter(filters.FilterSet):
    event = IdFilter(field_name="event_id", label="Event id")


class CommentFilter(EventRecordFilter):
    class Meta:
        model = Comment
        fields = ["event"]


class AttachmentFilter(EventRecordFilter):
    class Meta:
        model = Attachment
        fields = ["event"]


def _created(serializer_class: Any, record: Any, request: Request, name: str) -> Response:
    return record_response(
        serializer_class,
        record,
        request,
        status_code=status.HTTP_201_CREATED,
        location=reverse(name, args=[record.pk]),
    )


class QuestionListCreateApi(ScopedListApi):
    serializer_class = QuestionOutputSerializer
    filterset_class = QuestionFilter
    access_object_type = "inquiries.question"

    def select(self) -> QuerySet[Question]:
        return selectors.question_list(actor_of(self.request.user)).prefetch_related(
            "answers__answered_by", "answers__attachments__uploaded_by"
        )

    @api_schema(
        summary="List questions at your sites (filter by event, status, overdue)",
        response=QuestionOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Ask the reporter or the site's staff for information (directors)",
        request=QuestionCreateInputSerializer,
        response=QuestionOutputSerializer,
        status=201,
        errors=WRITE_ERRORS,
        etag=True,
        idempotent=True,
        tags=TAGS,
        description="Due in QUESTION_DUE_DAYS days (3 unless configured) unless `due_at` says.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def perform() -> Response:
            data = validated(QuestionCreateInputSerializer, request)
            question = question_open(actor=actor_of(request.user), **data)
            return _created(QuestionOutputSerializer, question, request, "api:question-detail")

        return idempotent_response(request, perform)


class _QuestionApi(RecordApi[Question]):
    output_serializer = QuestionOutputSerializer

    def get_record(self, actor: Actor, pk: int) -> Question:
        return selectors.question_get(actor, pk)


class QuestionDetailApi(_QuestionApi):
    @api_schema(
        summary="Read a question with its answer",
        response=QuestionOutputSerializer,
        etag=True,
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.read(request, pk)


def _question_action(summary: str, request_serializer: Any, description: str = "") -> Any:
    return api_schema(
        summary=summary,
        request=request_serializer,
        response=QuestionOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
        description=description,
    )


class QuestionAnswerApi(_QuestionApi):
    input_serializer = AnswerInputSerializer

    @_question_action(
        "Answer an open question (its addressee), optionally with uploaded attachments",
        AnswerInputSerializer,
        "Upload the files first (POST /api/v1/attachments/), then name them in `attachments`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[Question]) -> Question:
        question_answer(
            **action.arguments("question"),
            text=action.data["text"],
            attachments=action.data.get("attachments", []),
        )
        # Read again: the response shows the answer with the question.
        return self.get_record(action.actor, action.record.pk)


class QuestionResolveApi(_QuestionApi):
    input_serializer = ReasonSerializer

    @_question_action("Accept the answer: the question is resolved (directors)", ReasonSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[Question]) -> Question:
        return question_resolve(**action.arguments("question"), reason=action.reason)


class QuestionAskAgainApi(ApiView):
    @api_schema(
        summary="Ask again: a new open question follows the answered one (directors)",
        request=AskAgainInputSerializer,
        response=QuestionOutputSerializer,
        status=201,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        question = selectors.question_get(actor_of(request.user), pk)

        def perform() -> Response:
            data = validated(AskAgainInputSerializer, request)
            follow_up = question_ask_again(
                actor=actor_of(request.user),
                question=question,
                text=data["text"],
                expected_version=if_match_version(request),
            )
            return _created(QuestionOutputSerializer, follow_up, request, "api:question-detail")

        return idempotent_response(request, perform)


class QuestionCloseApi(_QuestionApi):
    input_serializer = ReasonSerializer

    @_question_action("Close a question with a reason (directors)", ReasonSerializer)
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[Question]) -> Question:
        return question_close(**action.arguments("question"), reason=action.reason)


class CommentListCreateApi(ScopedListApi):
    serializer_class = CommentOutputSerializer
    filterset_class = CommentFilter
    access_object_type = "inquiries.comment"

    def select(self) -> QuerySet[Comment]:
        return selectors.comment_list(actor_of(self.request.user))

    @api_schema(
        summary="List comments at your sites (filter by event)",
        response=CommentOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Comment on an event (plain text; never edited, voided with a reason)",
        request=CommentCreateInputSerializer,
        response=CommentOutputSerializer,
        status=201,
        errors=WRITE_ERRORS,
        etag=True,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        def perform() -> Response:
            data = validated(CommentCreateInputSerializer, request)
            comment = comment_post(
                actor=actor_of(request.user), event=data["event"], text=data["text"]
            )
            return _created(CommentOutputSerializer, comment, request, "api:comment-void")

        return idempotent_response(request, perform)


class CommentVoidApi(RecordApi[Comment]):
    input_serializer = ReasonSerializer
    output_serializer = CommentOutputSerializer

    def get_record(self, actor: Actor, pk: int) -> Comment:
        return selectors.comment_get(actor, pk)

    @api_schema(
        summary="Void a comment with a reason (its author or a director)",
        request=ReasonSerializer,
        response=CommentOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[Comment]) -> Comment:
        return comment_void(**action.arguments("comment"), reason=action.reason)


class AttachmentListCreateApi(ScopedListApi):
    serializer_class = AttachmentOutputSerializer
    filterset_class = AttachmentFilter
    access_object_type = "inquiries.attachment"
    parser_classes = [MultiPartParser]

    def select(self) -> QuerySet[Attachment]:
        return selectors.attachment_list(actor_of(self.request.user))

    @api_schema(
        summary="List attachments at your sites (filter by event)",
        response=AttachmentOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Attach a PDF, PNG or JPEG to an event (multipart/form-data)",
        request={"multipart/form-data": AttachmentCreateInputSerializer},
        response=AttachmentOutputSerializer,
        status=201,
        errors=WRITE_ERRORS,
        etag=True,
        idempotent=True,
        tags=TAGS,
        description=(
            "The type is recognised from the content, up to ATTACHMENT_MAX_MB (10 MB unless "
            "configured). Images are re-encoded without their metadata; `sha256` is the hash "
            "of the stored bytes."
        ),
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(AttachmentCreateInputSerializer, request)
        upload = Upload.from_uploaded_file(data["file"], name=data.get("name", ""))

        def perform() -> Response:
            attachment = attachment_upload(
                actor=actor_of(request.user), event=data["event"], upload=upload
            )
            return _created(
                AttachmentOutputSerializer, attachment, request, "api:attachment-detail"
            )

        body = {
            "event": data["event"].pk,
            "name": upload.name,
            "sha256": hashlib.sha256(upload.content).hexdigest(),
        }
        return idempotent_response(request, perform, fingerprint_body=body)


class _AttachmentApi(RecordApi[Attachment]):
    output_serializer = AttachmentOutputSerializer

    def get_record(self, actor: Actor, pk: int) -> Attachment:
        return selectors.attachment_get(actor, pk)


class AttachmentDetailApi(_AttachmentApi):
    @api_schema(
        summary="Read an attachment's details (name, type, size, hash)",
        response=AttachmentOutputSerializer,
        etag=True,
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.read(request, pk)


class AttachmentDownloadApi(ApiView):
    @api_schema(
        summary="Download the file (Content-Disposition: attachment; in the access log)",
        description="The body is the stored file: application/pdf, image/png or image/jpeg.",
        response=OpenApiTypes.BINARY,
        errors=READ_ERRORS,
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        attachment = selectors.attachment_get(actor_of(request.user), pk)
        return attachment_download_response(
            attachment, actor=actor_of(request.user), request=request
        )


class AttachmentVoidApi(_AttachmentApi):
    input_serializer = ReasonSerializer

    @api_schema(
        summary="Void an attachment with a reason (its uploader or a director)",
        request=ReasonSerializer,
        response=AttachmentOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[Attachment]) -> Attachment:
        return attachment_void(**action.arguments("attachment"), reason=action.reason)
