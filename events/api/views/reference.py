"""The event vocabulary (read-only) and the sites with their alert thresholds."""

from django.http import Http404
from rest_framework.response import Response

from events.api.filters import EventTermFilter
from events.api.schema import UPDATE_ERRORS, api_schema
from events.api.serializers.reference import (
    EventTermOutputSerializer,
    SiteOutputSerializer,
    SiteThresholdsInputSerializer,
)
from events.api.views.base import ApiView, RecordApi, ScopedListApi, record_response
from events.models import Site
from events.selectors import site_get, site_list, term_list
from events.services.sites import site_thresholds_update


class EventTermListApi(ScopedListApi):
    serializer_class = EventTermOutputSerializer
    filterset_class = EventTermFilter

    def select(self):
        return term_list()

    @api_schema(
        summary="List the active event terms with their CTCAE grade wording",
        response=EventTermOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=["terms"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class EventTermDetailApi(ApiView):
    @api_schema(
        summary="Read a term by its code", response=EventTermOutputSerializer, tags=["terms"]
    )
    def get(self, request, code):
        term = term_list(active_only=False).filter(code=code).first()
        if term is None:
            raise Http404("No such term.")
        return Response(EventTermOutputSerializer(term).data)


class SiteListApi(ScopedListApi):
    serializer_class = SiteOutputSerializer

    def select(self):
        return site_list(self.request.user)

    @api_schema(
        summary="List your sites with their alert thresholds",
        response=SiteOutputSerializer(many=True),
        errors=(400, 401, 403),
        tags=["sites"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SiteDetailApi(ApiView):
    @api_schema(
        summary="Read a site and its thresholds",
        response=SiteOutputSerializer,
        etag=True,
        tags=["sites"],
    )
    def get(self, request, pk):
        return record_response(SiteOutputSerializer, site_get(request.user, pk), request)


class SiteThresholdsApi(RecordApi[Site]):
    input_serializer = SiteThresholdsInputSerializer
    output_serializer = SiteOutputSerializer

    def get_record(self, actor, pk):
        return site_get(actor, pk)

    def perform(self, action):
        return site_thresholds_update(
            **action.arguments("site"), data=action.fields, reason=action.reason
        )

    @api_schema(
        summary="Change every alert threshold of a site (directors)",
        request=SiteThresholdsInputSerializer,
        response=SiteOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["sites"],
    )
    def put(self, request, pk):
        return self.act(request, pk)

    @api_schema(
        summary="Change some alert thresholds of a site (directors)",
        request=SiteThresholdsInputSerializer,
        response=SiteOutputSerializer,
        errors=UPDATE_ERRORS,
        etag=True,
        if_match=True,
        tags=["sites"],
    )
    def patch(self, request, pk):
        return self.act(request, pk, partial=True)
