"""Database routing: reporting reads may go to a read replica.

Only code that asks for it explicitly (`reporting_database()`) reads from the replica, so a
write never lands there and the record is always read from the primary after a change.
"""

from django.conf import settings


def reporting_database() -> str:
    """Alias reporting selectors read from: the replica when one is configured."""
    return "replica" if "replica" in settings.DATABASES else "default"


class ReportingReplicaRouter:
    """Keeps migrations and writes on the primary; the replica is read-only."""

    def db_for_write(self, model, **hints):
        return "default"

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True
