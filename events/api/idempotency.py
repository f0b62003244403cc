"""`Idempotency-Key` on creating POSTs: a retry gets the first response and creates nothing."""

import re
from collections.abc import Callable

from rest_framework.exceptions import ParseError
from rest_framework.response import Response

from events.services.idempotency import idempotent_call, request_fingerprint

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, as long as the stored key


def idempotent_response(
    request, perform: Callable[[], Response], *, fingerprint_body=None
) -> Response:
    """Run `perform` once per key and user; replay its status and body for the same
    request, refuse (422) the same key with another path or body.

    `fingerprint_body` stands for the body when the body is not JSON (a multipart upload
    is fingerprinted by its fields and the file's hash). Without the header the request
    simply runs. The response and the record of the key
    are written in one transaction, so a failed request (4xx) leaves the key unused.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return perform()
    if not _KEY.match(key):
        raise ParseError(f"{HEADER} must be 1 to 100 printable ASCII characters.")
    headers: dict[str, str] = {}

    def run() -> tuple[int, dict]:
        response = perform()
        headers.update({k: v for k, v in response.items() if k in ("ETag", "Location")})
        return response.status_code, response.data

    body = request.data if fingerprint_body is None else fingerprint_body
    fingerprint = request_fingerprint({"path": request.path, "body": body})
    result = idempotent_call(user=request.user, key=key, fingerprint=fingerprint, perform=run)
    response = Response(result.body, status=result.status, headers=headers or None)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
        version = result.body.get("version") if isinstance(result.body, dict) else None
        if version is not None:
            response["ETag"] = f'"{version}"'
    return response
