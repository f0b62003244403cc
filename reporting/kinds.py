"""An event's kind, one integer: its group in each of the summary's breakdowns, and whether
it is serious.

The breakdowns are three families of groups: grade 1-5, onset band (ONSET_BANDS, then
unknown) and term category. The groups of one family are disjoint and every event lies in one
group of each family, so an event's kind holds one bit per family (`GROUP_BITS`) and, above
them, its seriousness (`SERIOUS_SHIFT`). A session's groups are the OR of its events' bits.

The counted-events table stores each row's kind (`CountedEvent.kind`); from the records it is
computed by `event_kind`, the one definition of both.
"""

from __future__ import annotations

import numpy as np
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from events.choices import TermCategory
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN

BREAKDOWN_GROUPS = (
    *(f"grade_{grade}" for grade in range(1, 6)),
    *(f"onset_{index}" for index in range(len(ONSET_BANDS) + 1)),
    *(f"category_{category}" for category in TermCategory.values),
)
GROUP_BITS = {group: 1 << index for index, group in enumerate(BREAKDOWN_GROUPS)}
SERIOUS_SHIFT = len(BREAKDOWN_GROUPS)
GROUPS_MASK = (1 << SERIOUS_SHIFT) - 1
KIND_BITS = SERIOUS_SHIFT + 1


# Grade g is bit g - 1 (the grades come first), so a mask of grade bits' highest bit is the
# worst grade among them: the bit length of the mask.
GRADE_MASK = sum(GROUP_BITS[f"grade_{grade}"] for grade in range(1, 6))
_WORST_GRADE = np.array([mask.bit_length() for mask in range(GRADE_MASK + 1)])


def worst_grades(kinds: np.ndarray) -> np.ndarray:
    """The worst grade of each kind, or OR of kinds (a session's, a pair's)."""
    return _WORST_GRADE[kinds & GRADE_MASK]


def onset_condition(band: str) -> Q:
    """Events whose time to onset lies in one band (`onset_minutes`, the record's column)."""
    if band == ONSET_UNKNOWN:
        return Q(onset_minutes__isnull=True)
    low, high = ONSET_BANDS[band]
    part = Q(onset_minutes__isnull=False)
    if low is not None:
        part &= Q(onset_minutes__gte=low)
    if high is not None:
        part &= Q(onset_minutes__lt=high)
    return part


def _family_bit(groups: dict[str, Q]) -> Case:
    """An event's bit in one family: the bit of the group it lies in (0 in none)."""
    whens = [When(condition, then=Value(GROUP_BITS[group])) for group, condition in groups.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def event_kind() -> Combinable:
    """The kind of an event, over AdverseEvent's fields."""
    families = [
        {f"grade_{grade}": Q(grade=grade) for grade in range(1, 6)},
        {
            f"onset_{index}": onset_condition(band)
            for index, band in enumerate([*ONSET_BANDS, ONSET_UNKNOWN])
        },
        {f"category_{category}": Q(term__category=category) for category in TermCategory.values},
    ]
    kind: Combinable = Cast("is_serious", IntegerField()).bitleftshift(SERIOUS_SHIFT)
    for groups in families:
        kind = kind + _family_bit(groups)
    return kind
