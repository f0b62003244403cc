"""The ledger's own tables: the history base every audited model's history inherits, and the
append-only access log. Both are hash-chained (see `audit.chain`)."""

import functools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models, router, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from simple_history import register
from simple_history.manager import HistoryDescriptor

from audit import chain
from audit.canonical import AnyField
from audit.context import current_context


class AuditBypassError(RuntimeError):
    """A write that would change an audited table without leaving history."""


class MissingActorError(RuntimeError):
    """An audited write with no user to attribute it to."""


_M = TypeVar("_M", bound=models.Model)


class AuditedQuerySet(models.QuerySet[_M]):
    """Refuses the bulk writes that skip history; use the services instead."""

    def update(self, **kwargs: Any) -> int:
        raise AuditBypassError(
            f"{self.model.__name__}: QuerySet.update() skips history; save through a service."
        )

    def bulk_update(
        self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        raise AuditBypassError(
            f"{self.model.__name__}: bulk_update() skips history; save through a service."
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditBypassError(f"{self.model.__name__}: records are voided, never deleted.")


class AuditedModel(models.Model):
    """Base for every audited record: no deletes, no history-less saves."""

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditBypassError(f"{type(self).__name__}: records are voided, never deleted.")

    def save_without_historical_record(self, *args: Any, **kwargs: Any) -> None:
        raise AuditBypassError(f"{type(self).__name__}: every save must leave history.")


def make_saves_atomic(model: type[models.Model]) -> None:
    """Run `model.save` inside a transaction, so the record and its history row (written in
    the same save) are stored together even when a caller forgot `transaction.atomic()`
    (Django's own `createsuperuser`, a shell session). Inside a caller's transaction this adds
    nothing: no savepoint, no query."""
    original = model.save
    if getattr(original, "_saves_atomically", False):
        return

    def save(self: models.Model, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return original(self, *args, **kwargs)

    save.__dict__["_saves_atomically"] = True
    save.__doc__ = original.__doc__
    setattr(model, "save", save)  # noqa: B010  # a method replaced on a class mypy cannot see


def _build_history_managers_once() -> None:
    """Give each model's `history` descriptor one manager class instead of one per read.

    simple-history's `HistoryDescriptor` builds a new manager class on every `instance.history`
    (`Manager.from_queryset`, which inspects every queryset method), and it reads it on every
    audited save just to find the history model: about 0.2 ms, a twentieth of filing an event.
    The class depends only on the descriptor, so it is built on first use and kept.
    """
    if getattr(HistoryDescriptor.__get__, "_builds_once", False):
        return

    def __get__(self: Any, instance: models.Model | None, owner: type[models.Model]) -> Any:
        manager_class = self.__dict__.get("_manager_with_queryset")
        if manager_class is None:
            manager_class = self.manager_class.from_queryset(self.queryset_class)
            self._manager_with_queryset = manager_class
        return manager_class(self.model, instance)

    __get__.__dict__["_builds_once"] = True
    setattr(HistoryDescriptor, "__get__", __get__)  # noqa: B010  # replaced on the class


_build_history_managers_once()


_AuditedManager = models.Manager.from_queryset(AuditedQuerySet)


_R = TypeVar("_R", bound="ChainedRow")


class ChainedRowManager(_AuditedManager[_R]):
    """Seals rows inserted in bulk (`bulk_create_with_history` ends here) into the chain."""

    def bulk_create(self, objs: Iterable[_R], *args: Any, **kwargs: Any) -> list[_R]:
        objs = list(objs)
        for obj in objs:
            obj.stamp()
        chain.seal(objs, using=self.db, in_bulk=True)
        return super().bulk_create(objs, *args, **kwargs)


class ChainedRow(models.Model):
    """A row of an append-only, hash-chained table."""

    request_id = models.CharField(max_length=36, blank=True, db_index=True)
    source = models.CharField(max_length=80, blank=True)
    # The site whose chain holds the row (empty: the global chain); see `audit.chain`.
    chain_site_id = models.BigIntegerField(null=True, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = ChainedRowManager()

    class Meta:
        abstract = True

    def stamp(self) -> None:
        context = current_context()
        self.request_id = self.request_id or context.request_id
        self.source = self.source or context.source

    def _do_insert(
        self,
        manager: models.Manager[Any],
        using: str,
        fields: Sequence[AnyField],
        returning_fields: Sequence[AnyField],
        raw: bool,
    ) -> list[tuple[Any, ...]]:
        # Every audited save inserts one ledger row, always with the same columns: the
        # statement is built once per table (`_insert_statement`) instead of by Django's
        # compiler for every row. On PostgreSQL the same INSERT links the row into its chain
        # (`chain.seal`). Anything unusual goes the ordinary way, linked here first.
        payload = chain.pending_link(self)
        statement = None
        if not raw:
            statement = _insert_statement(
                type(self), using, tuple(fields), tuple(returning_fields), payload is not None
            )
        if statement is not None:
            values = [field.pre_save(self, True) for field in fields]
            if not any(hasattr(value, "resolve_expression") for value in values):
                return self._insert_row(statement, using, fields, values, payload)
        if payload is not None:
            chain.link_now(self, payload, using)
        # `Model._do_insert` is missing from the stubs.
        return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]

    def _insert_row(
        self,
        statement: str,
        using: str,
        fields: Sequence[AnyField],
        values: list[Any],
        payload: bytes | None,
    ) -> list[tuple[Any, ...]]:
        connection = connections[using]
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, values, strict=True)
            if payload is None or field.attname != "hash"
        ]
        if payload is not None:
            params = chain.append_link_params(self, payload) + params
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            if connection.vendor == "sqlite":
                return [(cursor.lastrowid,)]
            returned = cursor.fetchone()
        if payload is not None:
            key, self.hash = returned
            return [(key,)]
        return [returned]


@functools.cache
def _insert_statement(
    model: type[models.Model],
    using: str,
    fields: tuple[AnyField, ...],
    returning_fields: tuple[AnyField, ...],
    links_row: bool,
) -> str | None:
    """The INSERT for one row of a ledger table with these columns, or None where Django must
    build it (fields with placeholders of their own, or anything returned but an auto key).

    PostgreSQL returns the new key (`RETURNING`); with `links_row` the statement also draws
    the key and the hash from `audit_chain_append()` (`chain.APPEND_LINK_SQL`). SQLite reads
    the key from the cursor instead: there `RETURNING` makes the insert of a history row
    about three times as slow (35 us against 110 us, measured on the adverse-event history
    table).
    """
    connection = connections[using]
    returns_only_the_auto_key = len(returning_fields) == 1 and isinstance(
        returning_fields[0], AutoFieldMixin
    )
    if not returns_only_the_auto_key or any(hasattr(f, "get_placeholder") for f in fields):
        return None
    if links_row and returning_fields[0] in fields:
        return None  # a key given by the caller: the chain must draw it
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [_column(field) for field in fields]
    column_list = ", ".join(map(quote, columns))
    placeholders = ", ".join(["%s"] * len(fields))
    if connection.vendor == "sqlite":
        return f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    if not connection.features.can_return_columns_from_insert:
        return None
    # `return_insert_columns` is missing from the stubs of the database operations.
    returning, _ = connection.ops.return_insert_columns(returning_fields)  # type: ignore[attr-defined]
    if not links_row:
        return f"INSERT INTO {table} ({column_list}) VALUES ({placeholders}) {returning}"  # noqa: S608  # nosec B608
    key = _column(returning_fields[0])
    linked = {key: "(SELECT row_id FROM link)", "hash": "(SELECT row_hash FROM link)"}
    names = [key] + [column for column in columns if column != key]
    placeholders = ", ".join(linked.get(name, "%s") for name in names)
    return (
        f"{chain.APPEND_LINK_SQL} INSERT INTO {table} ({', '.join(map(quote, names))}) "  # noqa: S608  # nosec B608
        f"VALUES ({placeholders}) {returning}, {table}.{quote('hash')}"
    )


def _column(field: AnyField) -> str:
    """A ledger field's column (only fields stored elsewhere, many-to-many, have none)."""
    assert field.column is not None
    return field.column


class HistoryBase(ChainedRow):
    """Extra columns on every historical table (`HistoricalRecords(bases=[HistoryBase])`).

    The user's name is copied so a row still reads correctly if the account is renamed.
    """

    history_user_name = models.CharField(max_length=150, blank=True)
    # Added by simple-history to each concrete history model.
    history_user_id: int | None
    history_user: Any

    class Meta:
        abstract = True

    def stamp(self) -> None:
        if self.history_user_id is None:
            raise MissingActorError(
                f"{type(self).__name__}: an audited write needs an actor (actor=...)."
            )
        super().stamp()
        if not self.history_user_name:
            self.history_user_name = self.history_user.get_username()


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    SEARCH = "search", "Searched"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOCKOUT = "lockout", "Locked out"
    ROLE_CHANGE = "role_change", "Role or membership changed"
    SECOND_FACTOR_CHANGE = "second_factor_change", "Second factor changed"


class AppendOnlyEntry(ChainedRow):
    """A ledger entry written once, never changed: sealed into its table's chain on insert."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditBypassError(f"{type(self).__name__} is append-only.")
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using):
            self.stamp()
            chain.seal([self], using=using)
            super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditBypassError(f"{type(self).__name__} is append-only.")


class AccessLog(AppendOnlyEntry):
    """Append-only record of reads, exports and authentication events.

    Holds ids and filters, never patient data itself.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    site_id = models.BigIntegerField(null=True, blank=True)
    row_count = models.IntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["user", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def stamp(self) -> None:
        super().stamp()
        if self.chain_site_id is None:
            self.chain_site_id = self.site_id


class VerificationRun(AppendOnlyEntry):
    """One recomputation of every chain (`verify_audit` or the chain-status page).

    `tables` holds one summary per chain (table, rows, head pk and hash, status, first broken
    row), then one per audited live table (`"kind": "live"`: rows, status, the rows that do
    not match their latest history version); each run is itself a link of its own chain, so
    the record of past verifications cannot be edited without showing.
    """

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    is_intact = models.BooleanField()
    tables = models.JSONField(default=list)
    checked_recorded_heads = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        result = "intact" if self.is_intact else "BROKEN"
        return f"Verification {self.started_at:%Y-%m-%d %H:%M} UTC: {result}"

    @property
    def broken_tables(self) -> list[dict[str, Any]]:
        return [table for table in self.tables if table.get("status") != "intact"]

    @property
    def chain_tables(self) -> list[dict[str, Any]]:
        """The history and log chains checked (the tables the hash chain covers)."""
        return [table for table in self.tables if table.get("kind") != "live"]

    @property
    def live_tables(self) -> list[dict[str, Any]]:
        """The audited live tables compared with their latest history versions."""
        return [table for table in self.tables if table.get("kind") == "live"]


# Accounts are audited like any record. The password hash and last login stay out of the
# trail: logins are in the access log, and a hash is not something to keep copies of.
register(
    get_user_model(),
    app="audit",
    bases=[HistoryBase],
    excluded_fields=["password", "last_login"],
)
