"""Database triggers that make chained tables append-only, and tie live rows to their history.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE on chained tables; SQLite refuses UPDATE and
DELETE. On PostgreSQL a deferred constraint trigger on every audited live table also refuses,
at commit, a live-row INSERT or UPDATE that has no history row with the same id (and version)
written in the same transaction: the history row and the live row version must carry the same
`xmin`, which they do when one save wrote both (django-simple-history writes the history row
in the save's own `post_save`, inside the same savepoint).

The one way past them is the maintenance switch, and on PostgreSQL it takes two things: the
transaction sets `safety_ledger.maintenance = 'on'`, and the connected role is a member of
the `safety_ledger_maintenance` role (superusers count as members of every role). The
application's role is never granted it, so setting the variable alone gets a refusal. The
test suite connects as a superuser and uses `maintenance_flush` to empty the database between
transactional tests. See docs/operations.md for the roles and grants.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, transaction

from audit.chain import chained_models

# Created by `install_all` when the migrating role may; named in `_PG_FUNCTION` below.
MAINTENANCE_ROLE = "safety_ledger_maintenance"

_MAINTENANCE = threading.local()

_PG_FUNCTION = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'safety_ledger_maintenance') THEN
        CREATE ROLE safety_ledger_maintenance NOLOGIN;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'role safety_ledger_maintenance is missing: a superuser creates it';
    WHEN duplicate_object OR unique_violation THEN
        NULL;  -- created meanwhile by a migration of another database in the cluster
END
$$;

CREATE OR REPLACE FUNCTION audit_maintenance_allowed() RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF coalesce(current_setting('safety_ledger.maintenance', true), '') <> 'on' THEN
        RETURN false;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'safety_ledger_maintenance')
       OR NOT pg_has_role(current_user, 'safety_ledger_maintenance', 'MEMBER') THEN
        RAISE EXCEPTION 'the audit maintenance switch needs role safety_ledger_maintenance; '
            'role % is not a member', current_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN true;
END
$$;

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF audit_maintenance_allowed() THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;
"""

# One function per audited table, so its query is planned once per session, not per row.
_PG_LIVE_CHECK = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF audit_maintenance_allowed() THEN RETURN NULL; END IF;
    PERFORM 1 FROM {table} AS live
        JOIN {history} AS version ON version.{pk} = live.{pk} AND version.xmin = live.xmin{same}
        WHERE live.{pk} = NEW.{pk};
    IF NOT FOUND AND EXISTS (SELECT 1 FROM {table} WHERE {pk} = NEW.{pk}) THEN
        RAISE EXCEPTION 'audited table % row % was written without its history row in the same '
            'transaction: % refused', TG_TABLE_NAME, NEW.{pk}, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS {table}_has_history ON {table};
CREATE CONSTRAINT TRIGGER {table}_has_history AFTER INSERT OR UPDATE ON {table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}();
"""

_PG_TRIGGERS = """
CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
       WHEN NOT audit_maintenance()
       BEGIN SELECT RAISE(ABORT, 'audit table {table} is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
       WHEN NOT audit_maintenance()
       BEGIN SELECT RAISE(ABORT, 'audit table {table} is append-only: DELETE refused'); END""",
]


def _maintenance_active() -> int:
    return int(getattr(_MAINTENANCE, "active", False))


def register_sqlite_functions(connection: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_maintenance", 0, _maintenance_active)


def protected_tables() -> list[str]:
    return sorted(model._meta.db_table for model in chained_models())


def live_checked_tables() -> list[tuple[str, str, str | None, bool]]:
    """(live table, history table, key column, has a version) for every audited model."""
    from audit.live_rows import audited_models

    return [
        (
            model._meta.db_table,
            history._meta.db_table,
            model._meta.pk.column,
            any(f.name == "version" for f in model._meta.concrete_fields),
        )
        for model, history in audited_models()
    ]


def install_all(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for model in chained_models():
            # Each chain's head is read by (chain_site_id, key): one index step, however
            # many rows the table's other chains hold.
            table, key = model._meta.db_table, model._meta.pk.column
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {table[:50]}_chain ON {table} (chain_site_id, {key})"
            )
        for table in protected_tables():
            if connection.vendor == "postgresql":
                cursor.execute(_PG_TRIGGERS.format(table=table))
            elif connection.vendor == "sqlite":
                for statement in _SQLITE_TRIGGERS:
                    cursor.execute(statement.format(table=table))
        if connection.vendor == "postgresql":
            for table, history, pk, versioned in live_checked_tables():
                cursor.execute(
                    _PG_LIVE_CHECK.format(
                        function=f"audit_has_history_{table}"[:63],
                        table=table,
                        history=history,
                        pk=pk,
                        same=" AND version.version = live.version" if versioned else "",
                    )
                )


def installed_trigger_tables(using: str = "default") -> set[str]:
    """Tables that carry an append-only trigger, read back from the database catalogue."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE '%%_append_only'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%_no_update'"
            )
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def maintenance_flush(using: str = "default") -> Iterator[None]:
    """Allow emptying audited tables inside this block (test teardown only).

    On PostgreSQL the connected role must be a member of `safety_ledger_maintenance`
    (the test suite connects as a superuser, which is); any other role gets a refusal.
    """
    connection = connections[using]
    _MAINTENANCE.active = True
    try:
        with transaction.atomic(using=using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL safety_ledger.maintenance = 'on'")
            yield
    finally:
        _MAINTENANCE.active = False
