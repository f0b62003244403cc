"""Optimistic concurrency over HTTP: `ETag` out, `If-Match` in.

A record's ETag is its version number as a strong entity tag (`"7"`): it names the version
of the record, which is what a client based its edit on. Every update and lifecycle action
reads `If-Match` and hands the version to the service, which compares it under a row lock:
no header is a 428, another version a 412 (both from `events.api.errors`).
"""

import re

from rest_framework.exceptions import ParseError
from rest_framework.response import Response

_ENTITY_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def etag(instance) -> str:
    return f'"{instance.version}"'


def if_match_version(request) -> int | None:
    """The version named by `If-Match`, or `None` when the header is absent.

    A weak tag (`W/"7"`) and a bare number are accepted too; anything else is a 400, so a
    typo is not mistaken for someone else's edit.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _ENTITY_TAG.match(header)
    if match is None:
        raise ParseError('If-Match must be the ETag of the record, e.g. "3".')
    return int(match.group(1))


def with_etag(response: Response, instance) -> Response:
    response["ETag"] = etag(instance)
    return response
