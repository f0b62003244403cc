"""Patients: search by chart number, register, read and correct."""

from django.urls import reverse
from rest_framework import status

from events.api.filters import PatientFilter
from events.api.idempotency import idempotent_response
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.patients import (
    PatientCreateInputSerializer,
    PatientOutputSerializer,
    PatientUpdateInputSerializer,
)
from events.api.views.base import RecordApi, ScopedListApi, record_response, validated
from events.models import Patient
from events.selectors import patient_get, patient_list
from events.services.patients import patient_create, patient_update

TAGS = ["patients"]


class PatientListCreateApi(ScopedListApi):
    serializer_class = PatientOutputSerializer
    filterset_class = PatientFilter
    access_object_type = "events.patient"

    def select(self):
        return patient_list(self.request.user)

    @api_schema(
        summary="List patients at your sites (search by chart number)",
        response=PatientOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @api_schema(
        summary="Register a patient",
        request=PatientCreateInputSerializer,
        response=PatientOutputSerializer,
        status=201,
        errors=WRITE_ERRORS,
        etag=True,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request, *args, **kwargs):
        def perform():
            data = validated(PatientCreateInputSerializer, request)
            patient = patient_create(actor=request.user, site=data.pop("site"), data=data)
            return record_response(
                PatientOutputSerializer,
                patient,
                request,
                status_code=status.HTTP_201_CREATED,
                location=reverse("api:patient-detail", args=[patient.pk]),
            )

        return idempotent_response(request, perform)


class PatientDetailApi(RecordApi[Patient]):
    input_serializer = PatientUpdateInputSerializer
    output_serializer = PatientOutputSerializer

    def get_record(self, actor, pk):
        return patient_get(actor, pk)

    @api_schema(summary="Read a patient", response=PatientOutputSerializer, etag=True, tags=TAGS)
    def get(self, request, pk):
        return self.read(request, pk)

    @api_schema(
        summary="Correct a patient's details (every field)",
        request=PatientUpdateInputSerializer,
        response=PatientOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )
    def put(self, request, pk):
        return self.act(request, pk)

    @api_schema(
        summary="Correct some of a patient's details",
        request=PatientUpdateInputSerializer,
        response=PatientOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )
    def patch(self, request, pk):
        return self.act(request, pk, partial=True)

    def perform(self, action):
        return patient_update(
            **action.arguments("patient"), data=action.fields, reason=action.reason
        )
