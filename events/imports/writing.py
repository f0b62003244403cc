"""Writing a checked plan: every record and its history row, in bulk, in the caller's
transaction. History rows carry the importing user, the reason and (from the audit context
the service opens) the source `import:<sha256 of the file>`; they are sealed into the hash
chain in bulk by `_insert_with_history`, the one place this module touches the ledger.
"""

from collections.abc import Sequence
from typing import TypeVar

from django.db import models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from audit.services import Actor, audited_save
from events.imports.planning import Plan
from events.imports.signals import records_imported
from events.models import AdverseEvent, InfusionSession, Patient, VitalSign

BATCH_SIZE = 2_000
Record = TypeVar("Record", bound=models.Model)


def _insert_with_history(
    model: type[Record], records: Sequence[Record], *, actor: Actor, reason: str
) -> None:
    """Insert the records, then one history row each (type +), stamped and chained in bulk
    by the ledger's manager (`audit.models.ChainedRowManager.bulk_create`)."""
    if not records:
        return
    for record in records:
        record.pk = None
    bulk_create_with_history(
        list(records),
        model,
        batch_size=BATCH_SIZE,
        default_user=actor,
        default_change_reason=reason,
        default_date=timezone.now(),
    )


def plan_write(plan: Plan, *, actor: Actor, reason: str) -> None:
    """Write the plan's records (parents first, so children take their keys). The caller
    holds the transaction and the site's lock."""
    _insert_children(Patient, plan.patients, actor=actor, reason=reason)
    _insert_children(InfusionSession, plan.sessions, actor=actor, reason=reason)
    for session in plan.renumbered:
        session.version += 1
        audited_save(session, actor=actor, reason=f"Course renumbered: {reason}")
    _insert_children(AdverseEvent, plan.events, actor=actor, reason=reason)
    _insert_children(VitalSign, plan.vitals, actor=actor, reason=reason)
    months = {session.month for session in plan.sessions}
    months |= {event.session.month for event in plan.events}
    records_imported.send(sender=Plan, site_id=plan.site.pk, months=sorted(months))


def _insert_children(
    model: type[Record], records: Sequence[Record], *, actor: Actor, reason: str
) -> None:
    """Insert records whose parents were inserted just before: each first takes the key
    its parent was given."""
    for record in records:
        for field in record._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.is_cached(record):
                parent = field.get_cached_value(record)
                if parent is not None:
                    setattr(record, field.attname, parent.pk)
                    field.set_cached_value(record, parent)  # the new key cleared the cache
    _insert_with_history(model, records, actor=actor, reason=reason)
