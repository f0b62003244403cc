"""Opens an audit context for each HTTP request and returns its id as `X-Request-ID`."""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from audit.context import audit_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(source) as context:
            request.request_id = context.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = context.request_id
        return response
