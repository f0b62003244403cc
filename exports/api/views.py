"""Exports over the API (`/api/v1/exports/`): the same files as the web downloads, with
export jobs to create, watch and download. Report filters are the query parameters of
`reporting.filters.ReportFilters` (date_from, date_to, site, route, drug, dose_band, ...)."""

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import access_log_export
from events.api.schema import ERRORS as API_ERRORS
from exports import selectors
from exports.csv_listing import listing_csv_chunks
from exports.fhir import FHIR_MEDIA_TYPE, adverse_event_bundle, fhir_event_queryset
from exports.jobs import JOB_CONTENT_TYPES, export_job_download, export_job_request
from exports.models import ExportJob, ExportKind
from exports.summary_pdf import safety_summary_pdf
from reporting.filters import InvalidFilters, ReportFilters
from reporting.selectors import require_report_reader, safety_summary

FILTER_PARAMETERS = [
    OpenApiParameter(parameter, OpenApiTypes.STR, description=f"Report filter ({field})")
    for field, parameter in ReportFilters.PARAMETERS.items()
]
ERRORS = {
    400: API_ERRORS[400],
    401: API_ERRORS[401],
    403: OpenApiResponse(
        API_ERRORS[403].response, description="Exports are for medical directors and auditors"
    ),
}


class ExportJobSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "filters",
            "status",
            "progress",
            "expected_rows",
            "row_count",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_status_url(self, job) -> str:
        return reverse("api-export-job", args=[job.pk])

    def get_download_url(self, job) -> str | None:
        return reverse("api-export-job-download", args=[job.pk]) if job.file_name else None


class ExportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    filters = serializers.DictField(
        required=False, default=dict, help_text="Report filters as query parameters"
    )


def _filters(request, query) -> ReportFilters:
    try:
        return ReportFilters.from_query(query, user=request.user)
    except InvalidFilters as error:
        raise ValidationError(error.errors) from None


def _job_accepted(job: ExportJob) -> Response:
    response = Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
    response["Location"] = reverse("api-export-job", args=[job.pk])
    return response


class ListingCsvApi(APIView):
    @extend_schema(
        summary="Event line listing as CSV (202 with a job when over the threshold)",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            202: ExportJobSerializer,
            **ERRORS,
        },
    )
    def get(self, request):
        require_report_reader(request.user)
        filters = _filters(request, request.query_params)
        count = selectors.listing_size(request.user, filters)
        if count > settings.EXPORT_JOB_THRESHOLD:
            return _job_accepted(
                export_job_request(
                    actor=request.user,
                    kind=ExportKind.LISTING_CSV,
                    filters=filters,
                    expected_rows=count,
                )
            )
        access_log_export(
            user=request.user,
            kind="listing_csv",
            filters=filters.as_dict(),
            row_count=count,
            request=request,
            object_type="events.adverseevent",
        )
        response = StreamingHttpResponse(
            listing_csv_chunks(request.user, filters), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="safety-ledger-events.csv"'
        return response


class SummaryPdfApi(APIView):
    @extend_schema(
        summary="Safety summary as PDF",
        parameters=FILTER_PARAMETERS,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request):
        require_report_reader(request.user)
        filters = _filters(request, request.query_params)
        summary = safety_summary(request.user, filters)
        content = safety_summary_pdf(
            request.user,
            filters,
            summary,
            generated_at=timezone.now(),
            link_base=request.build_absolute_uri("/").rstrip("/"),
        )
        access_log_export(
            user=request.user,
            kind="safety_summary_pdf",
            filters=filters.as_dict(),
            row_count=summary.events,
            request=request,
            object_type="reporting.safety_summary",
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="safety-summary.pdf"'
        return response


class FhirBundleApi(APIView):
    @extend_schema(
        summary="Events as a FHIR R4 AdverseEvent Bundle (202 with a job when over the threshold)",
        parameters=FILTER_PARAMETERS,
        responses={
            (200, FHIR_MEDIA_TYPE): OpenApiTypes.OBJECT,
            202: ExportJobSerializer,
            **ERRORS,
        },
    )
    def get(self, request):
        require_report_reader(request.user)
        filters = _filters(request, request.query_params)
        count = selectors.listing_size(request.user, filters)
        if count > settings.EXPORT_JOB_THRESHOLD:
            return _job_accepted(
                export_job_request(
                    actor=request.user,
                    kind=ExportKind.FHIR_BUNDLE,
                    filters=filters,
                    expected_rows=count,
                )
            )
        events = fhir_event_queryset(selectors.listing_events(request.user, filters))
        bundle = adverse_event_bundle(events, generated_at=timezone.now())
        access_log_export(
            user=request.user,
            kind="fhir_bundle",
            filters=filters.as_dict(),
            row_count=count,
            request=request,
            object_type="events.adverseevent",
        )
        return HttpResponse(json.dumps(bundle, ensure_ascii=False), content_type=FHIR_MEDIA_TYPE)


class ExportJobCreateApi(APIView):
    @extend_schema(
        summary="Start an export job",
        request=ExportJobCreateSerializer,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def post(self, request):
        require_report_reader(request.user)
        data = ExportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = _filters(request, data.validated_data["filters"])
        job = export_job_request(
            actor=request.user,
            kind=data.validated_data["kind"],
            filters=filters,
            expected_rows=selectors.listing_size(request.user, filters),
        )
        return _job_accepted(job)


class ExportJobDetailApi(APIView):
    @extend_schema(
        summary="An export job's status and progress",
        responses={
            200: ExportJobSerializer,
            **{code: ERRORS[code] for code in (401, 403)},
            404: OpenApiResponse(description="Not found"),
        },
    )
    def get(self, request, pk: int):
        job = selectors.export_job_get(request.user, pk)
        return Response(ExportJobSerializer(job).data)


class ExportJobDownloadApi(APIView):
    @extend_schema(
        summary="Download a finished export job's file",
        responses={
            # One media type per kind of job, as the download sends it.
            **{
                (200, content_type.split(";")[0]): OpenApiTypes.BINARY
                for content_type in JOB_CONTENT_TYPES.values()
            },
            **{code: ERRORS[code] for code in (401, 403)},
            404: OpenApiResponse(description="Not found, or not finished"),
        },
    )
    def get(self, request, pk: int):
        return export_job_download(request, selectors.export_job_get(request.user, pk))
