"""A JSON parser that turns every malformed body into a 400, never a 500."""

import codecs
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a list inside an object; 32 leaves room.
MAX_DEPTH = 32


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid JSON number")


def _depth(value, limit: int) -> int:
    """Nesting depth of parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            break
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


class SafeJSONParser(JSONParser):
    """JSON bodies only: bounded in size and depth, no NaN or Infinity, valid UTF-8."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            # Django refuses a declared oversize body first; this catches an undeclared one.
            raise RequestDataTooBig(f"The request body is larger than {limit} bytes.")
        try:
            text = codecs.decode(raw, "utf-8")
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            # RecursionError: a body nested thousands deep, refused before it costs more.
            raise ParseError(f"JSON parse error - {str(exc)[:200]}") from None
        if _depth(data, MAX_DEPTH) > MAX_DEPTH:
            raise ParseError(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
        return data
