"""Database triggers that make chained tables append-only.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE; SQLite refuses UPDATE and DELETE. The one
exception is `maintenance_flush`, which test teardown uses to empty the whole database; the
application never enables it.
"""

import threading
from contextlib import contextmanager

from django.db import connections, transaction

from audit.chain import chained_models

_MAINTENANCE = threading.local()

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('safety_ledger.maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;
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


def register_sqlite_functions(connection) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("audit_maintenance", 0, _maintenance_active)


def protected_tables() -> list[str]:
    return sorted(model._meta.db_table for model in chained_models())


def install_all(using: str = "default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in protected_tables():
            if connection.vendor == "postgresql":
                cursor.execute(_PG_TRIGGERS.format(table=table))
            elif connection.vendor == "sqlite":
                for statement in _SQLITE_TRIGGERS:
                    cursor.execute(statement.format(table=table))


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
def maintenance_flush(using: str = "default"):
    """Allow emptying audited tables inside this block (test teardown only)."""
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
