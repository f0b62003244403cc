"""Exports over the API (`/api/v1/exports/`): the same files as the web downloads, with
export jobs to create, watch and download. Report filters are the query parameters of
`reporting.filters.ReportFilters` (date_from, date_to, site, route, drug, dose_band, ...)."""

from functools import partial

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api.schema import ERRORS as API_ERRORS
from exports import selectors, services
from exports.e2b import E2B_MEDIA_TYPE
from exports.http import file_response
from exports.models import JOB_FILES, ExportJob, ExportKind
from exports.outcome_jobs import benefit_risk_csv_export, scores_csv_export, scores_fhir_export
from reporting.filters import InvalidFilters, ReportFilters
from reporting.selectors import require_report_reader

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
    kind = serializers.ChoiceField(
        choices=[
            (kind.value, kind.label)
            for kind in (
                ExportKind.LISTING_CSV,
                ExportKind.FHIR_BUNDLE,
                ExportKind.E2B_BATCH,
                ExportKind.SCORES_CSV,
                ExportKind.SCORES_FHIR,
                ExportKind.BENEFIT_RISK_CSV,
                ExportKind.BENEFIT_RISK_BY_SITE,
            )
        ]
    )
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


def _report_export(request, export, **arguments):
    require_report_reader(request.user)  # 403 before any filter is read
    filters = _filters(request, request.query_params)
    result = export(actor=request.user, filters=filters, request=request, **arguments)
    if isinstance(result, ExportJob):
        return _job_accepted(result)
    return file_response(result)


class ListingCsvApi(APIView):
    @extend_schema(
        summary="Event line listing as CSV: 202 with the export job that writes it",
        parameters=FILTER_PARAMETERS,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, services.listing_csv_export)


class SummaryPdfApi(APIView):
    @extend_schema(
        summary="Safety summary as PDF",
        parameters=FILTER_PARAMETERS,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, services.summary_pdf_export)


class FhirBundleApi(APIView):
    @extend_schema(
        summary="Events as a FHIR R4 AdverseEvent Bundle: 202 with the export job that writes it",
        parameters=FILTER_PARAMETERS,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, services.fhir_bundle_export)


class E2bBatchApi(APIView):
    @extend_schema(
        summary=(
            "Signed-off events as an E2B(R3) ICSR batch (HL7 v3 XML): 202 with the export job "
            "that writes it"
        ),
        parameters=FILTER_PARAMETERS,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, services.e2b_batch_export)


class ScoresCsvApi(APIView):
    @extend_schema(
        summary="Outcome scores listing as CSV: 202 with the export job that writes it",
        parameters=FILTER_PARAMETERS,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, scores_csv_export)


class ScoresFhirApi(APIView):
    @extend_schema(
        summary=(
            "Outcome scores as a FHIR R4 Bundle (Observations, QuestionnaireResponses): 202 "
            "with the export job that writes it"
        ),
        parameters=FILTER_PARAMETERS,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        return _report_export(request, scores_fhir_export)


class BenefitRiskCsvApi(APIView):
    @extend_schema(
        summary="Benefit and risk by protocol as CSV: 202 with the export job that writes it",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("by", OpenApiTypes.STR, enum=["site"], description="Split by site."),
        ],
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def get(self, request):
        require_report_reader(request.user)
        query = request.query_params.copy()
        by = query.pop("by", [""])[-1]
        if by not in ("", "site"):
            raise ValidationError({"by": "Only 'site' is accepted."})
        filters = _filters(request, query)
        job = benefit_risk_csv_export(
            actor=request.user, filters=filters, request=request, by_site=by == "site"
        )
        return _job_accepted(job)


class NotSignedOff(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = selectors.EventNotSignedOff.message
    default_code = "not_signed_off"


class E2bEventApi(APIView):
    @extend_schema(
        summary="One signed-off event as an E2B(R3) ICSR (HL7 v3 XML, MCCI_IN200100UV01 batch)",
        responses={
            (200, E2B_MEDIA_TYPE.split(";")[0]): OpenApiTypes.STR,
            **{code: ERRORS[code] for code in (401, 403)},
            404: OpenApiResponse(description="Not found"),
            409: OpenApiResponse(description="The event is not signed off"),
        },
    )
    def get(self, request, pk: int):
        try:
            event = selectors.e2b_event_get(request.user, pk)
        except selectors.EventNotSignedOff:
            raise NotSignedOff() from None
        return file_response(
            services.event_e2b_export(actor=request.user, event=event, request=request)
        )


EXPORTS_BY_KIND = {
    ExportKind.LISTING_CSV: services.listing_csv_export,
    ExportKind.FHIR_BUNDLE: services.fhir_bundle_export,
    ExportKind.E2B_BATCH: services.e2b_batch_export,
    ExportKind.SCORES_CSV: scores_csv_export,
    ExportKind.SCORES_FHIR: scores_fhir_export,
    ExportKind.BENEFIT_RISK_CSV: benefit_risk_csv_export,
    ExportKind.BENEFIT_RISK_BY_SITE: partial(benefit_risk_csv_export, by_site=True),
}


class ExportJobCreateApi(APIView):
    @extend_schema(
        summary="Start an export job",
        request=ExportJobCreateSerializer,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def post(self, request):
        data = ExportJobCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = EXPORTS_BY_KIND[data.validated_data["kind"]]
        filters = _filters(request, data.validated_data["filters"])
        return _job_accepted(export(actor=request.user, filters=filters, request=request))


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
            # One media type per kind of job, as the download sends it: a JSON body (the FHIR
            # bundle) is declared as the object it is, a file of any other kind as binary.
            **{
                (200, content_type.split(";")[0]): (
                    OpenApiTypes.OBJECT if "json" in content_type else OpenApiTypes.BINARY
                )
                for _, _, content_type in JOB_FILES.values()
            },
            **{code: ERRORS[code] for code in (401, 403)},
            404: OpenApiResponse(description="Not found, or not finished"),
        },
    )
    def get(self, request, pk: int):
        job = selectors.export_job_get(request.user, pk)
        return file_response(
            services.export_job_download(actor=request.user, job=job, request=request)
        )
