"""Validation of free text typed by people: plain text only.

Clinical text may contain "<" ("SpO2 <88%"), so only what reads as markup is refused: HTML
tags, template syntax, and the Unicode controls that reorder how text is displayed (a
"right-to-left override" can make a record read differently from what is stored).
Everything is escaped on output as well; this keeps such text out of the record itself.
"""

import re

from django.core.exceptions import ValidationError

_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]|\{\{|\{%|\{#")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def validate_plain_text(value: str) -> None:
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise ValidationError("Text cannot contain NUL characters.", code="nul")
    if _BIDI_CONTROLS.search(value):
        raise ValidationError(
            "Text cannot contain direction-override characters (U+202A-U+202E, U+2066-U+2069).",
            code="bidi",
        )
    if _MARKUP.search(value):
        raise ValidationError(
            "Write plain text: HTML tags and template syntax ({{ }}, {% %}) are not accepted.",
            code="markup",
        )
