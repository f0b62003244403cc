"""Database routing: reporting reads may go to a read replica.

Only code that asks for it explicitly (`reporting.selectors.reporting_database()`) reads
from the replica, so a
write never lands there and the record is always read from the primary after a change. The
reporting selectors (`reporting.selectors`, `reporting.queries`) and the CSV line listing
(`exports.csv_listing`) ask for it; access decisions (memberships) are read from the primary.

`DATABASE_REPLICA_URL` adds the `replica` alias (config/settings/base.py); the setting
`REPORTING_DATABASE` names another alias explicitly (the test settings keep reports on the
primary, because a test mirror cannot see a test's uncommitted rows).
"""


class ReportingReplicaRouter:
    """Keeps migrations and writes on the primary; the replica is read-only."""

    def db_for_write(self, model, **hints):
        return "default"

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True
