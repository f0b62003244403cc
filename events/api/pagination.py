"""Page-number pagination for every list: `?page=2&page_size=100` (at most 200); keyset
pagination for the review queue, which must stay quick and stable at any length."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from events import queue_cursor
from events.selectors import END


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_schema_operation_parameters(self, view):
        # Declare the bounds the paginator enforces, so clients (and schema tests) know them.
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        # A page that does not exist is a bad parameter (400 naming it), not a missing list.
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise ValidationError({self.page_query_param: [str(error.detail)]}) from error


class ReviewQueuePagination(BasePagination):
    """Keyset pages of the review queue: `?cursor=...&page_size=100` (at most 200). Each page
    links to the next, the previous and the last; a page stays put while events are filed
    and reviewed, and the last page is as quick as the first (`events.selectors.ReviewQueue`)."""

    page_size = ApiPagination.page_size
    max_page_size = ApiPagination.max_page_size
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.count = queryset.count()
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param, "")
        try:
            position, backward = queue_cursor.decode(raw) if raw else (None, False)
        except ValueError as error:
            raise ValidationError({self.cursor_query_param: [str(error)]}) from None
        if backward:
            self.page = queryset.page(size=size, before=position)
        else:
            self.page = queryset.page(size=size, after=position)
        return self.page.events

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def _link(self, position, *, backward: bool) -> str:
        cursor = queue_cursor.encode(position, backward=backward)
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "count": self.count,
                "next": self._link(page.last, backward=False) if page.has_next else None,
                "previous": self._link(page.first, backward=True) if page.has_previous else None,
                "last": self._link(END, backward=True) if self.count else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "last", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": link,
                "previous": link,
                "last": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "An opaque cursor from a `next`, `previous` or `last` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Events per page (1 to {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
