"""OpenAPI pieces shared by the endpoints: the error bodies, the concurrency and idempotency
headers, and `api_schema(...)`, which documents one operation with every error it can return."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": (
        "One key per refused field (or header), each with the reasons; `non_field_errors` "
        "for rules that span fields; `detail` when the body itself cannot be read."
    ),
    "properties": {
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
        "detail": {"type": "string"},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"systolic": ["Must be between 40 and 300."], "colour": ["Unknown field."]},
}
_STALE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "current_version": {"type": "integer"},
        "changed_by": {"type": "string"},
        "changed_at": {"type": "string", "format": "date-time", "nullable": True},
    },
    "required": ["detail", "current_version"],
}

_POSSIBLE_DUPLICATE = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "duplicate_of": {
            "type": "integer",
            "description": "The id of the event on file it most likely duplicates.",
        },
        "candidates": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Every event on file it looks like, earliest onset first.",
        },
    },
    "required": ["detail", "duplicate_of", "candidates"],
}

ERRORS = {
    400: OpenApiResponse(_FIELD_ERRORS, description="Invalid input, naming each field and why."),
    401: OpenApiResponse(_DETAIL, description="Not authenticated (token or session)."),
    403: OpenApiResponse(_DETAIL, description="Your role does not allow this action."),
    404: OpenApiResponse(_DETAIL, description="No such record, or at a site you cannot see."),
    409: OpenApiResponse(
        _POSSIBLE_DUPLICATE,
        description=(
            "Likely a duplicate of an event on file: check it, then send again with "
            "`confirm_not_duplicate: true` to file it anyway."
        ),
    ),
    412: OpenApiResponse(
        _STALE, description="If-Match names an older version: who changed it and when."
    ),
    413: OpenApiResponse(_DETAIL, description="The body is larger than the server accepts."),
    415: OpenApiResponse(_DETAIL, description="The body is not application/json."),
    422: OpenApiResponse(
        _DETAIL, description="This Idempotency-Key was used before with another request."
    ),
    428: OpenApiResponse(_DETAIL, description="If-Match is required to change a record."),
    429: OpenApiResponse(
        {**_DETAIL, "properties": {"detail": {"type": "string"}, "code": {"type": "string"}}},
        description="Too many attempts: wait `Retry-After` seconds, then try again.",
    ),
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    # What `events.api.concurrency.if_match_version` reads (it also forgives spaces around).
    pattern=r'^(W/)?"?[0-9]{1,9}"?$',
    description='The ETag of the version you read, e.g. "3". Missing: 428; stale: 412.',
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Up to 100 printable ASCII characters, unique per request you mean. A retry with the "
        "same key and body returns the first response and creates nothing; the same key with "
        "another body is a 422."
    ),
)


def _etag_header(status: int) -> OpenApiParameter:
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[status],
        description='The record\'s version as an entity tag, e.g. "3"; send it back as If-Match.',
    )


READ_ERRORS = (401, 403, 404)
WRITE_ERRORS = (400, 401, 403, 404, 413, 415)
UPDATE_ERRORS = (*WRITE_ERRORS, 412, 428)


def api_schema(
    *,
    summary: str,
    response=None,
    status: int = 200,
    request=None,
    errors=READ_ERRORS,
    etag: bool = False,
    if_match: bool = False,
    idempotent: bool = False,
    parameters: list | None = None,
    tags: list[str] | None = None,
    description: str = "",
    operation_id: str | None = None,
):
    """`extend_schema` for one operation: its success response and every error it returns.
    `operation_id` names an operation whose generated name would collide (a list view that
    is not a viewset's `list`)."""
    success = OpenApiResponse(response)
    codes = set(errors) | ({422} if idempotent else set())
    headers = [IF_MATCH] if if_match else []
    headers += [IDEMPOTENCY_KEY] if idempotent else []
    headers += [_etag_header(status)] if etag else []
    return extend_schema(
        summary=summary,
        description=description or None,
        request=request,
        responses={status: success, **{code: ERRORS[code] for code in sorted(codes)}},
        parameters=[*headers, *(parameters or [])],
        tags=tags,
        operation_id=operation_id,
    )
