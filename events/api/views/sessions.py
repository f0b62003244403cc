"""Infusion sessions: list, start, read, correct, finish, discharge and void."""

from django.urls import reverse
from rest_framework import status

from events.api.filters import InfusionSessionFilter
from events.api.idempotency import idempotent_response
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.base import ReasonSerializer
from events.api.serializers.sessions import (
    InfusionSessionDischargeInputSerializer,
    InfusionSessionFinishInputSerializer,
    InfusionSessionOutputSerializer,
    InfusionSessionStartInputSerializer,
    InfusionSessionUpdateInputSerializer,
)
from events.api.views.base import RecordApi, ScopedListApi, record_response, validated
from events.models import InfusionSession
from events.selectors import infusion_session_get, infusion_session_list
from events.services.sessions import (
    infusion_session_discharge,
    infusion_session_finish,
    infusion_session_start,
    infusion_session_update,
    infusion_session_void,
)

TAGS = ["sessions"]
Output = InfusionSessionOutputSerializer


class InfusionSessionListCreateApi(ScopedListApi):
    serializer_class = Output
    filterset_class = InfusionSessionFilter
    access_object_type = "events.infusionsession"

    def select(self):
        return infusion_session_list(self.request.user)

    @api_schema(
        summary="List sessions at your sites (filter by site, status, day, patient)",
        response=Output(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Start (or plan) a session for a patient",
        request=InfusionSessionStartInputSerializer,
        response=Output,
        status=201,
        errors=WRITE_ERRORS,
        etag=True,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        def perform():
            data = validated(InfusionSessionStartInputSerializer, request)
            session = infusion_session_start(
                actor=request.user, patient=data.pop("patient"), data=data
            )
            return record_response(
                Output,
                session,
                request,
                status_code=status.HTTP_201_CREATED,
                location=reverse("api:session-detail", args=[session.pk]),
            )

        return idempotent_response(request, perform)


def _update_schema(summary: str, request_serializer):
    return api_schema(
        summary=summary,
        request=request_serializer,
        response=Output,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )


class _SessionApi(RecordApi[InfusionSession]):
    output_serializer = Output

    def get_record(self, actor, pk):
        return infusion_session_get(actor, pk)


class InfusionSessionDetailApi(_SessionApi):
    input_serializer = InfusionSessionUpdateInputSerializer

    @api_schema(summary="Read a session", response=Output, etag=True, tags=TAGS)
    def get(self, request, pk):
        return self.read(request, pk)

    @_update_schema("Correct a session (every field)", InfusionSessionUpdateInputSerializer)
    def put(self, request, pk):
        return self.act(request, pk)

    @_update_schema("Correct some fields of a session", InfusionSessionUpdateInputSerializer)
    def patch(self, request, pk):
        return self.act(request, pk, partial=True)

    def perform(self, action):
        return infusion_session_update(
            **action.arguments("session"), data=action.fields, reason=action.reason
        )


class InfusionSessionFinishApi(_SessionApi):
    input_serializer = InfusionSessionFinishInputSerializer

    @_update_schema(
        "Complete a session, or stop it early (with a reason)",
        InfusionSessionFinishInputSerializer,
    )
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return infusion_session_finish(**action.arguments("session"), **action.data)


class InfusionSessionDischargeApi(_SessionApi):
    input_serializer = InfusionSessionDischargeInputSerializer

    @_update_schema("Discharge the patient", InfusionSessionDischargeInputSerializer)
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return infusion_session_discharge(**action.arguments("session"), **action.data)


class InfusionSessionVoidApi(_SessionApi):
    input_serializer = ReasonSerializer

    @_update_schema("Void a session entered in error (reason required)", ReasonSerializer)
    def post(self, request, pk):
        return self.act(request, pk)

    def perform(self, action):
        return infusion_session_void(**action.arguments("session"), reason=action.reason)
