"""API error responses: JSON naming each field and why, never a 500 for bad input.

Shapes (documented in the OpenAPI schema through `events.api.schema`):
- 400: `{"<field>": ["why", ...], "non_field_errors": [...]}` for validation errors, or
  `{"detail": "..."}` for an unreadable body or header;
- 401, 403, 404, 413, 415: `{"detail": "..."}`;
- 409: `{"detail", "duplicate_of", "candidates"}`: likely a duplicate of an event on file;
- 412: `{"detail", "current_version", "changed_by", "changed_at"}`: the record moved on;
- 422: `{"detail": "..."}`: an `Idempotency-Key` reused with another request;
- 428: `{"detail": "..."}`: an update without `If-Match`;
- 429: `{"detail": "..."}` with `Retry-After` when known: too many attempts.

`ApiErrorBodyMiddleware` gives the 413 and 429 answered outside DRF's views (Django's body
limit, the login lockout) the same JSON body under /api/.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from events.services.common import StaleVersionError
from events.services.duplicates import PossibleDuplicateError
from events.services.idempotency import IdempotencyKeyReused

IF_MATCH_REQUIRED = (
    "This request changes a record, so it needs an If-Match header with the ETag of the "
    "version you read (GET the record first)."
)


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = IF_MATCH_REQUIRED
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _django_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [m for e in errs for m in e]
            for field, errs in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def printable(value):
    """The same structure with lone surrogates replaced, so an error that quotes the
    client's input (a key, a bad choice) can always be encoded as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def _stale_response(exc: StaleVersionError) -> Response:
    if exc.expected_version is None:
        # The view passes no version only when the client sent no If-Match header: the
        # service found that out under the row lock, after its role check.
        return Response({"detail": IF_MATCH_REQUIRED}, status=status.HTTP_428_PRECONDITION_REQUIRED)
    return Response(
        {
            "detail": exc.message,
            "current_version": exc.current_version,
            "changed_by": exc.changed_by,
            "changed_at": exc.changed_at,
        },
        status=status.HTTP_412_PRECONDITION_FAILED,
    )


def _possible_duplicate_response(exc: PossibleDuplicateError) -> Response:
    ids = [event.pk for event in exc.candidates]
    return Response(
        {"detail": str(exc), "duplicate_of": ids[0], "candidates": ids},
        status=status.HTTP_409_CONFLICT,
    )


def exception_handler(exc, context):
    if isinstance(exc, StaleVersionError):
        return _stale_response(exc)
    if isinstance(exc, PossibleDuplicateError):
        return _possible_duplicate_response(exc)
    if isinstance(exc, DjangoValidationError):
        return Response(printable(_django_errors(exc)), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IdempotencyKeyReused):
        exc = IdempotencyConflict(str(exc))
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None:
        response.data = printable(response.data)
    return response


def not_found(request, exception=None):
    """An address no route matches (e.g. a negative id): JSON under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


OUTSIDE_DRF_DETAILS = {
    413: "The request body is larger than the server accepts.",
    429: "Too many attempts. Wait, then try again.",
}


class ApiErrorBodyMiddleware:
    """Under /api/, a 413 or 429 that is not JSON becomes `{"detail": ...}` with its headers
    (`Retry-After`) kept, and a body over Django's limit is a 413, not Django's HTML 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code not in OUTSIDE_DRF_DETAILS:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._json(response.status_code, response)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if request.path.startswith("/api/") and isinstance(exception, RequestDataTooBig):
            return self._json(413)
        return None

    @staticmethod
    def _json(status_code: int, original: HttpResponse | None = None) -> JsonResponse:
        response = JsonResponse({"detail": OUTSIDE_DRF_DETAILS[status_code]}, status=status_code)
        if original is not None and original.has_header("Retry-After"):
            response["Retry-After"] = original["Retry-After"]
        return response
