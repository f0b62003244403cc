"""The event vocabulary."""

from django.db import transaction

from audit.services import Actor, audited_save
from events.models import EventTerm
from events.vocabulary import TERMS


def event_terms_seed(*, actor: Actor) -> int:
    """Add any vocabulary term that is missing (e.g. after a database was emptied); terms
    already present, possibly edited by an administrator, are left as they are."""
    present = set(EventTerm.objects.values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for term in TERMS:
            if term["code"] not in present:
                audited_save(EventTerm(**term), actor=actor, reason="Vocabulary term added")
                created += 1
    return created
