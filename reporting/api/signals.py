"""JSON API of the signals and their reviews (the web side is `reporting.signal_views`).

- `GET signals/?<filters>`: every signal of the report with these filters, each with its
  review state (open, or the latest assessment). Directors and auditors.
- `GET signals/<key>/?<filters>`: one signal and its review; the ETag is the review's version.
- `POST signals/<key>/review/?<filters>`: a medical director of every site the report covers
  records an assessment (no concern, monitor, action) with a reason. A later assessment must
  send `If-Match` with the version read (428 without, 412 if it moved on). An
  `Idempotency-Key` makes a retry replay the first response. Auditors read only (403).

A signal exists only under the filters that raise it, so every call takes the report's
filters (`reporting.filters.ReportFilters`), and the signal's sites are the report's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import Actor, access_log_list, access_log_view
from events.api.concurrency import if_match_version
from events.api.idempotency import idempotent_response
from events.api.schema import READ_ERRORS, UPDATE_ERRORS, api_schema
from events.api.views.base import ApiView, validated
from reporting.api.serializers import (
    SignalOutputSerializer,
    SignalReviewInputSerializer,
    SignalReviewOutputSerializer,
)
from reporting.api.views import FILTER_PARAMETERS, report_reader
from reporting.filters import InvalidFilters, ReportFilters
from reporting.models import SignalReview
from reporting.selectors import (
    report_sites,
    safety_summary,
    signal_reviews,
)
from reporting.services import signal_review_record
from reporting.signal_detection import Signal

TAGS = ["reporting"]
SIGNAL_FILTERS = [p for p in FILTER_PARAMETERS if p.name != "chart_term"]
KEY = OpenApiParameter(
    "key", str, OpenApiParameter.PATH, description="The signal's key, as listed."
)


def _signal_data(signal: Signal, review: SignalReview | None) -> dict[str, Any]:
    return {
        **signal.as_dict(),
        "state": "reviewed" if review else "open",
        "review": SignalReviewOutputSerializer(review).data if review else None,
    }


def _filters(request: Request, reader: Actor) -> ReportFilters:
    try:
        return ReportFilters.from_query(request.query_params, user=reader)
    except InvalidFilters as error:
        raise ValidationError(error.errors) from None


def _one_signal(reader: Actor, filters: ReportFilters, key: str) -> Signal:
    signals = safety_summary(reader, filters).signals
    signal = next((s for s in signals if s.key == key), None)
    if signal is None:
        raise Http404("No such signal under these filters.")
    return signal


def _with_review_etag(response: Response, review: SignalReview | None) -> Response:
    if review is not None:
        response["ETag"] = f'"{review.version}"'
    return response


class SignalListApi(ApiView):
    @api_schema(
        summary="List the signals of a report, open or reviewed (directors and auditors)",
        response=SignalOutputSerializer(many=True),
        errors=(400, *READ_ERRORS),
        parameters=SIGNAL_FILTERS,
        tags=TAGS,
        operation_id="v1_reporting_signals_list",
    )
    def get(self, request: Request) -> Response:
        reader = report_reader(request)
        filters = _filters(request, reader)
        signals = safety_summary(reader, filters).signals
        reviews = signal_reviews(reader, [signal.key for signal in signals])
        access_log_list(
            actor=reader,
            request=request,
            object_type="reporting.signal",
            row_count=len(signals),
            filters=filters.as_dict(),
        )
        return Response([_signal_data(s, reviews.get(s.key)) for s in signals])


class SignalDetailApi(ApiView):
    @api_schema(
        summary="Read one signal and its review; the ETag is the review's version",
        response=SignalOutputSerializer,
        errors=(400, *READ_ERRORS),
        etag=True,
        parameters=[KEY, *SIGNAL_FILTERS],
        tags=TAGS,
    )
    def get(self, request: Request, key: str) -> Response:
        reader = report_reader(request)
        filters = _filters(request, reader)
        signal = _one_signal(reader, filters, key)
        review = signal_reviews(reader, [key]).get(key)
        access_log_view(
            actor=reader,
            request=request,
            object_type="reporting.signal",
            filters=filters.as_dict(),
            extra={"key": key},
        )
        return _with_review_etag(Response(_signal_data(signal, review)), review)


class SignalReviewApi(ApiView):
    @api_schema(
        summary="Record a director's assessment of a signal, with a reason",
        request=SignalReviewInputSerializer,
        response=SignalOutputSerializer,
        status=201,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        idempotent=True,
        parameters=[KEY, *SIGNAL_FILTERS],
        tags=TAGS,
        description=(
            "Medical directors of every site the report covers. The first assessment "
            "creates the review (no If-Match needed); a later one must send If-Match with "
            "the version it read."
        ),
    )
    def post(self, request: Request, key: str) -> Response:
        director = report_reader(request)

        def perform() -> Response:
            filters = _filters(request, director)
            data = validated(SignalReviewInputSerializer, request)
            signal = _one_signal(director, filters, key)
            review = signal_review_record(
                signal=signal,
                site_ids=[site["id"] for site in report_sites(director, filters)],
                actor=director,
                assessment=data["assessment"],
                reason=data["reason"],
                expected_version=if_match_version(request),
            )
            response = Response(_signal_data(signal, review), status=status.HTTP_201_CREATED)
            return _with_review_etag(response, review)

        return idempotent_response(request, perform)
