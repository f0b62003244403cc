"""Outcome measures of a session, the suicidality alerts they raise, and a patient's course."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import Actor, access_log_view, actor_of
from events.access import DIRECTORS, has_role
from events.api.idempotency import idempotent_response
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.base import ReasonSerializer
from events.api.serializers.measures import (
    AlertConfirmSerializer,
    CourseSerializer,
    MeasureRecordedSerializer,
    OutcomeMeasureInputSerializer,
    OutcomeMeasureOutputSerializer,
    SuicidalityAlertOutputSerializer,
)
from events.api.views.base import (
    Action,
    ApiView,
    RecordApi,
    ScopedListApi,
    validated,
)
from events.course_selectors import (
    outcome_measure_get,
    outcome_measure_list,
    patient_course,
    suicidality_alert_get,
    suicidality_alert_list,
)
from events.models import OutcomeMeasure, SuicidalityAlert
from events.outcomes import COUNTING_RULES
from events.selectors import infusion_session_get, patient_get
from events.services.measures import (
    outcome_measure_record,
    outcome_measure_void,
    suicidality_alert_confirm,
    suicidality_alert_dismiss,
)


class OutcomeMeasureListCreateApi(ScopedListApi):
    serializer_class = OutcomeMeasureOutputSerializer
    access_object_type = "events.outcomemeasure"

    def select(self) -> QuerySet[Any]:
        return outcome_measure_list(
            infusion_session_get(actor_of(self.request.user), self.kwargs["pk"])
        )

    @api_schema(
        summary="List the current measures of a session",
        response=OutcomeMeasureOutputSerializer(many=True),
        errors=(400, 401, 403, 404),
        tags=["measures"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Record PHQ-9, MADRS, GAD-7 and the suicidality screen before the infusion",
        request=OutcomeMeasureInputSerializer,
        response=MeasureRecordedSerializer,
        status=201,
        errors=WRITE_ERRORS,
        idempotent=True,
        tags=["measures"],
        description=(
            "A positive PHQ-9 item 9 or screen raises a suicidality alert in the same "
            "transaction; the response carries it."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        session = infusion_session_get(actor_of(request.user), pk)

        def perform() -> Response:
            data = validated(OutcomeMeasureInputSerializer, request)
            measure, alert = outcome_measure_record(
                session=session, actor=actor_of(request.user), data=data
            )
            body = MeasureRecordedSerializer({"measure": measure, "alert": alert}).data
            response = Response(body, status=status.HTTP_201_CREATED)
            response["Location"] = reverse("api:measure-detail", args=[measure.pk])
            return response

        return idempotent_response(request, perform)


class _MeasureApi(RecordApi[OutcomeMeasure]):
    output_serializer = OutcomeMeasureOutputSerializer

    def get_record(self, actor: Actor, pk: int) -> OutcomeMeasure:
        return outcome_measure_get(actor, pk)


class OutcomeMeasureDetailApi(_MeasureApi):
    @api_schema(
        summary="Read a session's measures",
        response=OutcomeMeasureOutputSerializer,
        etag=True,
        tags=["measures"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.read(request, pk)


class OutcomeMeasureVoidApi(_MeasureApi):
    input_serializer = ReasonSerializer

    @api_schema(
        summary="Void measures entered in error (reason required); an alert they raised stays",
        request=ReasonSerializer,
        response=OutcomeMeasureOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["measures"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[OutcomeMeasure]) -> OutcomeMeasure:
        return outcome_measure_void(**action.arguments("measure"), reason=action.reason)


class SuicidalityAlertListApi(ScopedListApi):
    serializer_class = SuicidalityAlertOutputSerializer
    access_object_type = "events.suicidalityalert"

    def select(self) -> QuerySet[Any]:
        if not has_role(actor_of(self.request.user), *DIRECTORS):
            raise PermissionDenied("Suicidality alerts are for medical directors.")
        return suicidality_alert_list(actor_of(self.request.user)).order_by("raised_at", "id")

    @api_schema(
        summary="Open suicidality alerts at your sites, oldest first (directors)",
        response=SuicidalityAlertOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=["alerts"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class _AlertApi(RecordApi[SuicidalityAlert]):
    output_serializer = SuicidalityAlertOutputSerializer

    def get_record(self, actor: Actor, pk: int) -> SuicidalityAlert:
        return suicidality_alert_get(actor, pk)


class SuicidalityAlertDetailApi(_AlertApi):
    @api_schema(
        summary="Read a suicidality alert",
        response=SuicidalityAlertOutputSerializer,
        etag=True,
        tags=["alerts"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.read(request, pk)


class SuicidalityAlertConfirmApi(_AlertApi):
    input_serializer = AlertConfirmSerializer

    @api_schema(
        summary="Confirm an alert (directors); optionally file a pre-filled draft event",
        request=AlertConfirmSerializer,
        response=SuicidalityAlertOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["alerts"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[SuicidalityAlert]) -> SuicidalityAlert:
        return suicidality_alert_confirm(
            **action.arguments("alert"), reason=action.reason, file_event=action.data["file_event"]
        )


class SuicidalityAlertDismissApi(_AlertApi):
    input_serializer = ReasonSerializer

    @api_schema(
        summary="Dismiss an alert (directors; reason required)",
        request=ReasonSerializer,
        response=SuicidalityAlertOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["alerts"],
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, action: Action[SuicidalityAlert]) -> SuicidalityAlert:
        return suicidality_alert_dismiss(**action.arguments("alert"), reason=action.reason)


class PatientCourseApi(ApiView):
    @api_schema(
        summary="A patient's course: scores, response, remission, worst grade, peak BP, dose",
        response=CourseSerializer,
        tags=["measures"],
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = patient_get(actor_of(request.user), pk)
        access_log_view(actor=actor_of(request.user), request=request, record=patient)
        course = patient_course(patient)
        body = {
            "patient": patient,
            "sessions": course.sessions,
            "outcome": course.outcome,
            "counting_rules": list(COUNTING_RULES),
        }
        return Response(CourseSerializer(body).data)
