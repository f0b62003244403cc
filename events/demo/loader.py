"""The bulk path of `seed_demo`: records and their history written in a few statements.

Each demo record carries its trail: the steps a clinic would have taken through the services
(a session started, completed, then discharged; an event submitted, assessed, signed off),
each with its time, actor and the reason the service gives. The loader writes the record as
it stands after the last step, and one history row per step with the values of that step, so
the history has the shape the services give it: the same versions, types (+ then ~), users
and reasons. History rows are stamped (request id, source, user name) and sealed into the
hash chains in bulk (`audit.chain.seal_per_site`: each row in its record's site's chain, as
the service that wrote that step would have put it), keys given here.

It bypasses the ORM's per-row work (no save signals, no SQL compilation per batch), which is
what makes 200,000 sessions a matter of minutes; it is for an empty database and one writer
(`seed_demo` refuses a database that already holds sessions). `events.demo.storage` stores
the batches: from a writer process while the next batch is generated, or inline inside a
transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.models import AbstractUser
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.models.base import ModelState

from audit import chain
from audit.context import current_context
from events.demo import storage

if TYPE_CHECKING:
    from audit.models import ChainedRow


@dataclass(frozen=True)
class Step:
    """One service call in a record's trail: when, by whom, why, and the values that
    differed at that step from the record's final values."""

    at: datetime
    actor: AbstractUser
    reason: str
    earlier: dict[str, Any] = field(default_factory=dict)


def set_trail(record: models.Model, steps: Sequence[Step]) -> None:
    """Attach a trail; a record with a `version` gets the number of steps as its version."""
    # The trail rides on the unsaved instance until the loader reads it; no model declares
    # the attribute, so the checker cannot know it.
    record._demo_trail = list(steps)  # type: ignore[attr-defined]
    if hasattr(record, "version"):
        record.version = len(steps)


_M = TypeVar("_M", bound=models.Model)

# (model, records): one table's rows of a batch, stored in this order.
Prepared = tuple[type[models.Model], Sequence[models.Model]]


class BulkLoader:
    """Inserts records and their history; keys are handed out from the tables' maxima.

    `insert` prepares a table's rows of the current batch; `commit` stores the batch, in one
    transaction; `finish` waits until every batch is stored.
    """

    def __init__(self, using: str = "default"):
        self.using = using
        self.next_key: dict[type, int] = {}
        self.touched: set[type] = set()
        self.heads: dict[tuple[type[models.Model], int | None], str] = {}
        self.batch: list[Prepared] = []
        self.writer = storage.writer_for(using)

    def commit(self) -> None:
        """Store the batch prepared since the last commit, in one transaction."""
        batch = [storage.table_rows(model, records) for model, records in self.batch]
        self.batch = []
        if self.writer is None:
            storage.store(batch, self.using)
        else:
            self.writer.put(batch)

    def insert(self, model: type[models.Model], records: Sequence[models.Model]) -> int:
        """Prepare the records, then one history row per step of each one's trail, for the
        batch's `commit`."""
        if not records:
            return 0
        fields = model._meta.concrete_fields
        # A concrete relation is a foreign key (a one-to-one is one too), with its cache.
        relations = [cast("models.ForeignKey[Any, Any]", f) for f in fields if f.is_relation]
        stamped_first = [f for f in fields if getattr(f, "auto_now_add", False)]
        stamped_last = [f for f in fields if getattr(f, "auto_now", False)]
        for record in records:
            record.pk = self._key(model)
            record._state.adding = False
            # A parent saved in this batch got its key just now: copy it to the child. Into
            # __dict__, not through the field's descriptor, which would drop the cached
            # parent: the chain asks a vital sign for its session's site, and a dropped
            # parent is one SELECT per row (a third of a seed's time).
            for relation in relations:
                if getattr(record, relation.attname) is None and relation.is_cached(record):
                    parent = relation.get_cached_value(record)
                    record.__dict__[relation.attname] = parent.pk if parent else None
            # `_demo_trail`: set by `set_trail`, undeclared on the models (see there).
            for stamped in stamped_first:
                setattr(record, stamped.attname, record._demo_trail[0].at)  # type: ignore[attr-defined]
            for stamped in stamped_last:
                setattr(record, stamped.attname, record._demo_trail[-1].at)  # type: ignore[attr-defined]
        self.batch.append((model, records))
        history = self._history_rows(model, records)
        # A chain's head is read once, under its lock, in a transaction; after that the
        # loader links on from its own last row and needs none. Opening one anyway made each
        # table wait for the writer storing the previous batch (on SQLite a transaction takes
        # the database's write lock), and could time out behind a slow batch.
        chains = {(type(row), getattr(row, chain.CHAIN_COLUMN, None)) for row in history}
        unread = chains - self.heads.keys()
        with transaction.atomic(using=self.using) if unread else nullcontext():
            chain.seal_per_site(history, using=self.using, heads=self.heads)
        for row in history:
            row.pk = self._key(type(row))
        self.batch.append((type(history[0]), history))
        return len(records) + len(history)

    def finish(self) -> None:
        """Wait until every batch is stored, then move PostgreSQL's key sequences past the
        keys given here."""
        if self.writer is not None:
            self.writer.close()
        connection = connections[self.using]
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.touched))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _key(self, model: type[models.Model]) -> int:
        if model not in self.next_key:
            largest = model._base_manager.using(self.using).aggregate(m=models.Max("pk"))["m"]
            self.next_key[model] = (largest or 0) + 1
            self.touched.add(model)
        key = self.next_key[model]
        self.next_key[model] = key + 1
        return key

    def _history_rows(self, model, records) -> list[ChainedRow]:
        history_model = model.history.model
        tracked = [f.attname for f in history_model.tracked_fields]
        stamped = [f.attname for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        context = current_context()
        rows: list[ChainedRow] = []
        for record in records:
            site = chain.site_of(record)
            final = {name: getattr(record, name) for name in tracked}
            steps = record._demo_trail
            for index, step in enumerate(steps):
                values = {**final, **dict.fromkeys(stamped, step.at), **step.earlier}
                if "version" in final:
                    values["version"] = index + 1
                values.update(
                    history_date=step.at,
                    history_type="+" if index == 0 else "~",
                    history_user_id=step.actor.pk,
                    history_user_name=step.actor.get_username(),
                    history_change_reason=step.reason,
                    request_id=context.request_id,
                    source=context.source,
                    chain_site_id=site,
                )
                rows.append(_unsaved(history_model, values))
        return rows


def build(model: type[_M], **values: Any) -> _M:
    """A new unsaved record: what `model(**values)` builds, without its per-field work.

    Generating 200,000 sessions builds about 2.5 million records; `Model.__init__` (a
    default looked up, a descriptor and a router check per field, signals per record) was
    a sixth of a seed's time. As there, a related record given by name is cached on the
    new one and its key copied (None for a parent not stored yet, which `insert` fills in),
    fields left out get their default, and a name that is no field is set as an attribute.
    """
    row = model.__new__(model)
    row._state = ModelState()
    attributes = row.__dict__
    for name, attname, default, make_default in _defaults(model):
        if name in values:
            value = values.pop(name)
            if attname != name:  # a relation, given as the related record
                row._state.fields_cache[name] = value
                value = None if value is None else value.pk
            attributes[attname] = value
        elif attname in values:
            attributes[attname] = values.pop(attname)
        else:
            attributes[attname] = make_default() if make_default else default
    for name, value in values.items():
        setattr(row, name, value)
    return row


@functools.cache
def _defaults(model: type[models.Model]) -> tuple[tuple[str, str, Any, Any], ...]:
    """(name, attribute name, default, default factory) of each concrete field: a callable
    default is called per record, any other is the value `Field.get_default` gives."""
    plan = []
    for model_field in model._meta.concrete_fields:
        declared = model_field.default
        factory = declared if model_field.has_default() and callable(declared) else None
        default = None if factory else model_field.get_default()
        plan.append((model_field.name, model_field.attname, default, factory))
    return tuple(plan)


def _unsaved(model: type[_M], values: dict[str, Any]) -> _M:
    """An unsaved instance holding exactly `values` (attribute names): what `Model(**values)`
    builds, without its per-field work, which made up a fifth of a large seed's time. The
    loader sets every column itself, so no default is needed."""
    row = model.__new__(model)
    row._state = ModelState()
    row.__dict__.update(values)
    return row
