"""Vital signs of a session, and the suggested events their readings raise."""

from django.urls import reverse
from rest_framework import status
from rest_framework.response import Response

from events.api.concurrency import if_match_version
from events.api.filters import AlertSuggestionFilter
from events.api.idempotency import idempotent_response
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.adverse_events import AdverseEventDetailOutputSerializer
from events.api.serializers.base import NoBodySerializer, ReasonSerializer
from events.api.serializers.sessions import (
    AlertSuggestionOutputSerializer,
    VitalSignInputSerializer,
    VitalSignOutputSerializer,
    VitalSignRecordedSerializer,
)
from events.api.views.base import ApiView, RecordApi, ScopedListApi, record_response, validated
from events.models import AlertSuggestion, VitalSign
from events.selectors import (
    infusion_session_get,
    suggestion_get,
    suggestion_list,
    vital_sign_get,
    vital_sign_list,
)
from events.services.vitals import (
    suggestion_confirm,
    suggestion_dismiss,
    vital_sign_record,
    vital_sign_void,
)


class VitalSignListCreateApi(ScopedListApi):
    serializer_class = VitalSignOutputSerializer
    access_object_type = "events.vitalsign"

    def select(self):
        return vital_sign_list(infusion_session_get(self.request.user, self.kwargs["pk"]))

    @api_schema(
        summary="List the readings of a session, in time order",
        response=VitalSignOutputSerializer(many=True),
        errors=(400, 401, 403, 404),
        tags=["vitals"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Record vital signs; returns the reading and any suggestion it raised",
        request=VitalSignInputSerializer,
        response=VitalSignRecordedSerializer,
        status=201,
        errors=WRITE_ERRORS,
        idempotent=True,
        tags=["vitals"],
    )
    def post(self, request, pk):
        session = infusion_session_get(request.user, pk)

        def perform():
            data = validated(VitalSignInputSerializer, request)
            vital, suggestions = vital_sign_record(session=session, actor=request.user, data=data)
            body = VitalSignRecordedSerializer(
                {"vital_sign": vital, "suggestions": suggestions}
            ).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent_response(request, perform)


class VitalSignVoidApi(RecordApi[VitalSign]):
    input_serializer = ReasonSerializer
    output_serializer = VitalSignOutputSerializer

    def get_record(self, actor, pk):
        return vital_sign_get(actor, pk)

    @api_schema(
        summary="Void a reading entered in error (reason required); it leaves the lists",
        request=ReasonSerializer,
        response=VitalSignOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["vitals"],
    )
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return vital_sign_void(**action.arguments("vital"), reason=action.reason)


class AlertSuggestionListApi(ScopedListApi):
    serializer_class = AlertSuggestionOutputSerializer
    filterset_class = AlertSuggestionFilter
    access_object_type = "events.alertsuggestion"

    def select(self):
        session = infusion_session_get(self.request.user, self.kwargs["pk"])
        return suggestion_list(session, status=None).order_by("id")

    @api_schema(
        summary="List the suggested events of a session (filter by status, e.g. open)",
        response=AlertSuggestionOutputSerializer(many=True),
        errors=(400, 401, 403, 404),
        tags=["suggestions"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class AlertSuggestionDetailApi(ApiView):
    @api_schema(
        summary="Read a suggested event",
        response=AlertSuggestionOutputSerializer,
        etag=True,
        tags=["suggestions"],
    )
    def get(self, request, pk):
        suggestion = suggestion_get(request.user, pk)
        return record_response(AlertSuggestionOutputSerializer, suggestion, request)


class AlertSuggestionConfirmApi(ApiView):
    @api_schema(
        summary="Confirm a suggestion into a draft event (returns the event)",
        request=None,
        response=AdverseEventDetailOutputSerializer,
        status=201,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        idempotent=True,
        tags=["suggestions"],
        description="If-Match carries the suggestion's ETag; the response's ETag is the event's.",
    )
    def post(self, request, pk):
        suggestion = suggestion_get(request.user, pk)
        validated(NoBodySerializer, request)

        def perform():
            event = suggestion_confirm(
                suggestion=suggestion,
                actor=request.user,
                expected_version=if_match_version(request),
            )
            return record_response(
                AdverseEventDetailOutputSerializer,
                event,
                request,
                status_code=status.HTTP_201_CREATED,
                location=reverse("api:event-detail", args=[event.pk]),
            )

        return idempotent_response(request, perform)


class AlertSuggestionDismissApi(RecordApi[AlertSuggestion]):
    input_serializer = ReasonSerializer
    output_serializer = AlertSuggestionOutputSerializer

    def get_record(self, actor, pk):
        return suggestion_get(actor, pk)

    @api_schema(
        summary="Dismiss a suggestion (reason required)",
        request=ReasonSerializer,
        response=AlertSuggestionOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["suggestions"],
    )
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return suggestion_dismiss(**action.arguments("suggestion"), reason=action.reason)
