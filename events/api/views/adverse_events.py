"""Adverse events: list, file, read, edit or amend, and the review actions."""

from django.urls import reverse
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import PermissionDenied

from audit.services import access_log_list
from events.access import has_role
from events.api.filters import AdverseEventFilter
from events.api.idempotency import idempotent_response
from events.api.pagination import ReviewQueuePagination
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.adverse_events import (
    AdverseEventAssessInputSerializer,
    AdverseEventCreateInputSerializer,
    AdverseEventDetailOutputSerializer,
    AdverseEventListOutputSerializer,
    AdverseEventSignOffInputSerializer,
    AdverseEventUpdateInputSerializer,
    AdverseEventVoidInputSerializer,
    ReviewQueueItemSerializer,
)
from events.api.serializers.base import NoBodySerializer
from events.api.views.base import RecordApi, ScopedListApi, record_response, validated
from events.choices import Role
from events.inquiries.selectors import open_question_counts
from events.models import AdverseEvent
from events.selectors import adverse_event_get, adverse_event_list, review_queue
from events.services.adverse_events import (
    adverse_event_assess,
    adverse_event_create,
    adverse_event_sign_off,
    adverse_event_submit,
    adverse_event_update,
    adverse_event_void,
)

TAGS = ["events"]
Detail = AdverseEventDetailOutputSerializer


class AdverseEventListCreateApi(ScopedListApi):
    serializer_class = AdverseEventListOutputSerializer
    filterset_class = AdverseEventFilter
    access_object_type = "events.adverseevent"

    def select(self):
        return adverse_event_list(self.request.user)

    @api_schema(
        summary="List events at your sites (filter by site, status, term, onset, serious)",
        response=AdverseEventListOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="File an event as a draft, or submit it at once with submit=true",
        description=(
            "An event like one already on file (same term, onset within the duplicate window, "
            "in the same session or for the same patient within a day) is refused with 409 "
            "and the ids of the events on file, unless `confirm_not_duplicate` is true."
        ),
        request=AdverseEventCreateInputSerializer,
        response=Detail,
        status=201,
        errors=(*WRITE_ERRORS, 409),
        etag=True,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        def perform():
            data = validated(AdverseEventCreateInputSerializer, request)
            submit, session = data.pop("submit", False), data.pop("session")
            confirmed = data.pop("confirm_not_duplicate", False)
            event = adverse_event_create(
                actor=request.user,
                session=session,
                data=data,
                submit=submit,
                confirm_not_duplicate=confirmed,
            )
            return record_response(
                Detail,
                event,
                request,
                status_code=status.HTTP_201_CREATED,
                location=reverse("api:event-detail", args=[event.pk]),
            )

        return idempotent_response(request, perform)


def _action_schema(summary: str, request_serializer, *, description: str = ""):
    return api_schema(
        summary=summary,
        request=request_serializer,
        response=Detail,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
        description=description,
    )


class _EventApi(RecordApi[AdverseEvent]):
    output_serializer = Detail

    def get_record(self, actor, pk):
        return adverse_event_get(actor, pk)


class AdverseEventDetailApi(_EventApi):
    input_serializer = AdverseEventUpdateInputSerializer

    @api_schema(summary="Read an event with its signatures", response=Detail, etag=True, tags=TAGS)
    def get(self, request, pk):
        return self.read(request, pk)

    @_action_schema(
        "Edit a draft, or amend a submitted or signed-off event (every field)",
        AdverseEventUpdateInputSerializer,
    )
    def put(self, request, pk):
        return self.act(request, pk)

    @_action_schema(
        "Edit a draft, or amend a submitted or signed-off event (some fields)",
        AdverseEventUpdateInputSerializer,
        description=(
            "An amendment needs a reason. Amending a signed-off event returns it to "
            "submitted and marks the signature superseded."
        ),
    )
    def patch(self, request, pk):
        return self.act(request, pk, partial=True)

    def perform(self, action):
        return adverse_event_update(
            **action.arguments("event"), data=action.fields, reason=action.reason
        )


class AdverseEventSubmitApi(_EventApi):
    @_action_schema("Submit a draft for review", NoBodySerializer)
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return adverse_event_submit(**action.arguments("event"))


class AdverseEventAssessApi(_EventApi):
    input_serializer = AdverseEventAssessInputSerializer

    @_action_schema("Record the WHO-UMC causality (directors)", AdverseEventAssessInputSerializer)
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return adverse_event_assess(
            **action.arguments("event"), causality=action.data["causality"], reason=action.reason
        )


class AdverseEventSignOffApi(_EventApi):
    input_serializer = AdverseEventSignOffInputSerializer

    @_action_schema(
        "Sign off a submitted event (directors; password re-entered)",
        AdverseEventSignOffInputSerializer,
        description=(
            "Records the signer's name, the time and the meaning 'Reviewed and approved', "
            "bound to a hash of this version. A director cannot sign off an event they "
            "reported (403)."
        ),
    )
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        adverse_event_sign_off(**action.arguments("event"), password=action.data["password"])
        # Read again: the response shows the new signature with the event.
        return self.get_record(action.actor, action.record.pk)


class AdverseEventVoidApi(_EventApi):
    input_serializer = AdverseEventVoidInputSerializer

    @_action_schema("Void an event entered in error (directors)", AdverseEventVoidInputSerializer)
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return adverse_event_void(**action.arguments("event"), reason=action.data["reason"])


class ReviewQueueApi(ScopedListApi):
    serializer_class = ReviewQueueItemSerializer
    pagination_class = ReviewQueuePagination
    access_object_type = "events.adverseevent"

    def select(self):
        if not has_role(self.request.user, Role.MEDICAL_DIRECTOR):
            raise PermissionDenied("The review queue is for medical directors.")
        return review_queue(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def list(self, request, *args, **kwargs):
        queue = self.get_queryset()
        events = self.paginate_queryset(queue)
        waiting = open_question_counts([event.pk for event in events])
        serializer = self.get_serializer(
            events, many=True, context={**self.get_serializer_context(), "open_questions": waiting}
        )
        response = self.get_paginated_response(serializer.data)
        count = self.paginator.count
        access_log_list(
            actor=request.user,
            request=request,
            object_type=self.access_object_type,
            row_count=count,
        )
        return response

    @api_schema(
        summary="Submitted events to review: serious and unexpected first, then by due date",
        response=ReviewQueueItemSerializer(many=True),
        errors=(400, 401, 403),
        tags=["review"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
