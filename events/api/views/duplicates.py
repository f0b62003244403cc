"""Likely duplicates for directors: the list of pairs, voiding one of a pair as a duplicate
of the other, and marking a pair "not a duplicate"."""

from typing import cast

from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import Actor, access_log_list
from events.access import DIRECTORS, has_role
from events.api.concurrency import if_match_version
from events.api.idempotency import idempotent_response
from events.api.schema import UPDATE_ERRORS, WRITE_ERRORS, api_schema
from events.api.serializers.adverse_events import AdverseEventDetailOutputSerializer
from events.api.serializers.duplicates import (
    DuplicateDismissalOutputSerializer,
    DuplicateDismissInputSerializer,
    DuplicatePairOutputSerializer,
    DuplicateVoidInputSerializer,
)
from events.api.views.base import ApiView, record_response, validated
from events.duplicates import PAIR_LIST_LIMIT, likely_duplicate_pairs
from events.models import AdverseEvent
from events.services.duplicate_pairs import duplicate_pair_dismiss, duplicate_resolve_by_void

TAGS = ["duplicates"]


def _require_director(request: Request) -> Actor:
    """The authenticated director (a 403 for anyone else)."""
    if not has_role(request.user, *DIRECTORS):
        raise PermissionDenied("The list of likely duplicates is for medical directors.")
    return cast(Actor, request.user)


class DuplicatePairListApi(ApiView):
    @api_schema(
        summary="Likely duplicate pairs at the sites you direct, latest onset first",
        description=f"At most {PAIR_LIST_LIMIT} pairs; resolving them brings the next ones.",
        response=inline_serializer(
            "DuplicatePairList",
            {
                "count": serializers.IntegerField(),
                "results": DuplicatePairOutputSerializer(many=True),
            },
        ),
        errors=(401, 403),
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        director = _require_director(request)
        pairs = likely_duplicate_pairs(director)
        access_log_list(
            actor=director,
            request=request,
            object_type=AdverseEvent._meta.label_lower,
            row_count=2 * len(pairs),
            filters={"likely_duplicates": True},
        )
        context = {"request": request}
        results = DuplicatePairOutputSerializer(pairs, many=True, context=context).data
        return Response({"count": len(pairs), "results": results})


class DuplicateVoidApi(ApiView):
    @api_schema(
        summary="Void one event of a pair as a duplicate of the other (directors)",
        description=(
            'The voided event\'s reason reads "duplicate of #N". If-Match carries the ETag '
            "of the event to void."
        ),
        request=DuplicateVoidInputSerializer,
        response=AdverseEventDetailOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        director = _require_director(request)
        data = validated(DuplicateVoidInputSerializer, request)
        event = duplicate_resolve_by_void(
            actor=director,
            void=data["void"],
            keep=data["keep"],
            expected_version=if_match_version(request),
        )
        return record_response(AdverseEventDetailOutputSerializer, event, request)


class DuplicateDismissApi(ApiView):
    @api_schema(
        summary='Mark a pair "not a duplicate" so it leaves the list (directors)',
        request=DuplicateDismissInputSerializer,
        response=DuplicateDismissalOutputSerializer,
        status=201,
        errors=WRITE_ERRORS,
        idempotent=True,
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        director = _require_director(request)

        def perform() -> Response:
            data = validated(DuplicateDismissInputSerializer, request)
            dismissal = duplicate_pair_dismiss(
                actor=director,
                first=data["first_event"],
                second=data["second_event"],
                reason=data.get("reason", ""),
            )
            body = DuplicateDismissalOutputSerializer(dismissal, context={"request": request})
            return Response(
                body.data,
                status=status.HTTP_201_CREATED,
                headers={"Location": reverse("api:duplicate-list")},
            )

        return idempotent_response(request, perform)
