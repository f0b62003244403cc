"""Likely duplicates: the warning before an event is filed (`duplicates_on_file` and
`PossibleDuplicateError`, used by
`adverse_event_create`). A director's resolution of a pair is in `duplicate_pairs`."""

from typing import Any

from events.duplicates import duplicate_candidates, duplicate_window
from events.models import AdverseEvent, EventTerm, InfusionSession


class PossibleDuplicateError(Exception):
    """Filing refused until the person confirms the event is not one already on file."""

    def __init__(self, candidates: list[AdverseEvent]):
        self.candidates = candidates
        numbers = ", ".join(f"#{event.pk}" for event in candidates)
        super().__init__(
            f"This looks like an event already on file ({numbers}): same term, onset within "
            f"{int(duplicate_window().total_seconds() // 60)} minutes. Check it, then confirm "
            "this is not a duplicate to file it anyway."
        )


def duplicates_on_file(*, session: InfusionSession, data: dict[str, Any]) -> list[AdverseEvent]:
    """The events on file that an event filed in `session` with `data` would duplicate.

    Incomplete data finds none: the event's own validation then names the missing field.
    """
    term, onset_at = data.get("term"), data.get("onset_at")
    if not isinstance(term, EventTerm) or onset_at is None:
        return []
    return duplicate_candidates(
        session=session,
        term=term,
        other_term_text=data.get("other_term_text", ""),
        onset_at=onset_at,
    )
