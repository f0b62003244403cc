"""Opens an audit context for each HTTP request and returns its id as `X-Request-ID`."""

from audit.context import audit_context


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "web"
        with audit_context(source) as context:
            request.request_id = context.request_id
            response = self.get_response(request)
        response["X-Request-ID"] = context.request_id
        return response
