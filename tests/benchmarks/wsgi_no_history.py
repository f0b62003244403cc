"""The application without history: the reference of the HTTP writers benchmark.

The same WSGI application as `config.wsgi`, with `SIMPLE_HISTORY_ENABLED = False` and, on
PostgreSQL, every connection in `session_replication_role = replica` (the ledger's commit-time
history check would refuse a live row written without its history row; the benchmark
database's superuser may switch triggers off for its own connections). Never for a
deployment: it writes records without their trail.
"""

from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created

from config.wsgi import application

settings.SIMPLE_HISTORY_ENABLED = False


def _triggers_off(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


connection_created.connect(_triggers_off, weak=False)

__all__ = ["application"]
