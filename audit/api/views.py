"""The audit API under /api/v1/audit/: read-only, for auditors and medical directors.

Only GET is routed: every write method is refused (403 for users who may not read the
ledger at all, 405 for those who may).
"""

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors
from audit.api.serializers import (
    AccessLogPageSerializer,
    LogPageSerializer,
    RecordHistorySerializer,
    VerificationStatusSerializer,
)
from audit.chain import chain_heads
from audit.forms import AccessLogFilterForm, LogFilterForm
from audit.policy import ledger_policy
from audit.services import access_log_search, access_log_view, actor_of

MAX_PAGE_SIZE = 500
_DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
REFUSED = {
    401: OpenApiResponse(_DETAIL, description="Not authenticated (token or session)."),
    403: OpenApiResponse(_DETAIL, description="Not an auditor or medical director."),
    404: OpenApiResponse(description="No such record, or a record at another site."),
}
FILTER_PARAMETERS = [
    OpenApiParameter("user", str, description="Username."),
    OpenApiParameter("site", int, description="Site id."),
    OpenApiParameter("model", str, description="Record type, e.g. events.adverseevent."),
    OpenApiParameter("action", str, description="+ ~ - for history; an access action."),
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this UTC day."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="To this UTC day, included."),
    OpenApiParameter("cursor", str, description="`next_cursor` of the previous page."),
    OpenApiParameter("page_size", int, description=f"1 to {MAX_PAGE_SIZE} (default 50)."),
]


class IsLedgerReader(permissions.BasePermission):
    message = "The audit trail is open to auditors and medical directors."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return ledger_policy().can_read(request.user)


class AuditApi(APIView):
    permission_classes = [permissions.IsAuthenticated, IsLedgerReader]


class RecordHistoryApi(AuditApi):
    @extend_schema(responses={200: RecordHistorySerializer, **REFUSED})
    def get(self, request: Request, label: str, pk: int) -> Response:
        model = selectors.audited_model(label)
        site_id = selectors.require_record_visible(request.user, model, pk)
        zone = selectors.site_zone(site_id)
        versions = selectors.record_trail(model, pk, zone=zone)
        access_log_view(
            actor=actor_of(request.user),
            request=request,
            object_type=model._meta.label_lower,
            object_id=pk,
            site_id=site_id,
            row_count=len(versions),
        )
        data = {
            "record": model._meta.label_lower,
            "record_id": pk,
            "site_timezone": str(zone) if zone else None,
            "versions": versions,
        }
        return Response(RecordHistorySerializer(data).data)


def _page(
    request: Request,
    form_class: type[LogFilterForm],
    page_function: Callable[..., tuple[list[Any], str]],
    serializer_class: type[serializers.Serializer[Any]],
    object_type: str,
) -> Response:
    form = form_class(request.query_params, site_choices=ledger_policy().site_choices(request.user))
    if not form.is_valid():
        raise ValidationError(form.errors.get_json_data())
    filters = form.filters()
    try:
        page_size = int(request.query_params.get("page_size", selectors.PAGE_SIZE))
    except ValueError:
        page_size = 0
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]})
    try:
        entries, next_cursor = page_function(
            request.user,
            filters,
            cursor=request.query_params.get("cursor", ""),
            page_size=page_size,
        )
    except selectors.InvalidCursor as error:
        raise ValidationError({"cursor": [str(error)]}) from error
    access_log_search(
        actor=actor_of(request.user),
        request=request,
        object_type=object_type,
        row_count=len(entries),
        filters=filters.as_dict(),
    )
    next_url = None
    if next_cursor:
        query = request.query_params.copy()
        query["cursor"] = next_cursor
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    page = {"results": entries, "next_cursor": next_cursor, "next": next_url}
    return Response(serializer_class(page).data)


class AuditLogApi(AuditApi):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: LogPageSerializer,
            400: OpenApiResponse(description="Bad filter"),
            **REFUSED,
        },
    )
    def get(self, request: Request) -> Response:
        return _page(
            request, LogFilterForm, selectors.audit_log_page, LogPageSerializer, "audit.log"
        )


class AccessLogApi(AuditApi):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses={
            200: AccessLogPageSerializer,
            400: OpenApiResponse(description="Bad filter"),
            **REFUSED,
        },
    )
    def get(self, request: Request) -> Response:
        return _page(
            request,
            AccessLogFilterForm,
            selectors.access_log_page,
            AccessLogPageSerializer,
            "audit.accesslog",
        )


class VerificationStatusApi(AuditApi):
    @extend_schema(responses={200: VerificationStatusSerializer, **REFUSED})
    def get(self, request: Request) -> Response:
        data = {"last_run": selectors.last_verification_run(), "heads": chain_heads()}
        return Response(VerificationStatusSerializer(data).data)
