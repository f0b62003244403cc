"""JSON API of the safety reports: the same summary the dashboard shows."""

from typing import cast

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import Actor, access_log_list
from events.api.schema import ERRORS
from reporting.api.serializers import BenefitRiskSerializer, SafetySummarySerializer
from reporting.benefit_risk import benefit_risk, export_frame
from reporting.filters import InvalidFilters, ReportFilters, term_option
from reporting.presentation import table_records
from reporting.reference_rates import reference_comparison
from reporting.selectors import require_report_reader, safety_summary


def _list_parameter(
    name: str, description: str, kind: OpenApiTypes = OpenApiTypes.STR
) -> OpenApiParameter:
    return OpenApiParameter(name, kind, many=True, explode=True, description=description)


FILTER_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (site-local)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (site-local)."),
    _list_parameter("site", "Site ids.", OpenApiTypes.INT),
    _list_parameter("route", "Routes (iv, im, intranasal, oral)."),
    _list_parameter("drug", "Drugs (ketamine, esketamine)."),
    _list_parameter("dose_band", "Dose bands (<0.5, 0.5-0.75, 0.75-1.0, >1.0)."),
    _list_parameter("indication", "Patient indications."),
    _list_parameter("term", "Event term codes (e.g. hypertension) or term ids."),
    _list_parameter("category", "Term categories."),
    _list_parameter("grade", "CTCAE grades 1-5.", OpenApiTypes.INT),
    OpenApiParameter("serious", OpenApiTypes.BOOL, description="Serious events only, or none."),
    _list_parameter("session_number", "Session numbers 1-6, 7 for 7 and later.", OpenApiTypes.INT),
    _list_parameter("onset", "Time-to-onset bands (0-15, 15-30, 30-60, 60-120, >120, ...)."),
    OpenApiParameter(
        "review",
        OpenApiTypes.STR,
        enum=["all", "submitted", "signed_off"],
        description="Events by review status: all not voided (default), submitted and "
        "signed off, or signed off only.",
    ),
    OpenApiParameter("chart_term", OpenApiTypes.STR, description="Add this term's p-chart."),
]


def report_reader(request: Request) -> Actor:
    """The signed-in director or auditor (anyone else was refused with a 401 or 403)."""
    require_report_reader(request.user)
    return cast(Actor, request.user)


class SafetySummaryApi(APIView):
    """Figures, breakdown tables, p-charts, funnel and signals for the chosen filters, and
    each term's rate beside its published reference with an exact test.

    For medical directors and auditors, over the sites they may see.
    """

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: SafetySummarySerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: OpenApiResponse(
                ERRORS[403].response, description="Not a medical director or auditor."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        reader = report_reader(request)
        try:
            filters = ReportFilters.from_query(
                request.query_params, user=reader, options=("chart_term",)
            )
            chart_term = term_option(request.query_params, "chart_term")
        except InvalidFilters as error:
            raise ValidationError(error.errors) from None
        summary = safety_summary(reader, filters)
        access_log_list(
            actor=reader,
            request=request,
            object_type="reporting.safety_summary",
            row_count=summary.events,
            filters=filters.as_dict(),
            extra={"sessions": summary.sessions},
        )
        context = {
            "term_p_chart": summary.p_chart_for_term(chart_term) if chart_term else None,
            "reference_rates": reference_comparison(reader, filters),
        }
        return Response(SafetySummarySerializer(summary, context=context).data)


class BenefitRiskApi(APIView):
    """Response and remission by session 6 beside the AE rates, by drug, route and dose band
    (add `by=site` to split by site), with exact intervals and the counting rules.

    For medical directors and auditors, over the sites they may see.
    """

    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS[:-1],
            OpenApiParameter("by", OpenApiTypes.STR, enum=["site"], description="Split by site."),
        ],
        responses={
            200: BenefitRiskSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: OpenApiResponse(
                ERRORS[403].response, description="Not a medical director or auditor."
            ),
        },
    )
    def get(self, request: Request) -> Response:
        reader = report_reader(request)
        try:
            filters = ReportFilters.from_query(request.query_params, user=reader, options=("by",))
        except InvalidFilters as error:
            raise ValidationError(error.errors) from None
        by = request.query_params.get("by", "")
        if by not in ("", "site"):
            raise ValidationError({"by": "Only 'site' is accepted."})
        result = benefit_risk(reader, filters, by_site=by == "site")
        access_log_list(
            actor=reader,
            request=request,
            object_type="reporting.benefit_risk",
            row_count=len(result.table),
            filters=filters.as_dict(),
        )
        body = {
            "rows": table_records(export_frame(result)),
            "counting_rules": list(result.rules),
            "by_site": result.by_site,
        }
        return Response(BenefitRiskSerializer(body).data)
