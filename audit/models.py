"""The ledger's own tables: the history base every audited model's history inherits, and the
append-only access log. Both are hash-chained (see `audit.chain`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, router, transaction
from django.utils import timezone
from simple_history import register

from audit import chain
from audit.context import current_context


class AuditBypassError(RuntimeError):
    """A write that would change an audited table without leaving history."""


class MissingActorError(RuntimeError):
    """An audited write with no user to attribute it to."""


class AuditedQuerySet(models.QuerySet):
    """Refuses the bulk writes that skip history; use the services instead."""

    def update(self, **kwargs):
        raise AuditBypassError(
            f"{self.model.__name__}: QuerySet.update() skips history; save through a service."
        )

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditBypassError(
            f"{self.model.__name__}: bulk_update() skips history; save through a service."
        )

    def delete(self):
        raise AuditBypassError(f"{self.model.__name__}: records are voided, never deleted.")


class AuditedModel(models.Model):
    """Base for every audited record: no deletes, no history-less saves."""

    objects = AuditedQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise AuditBypassError(f"{type(self).__name__}: records are voided, never deleted.")

    def save_without_historical_record(self, *args, **kwargs):
        raise AuditBypassError(f"{type(self).__name__}: every save must leave history.")


def make_saves_atomic(model: type[models.Model]) -> None:
    """Run `model.save` inside a transaction, so the record and its history row (written in
    the same save) are stored together even when a caller forgot `transaction.atomic()`
    (Django's own `createsuperuser`, a shell session). Inside a caller's transaction this adds
    nothing: no savepoint, no query."""
    original = model.save
    if getattr(original, "_saves_atomically", False):
        return

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return original(self, *args, **kwargs)

    save._saves_atomically = True
    save.__doc__ = original.__doc__
    model.save = save


class ChainedRowManager(models.Manager.from_queryset(AuditedQuerySet)):
    """Seals rows inserted in bulk (`bulk_create_with_history` ends here) into the chain."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.stamp()
        chain.seal(objs, using=self.db)
        return super().bulk_create(objs, *args, **kwargs)


class ChainedRow(models.Model):
    """A row of an append-only, hash-chained table."""

    request_id = models.CharField(max_length=36, blank=True, db_index=True)
    source = models.CharField(max_length=80, blank=True)
    hash = models.CharField(max_length=64, editable=False)

    objects = ChainedRowManager()

    class Meta:
        abstract = True

    def stamp(self) -> None:
        context = current_context()
        self.request_id = self.request_id or context.request_id
        self.source = self.source or context.source


class HistoryBase(ChainedRow):
    """Extra columns on every historical table (`HistoricalRecords(bases=[HistoryBase])`).

    The user's name is copied so a row still reads correctly if the account is renamed.
    """

    history_user_name = models.CharField(max_length=150, blank=True)

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


class AppendOnlyEntry(ChainedRow):
    """A ledger entry written once, never changed: sealed into its table's chain on insert."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditBypassError(f"{type(self).__name__} is append-only.")
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using):
            self.stamp()
            chain.seal([self], using=using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
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


class VerificationRun(AppendOnlyEntry):
    """One recomputation of every chain (`verify_audit` or the chain-status page).

    `tables` holds one summary per chain (table, rows, head pk and hash, status, first broken
    row); each run is itself a link of its own chain, so the record of past verifications
    cannot be edited without showing.
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
    def broken_tables(self) -> list[dict]:
        return [table for table in self.tables if table.get("status") != "intact"]


# Accounts are audited like any record. The password hash and last login stay out of the
# trail: logins are in the access log, and a hash is not something to keep copies of.
register(
    get_user_model(),
    app="audit",
    bases=[HistoryBase],
    excluded_fields=["password", "last_login"],
)
