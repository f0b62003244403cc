"""What every API view shares: authentication (token first, so an anonymous client gets a
401 with `WWW-Authenticate: Token`), the strict JSON parser, validation through an input
serializer, responses that carry the record's ETag, one record read or changed by a versioned
action (`RecordApi`), and scoped, paginated, logged lists."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from rest_framework import generics, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.pagination import BasePagination
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from audit.services import Actor, access_log_list, access_log_view, actor_of
from events.accounts.authentication import ApiTokenAuthentication
from events.api.concurrency import if_match_version, with_etag
from events.api.pagination import ApiPagination
from events.api.parsers import SafeJSONParser
from events.api.serializers.base import NoBodySerializer

RecordT = TypeVar("RecordT", bound=models.Model)


class ApiMixin:
    authentication_classes: Sequence[type[BaseAuthentication]] = [
        ApiTokenAuthentication,
        SessionAuthentication,
    ]
    parser_classes: Sequence[type[BaseParser]] = [SafeJSONParser]


class ApiView(ApiMixin, APIView):
    """One resource or one action; each handler validates, calls a selector or a service,
    and renders."""


def validated(serializer_class, request, *, partial: bool = False) -> dict:
    """The request body checked by `serializer_class` (a 400 naming each field if not)."""
    serializer = serializer_class(data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def record_response(
    serializer_class, instance, request, *, status_code: int = status.HTTP_200_OK, location=""
) -> Response:
    """One record, with its version as the ETag (and its address when just created)."""
    response = Response(
        serializer_class(instance, context={"request": request}).data, status=status_code
    )
    if location:
        response["Location"] = location
    return with_etag(response, instance)


@dataclass(frozen=True)
class Action(Generic[RecordT]):
    """What a versioned action hands its service: the record found in the user's scope, the
    validated body, who acts, and the version `If-Match` names (None: the header is absent)."""

    record: RecordT
    data: dict[str, Any]
    actor: Actor
    expected_version: int | None

    @property
    def reason(self) -> str:
        return str(self.data.get("reason", ""))

    def arguments(self, name: str) -> dict[str, Any]:
        """What every versioned service takes: the record (under the service's name for it),
        who acts, and the expected version."""
        return {name: self.record, "actor": self.actor, "expected_version": self.expected_version}

    @property
    def fields(self) -> dict[str, Any]:
        """The body without its reason: the fields an update changes."""
        return {name: value for name, value in self.data.items() if name != "reason"}


class RecordApi(ApiView, Generic[RecordT]):
    """One record read, or changed by a versioned action.

    `read` finds the record in the user's scope (`get_record`, a scoped selector: another
    site's record is a 404), writes the access-log row and answers with it and its ETag.
    `act` finds it the same way, validates the body (`input_serializer`), hands the data and
    the `If-Match` version to `perform` (a service, which compares the version under a row
    lock), and answers with the new representation and its ETag. Errors become responses in
    `events.api.errors`: an invalid body 400, no `If-Match` 428, another version 412, a rule
    of the service 400 or 409, as for every view.

    A subclass's handlers carry its schema and call `read` or `act`.
    """

    input_serializer: type[BaseSerializer[Any]] = NoBodySerializer
    output_serializer: type[BaseSerializer[Any]]

    def get_record(self, actor: Actor, pk: int) -> RecordT:
        raise NotImplementedError

    def perform(self, action: Action[RecordT]) -> RecordT:
        """Call the action's service; return the record as the response shows it."""
        raise NotImplementedError

    def read(self, request: Request, pk: int) -> Response:
        actor = actor_of(request.user)
        record = self.get_record(actor, pk)
        access_log_view(actor=actor, request=request, record=record)
        return record_response(self.output_serializer, record, request)

    def act(self, request: Request, pk: int, *, partial: bool = False) -> Response:
        actor = actor_of(request.user)
        record = self.get_record(actor, pk)
        data = validated(self.input_serializer, request, partial=partial)
        action = Action(record, data, actor, if_match_version(request))
        return record_response(self.output_serializer, self.perform(action), request)


class ScopedListApi(ApiMixin, generics.ListAPIView):
    """A paginated, filtered list over a selector's queryset (already scoped to the user's
    sites). Lists of patient data write one access-log row with the filters and count."""

    filter_backends = [DjangoFilterBackend]
    pagination_class: type[BasePagination] | None = ApiPagination
    filterset_class: type[FilterSet] | None = None
    access_object_type = ""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: there is no user and no URL to scope by.
            return self.serializer_class.Meta.model.objects.none()
        return self.select()

    def select(self):
        """The records to list, from a selector scoped to the user's sites."""
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if self.access_object_type:
            filters = self.applied_filters()
            site = filters.get("site")
            access_log_list(
                actor=request.user,
                request=request,
                object_type=self.access_object_type,
                site_id=int(site) if isinstance(site, str) and site.isdigit() else None,
                row_count=self.paginator.page.paginator.count,
                filters=filters,
            )
        return response

    def applied_filters(self) -> dict:
        declared: dict[str, Any] = self.filterset_class.base_filters if self.filterset_class else {}
        params = self.request.query_params
        filters = {name: params[name] for name in declared if params.get(name, "") != ""}
        return {**self.kwargs, **filters}
