"""`manage.py restore --input PATH`: restore a backup made by `manage.py backup` into a new
database, then prove it: every audit chain verifies and matches the backup's manifest (same
row counts, same heads).

- SQLite: `--target FILE` (a new file); the sqlite3 backup API copies the backup into it.
  Point `SAFETY_LEDGER_VAR_DIR`/the settings at the restored file once it is verified.
- PostgreSQL: `--target-database NAME` (a new database); `createdb` then `pg_restore`.
"""

import json
import os
import sqlite3
import subprocess  # nosec B404
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from events.management.commands.backup import (
    chain_manifest,
    postgres_client_args,
    temporary_connection,
)


class Command(BaseCommand):
    help = "Restore a backup into a new database and verify its audit chains against the manifest."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="Backup file from manage.py backup.")
        parser.add_argument("--target", help="SQLite: the new database file to create.")
        parser.add_argument("--target-database", help="PostgreSQL: the new database to create.")

    def handle(self, *args, input, target, target_database, **options):
        source = Path(input).resolve()
        manifest_path = source.with_name(source.name + ".manifest.json")
        if not source.exists() or not manifest_path.exists():
            raise CommandError(f"Need {source} and its manifest {manifest_path}.")
        manifest = json.loads(manifest_path.read_text())
        if manifest["vendor"] == "sqlite":
            restored = self._restore_sqlite(source, target)
        elif manifest["vendor"] == "postgresql":
            restored = self._restore_postgres(source, target_database)
        else:
            raise CommandError(f"Unknown backup vendor {manifest['vendor']!r}.")
        if restored["tables"] != manifest["tables"]:
            differing = sorted(
                name
                for name in set(manifest["tables"]) | set(restored["tables"])
                if manifest["tables"].get(name) != restored["tables"].get(name)
            )
            raise CommandError(f"Restored chains differ from the manifest: {differing}")
        self.stdout.write(
            f"Restored; {len(restored['tables'])} chains verified, counts and heads match."
        )

    def _restore_sqlite(self, source: Path, target: str | None) -> dict:
        if not target:
            raise CommandError("--target FILE is required for a SQLite backup.")
        target_path = Path(target).resolve()
        if target_path.exists():
            raise CommandError(f"{target_path} exists; restore into a new file.")
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        destination = sqlite3.connect(target_path)
        try:
            with destination:
                backup.backup(destination)
        finally:
            backup.close()
            destination.close()
        with temporary_connection(target_path) as alias:
            return chain_manifest(alias)

    def _restore_postgres(self, source: Path, target_database: str | None) -> dict:
        if not target_database:
            raise CommandError("--target-database NAME is required for a PostgreSQL backup.")
        client_args, env = postgres_client_args(connections["default"].settings_dict)
        env = {**os.environ, **env}
        for command in (
            ["createdb", *client_args, target_database],
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                *client_args,
                "-d",
                target_database,
                str(source),
            ],
        ):
            subprocess.run(command, check=True, env=env)  # noqa: S603  # nosec B603
        with temporary_connection(target_database) as alias:
            return chain_manifest(alias)
