"""The steps of an event's questions, answers, comments and attachments, for the event's
audit trail: every history row of each, oldest first, with who, when, why and what."""

from datetime import datetime
from typing import Any

from django.db import models
from django.template.defaultfilters import filesizeformat

from events.inquiries.models import Answer, Attachment, Comment, Question

RECORDS: tuple[tuple[type[models.Model], str], ...] = (
    (Question, "Question"),
    (Answer, "Answer"),
    (Comment, "Comment"),
    (Attachment, "Attachment"),
)
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def _excerpt(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _what(kind: str, row: Any) -> str:
    if kind == "Question":
        return (
            f"{row.get_status_display()} \u00b7 to {row.get_addressed_to_display().lower()}: "
            + _excerpt(row.text)
        )
    if kind == "Answer":
        return f"to question {row.question_id}: {_excerpt(row.text)}"
    if kind == "Comment":
        return ("Voided \u00b7 " if row.is_voided else "") + _excerpt(row.text)
    size = filesizeformat(row.size_bytes)
    state = "Voided \u00b7 " if row.is_voided else ""
    given = f" \u00b7 with answer {row.answer_id}" if row.answer_id else ""
    return f"{state}{row.name} ({row.content_type}, {size}) sha256 {row.sha256}{given}"


def event_trail_steps(event_id: int) -> list[dict[str, Any]]:
    """One entry per history row of the event's questions, answers, comments and
    attachments, in the order they were written."""
    steps: list[tuple[datetime, int, dict[str, Any]]] = []
    for model, kind in RECORDS:
        history = model.history.filter(event_id=event_id).order_by("history_id")  # type: ignore[attr-defined]
        for row in history:
            steps.append(
                (
                    row.history_date,
                    row.history_id,
                    {
                        "at": row.history_date,
                        "record": f"{kind} {row.id}",
                        "label": model._meta.label_lower,
                        "pk": row.id,
                        "version": row.version,
                        "action": ACTIONS.get(row.history_type, row.history_type),
                        "user": row.history_user_name,
                        "reason": row.history_change_reason or "",
                        "what": _what(kind, row),
                    },
                )
            )
    return [step for _, _, step in sorted(steps, key=lambda item: (item[0], item[1]))]
