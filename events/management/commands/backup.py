"""`manage.py backup --output PATH`: a consistent copy of the live database, with a manifest of
the audit chain heads it contains.

- SQLite: the sqlite3 online backup API copies the database page by page while the
  application keeps running; the copy is one consistent state.
- PostgreSQL: `pg_dump -Fc` run inside an exported snapshot, so the manifest (row counts and
  chain heads) describes exactly what the dump holds. `--print` only shows the command.

The manifest (`PATH.manifest.json`) is what `manage.py restore` checks the restored database
against; keep it with the backup, and its chain heads somewhere the database cannot reach.
"""

import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.db.utils import load_backend

from audit.chain import chained_models, verify_chain

TEMPORARY_ALIAS = "backup_check"


def chain_manifest(using: str) -> dict:
    """Row count, last hash and every chain's head of each chained table; refuses a broken
    chain."""
    tables = {}
    for model in chained_models():
        report = verify_chain(model, using=using)
        if not report.is_intact:
            raise CommandError(
                f"{report.table}: chain broken at row {report.first_break} ({report.problem})."
            )
        tables[report.table] = {
            "rows": report.rows,
            "head": report.head,
            "chains": {head.chain: head.hash for head in report.heads},
        }
    return {"tables": dict(sorted(tables.items()))}


@contextmanager
def temporary_connection(name: str | Path):
    """An ORM connection alias to another database of the same engine (a backup copy, a
    restored database), open only inside the block and never added to the settings."""
    settings_dict = {**connections["default"].settings_dict, "NAME": name, "CONN_MAX_AGE": 0}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, TEMPORARY_ALIAS)
    connections[TEMPORARY_ALIAS] = wrapper
    try:
        yield TEMPORARY_ALIAS
    finally:
        wrapper.close()
        del connections[TEMPORARY_ALIAS]


def postgres_client_args(settings_dict: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for the PostgreSQL client programs."""
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = {"PGPASSWORD": settings_dict["PASSWORD"]} if settings_dict.get("PASSWORD") else {}
    return args, env


def write_manifest(output: Path, manifest: dict) -> Path:
    path = output.with_name(output.name + ".manifest.json")
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return path


class Command(BaseCommand):
    help = "Make a consistent online backup of the database, with a manifest of chain heads."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="File to write the backup to.")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--print",
            action="store_true",
            dest="print_only",
            help="PostgreSQL: print the pg_dump command only.",
        )

    def handle(self, *args, output, database, print_only, **options):
        output = Path(output).resolve()
        if output.exists():
            raise CommandError(f"{output} exists; backups are never overwritten.")
        output.parent.mkdir(parents=True, exist_ok=True)
        connection = connections[database]
        if connection.vendor == "sqlite":
            manifest = self._backup_sqlite(connection, output)
        elif connection.vendor == "postgresql":
            manifest = self._backup_postgres(connection, output, print_only=print_only)
            if manifest is None:
                return
        else:
            raise CommandError(f"No backup method for {connection.vendor}.")
        manifest_path = write_manifest(output, manifest)
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Backup written to {output}; {len(manifest['tables'])} chains, {rows} ledger rows, "
            f"heads in {manifest_path}."
        )

    def _backup_sqlite(self, connection, output: Path) -> dict:
        connection.ensure_connection()
        target = sqlite3.connect(output)
        try:
            with target:
                connection.connection.backup(target)
            (verdict,) = target.execute("PRAGMA integrity_check").fetchone()
        finally:
            target.close()
        if verdict != "ok":
            raise CommandError(f"The copy fails its integrity check: {verdict}")
        with temporary_connection(output) as alias:
            return {"vendor": "sqlite", **chain_manifest(alias)}

    def _backup_postgres(self, connection, output: Path, *, print_only: bool) -> dict | None:
        settings_dict = connection.settings_dict
        client_args, env = postgres_client_args(settings_dict)
        command = ["pg_dump", "-Fc", "--no-owner", *client_args, "-f", str(output)]
        if print_only:
            self.stdout.write(" ".join([*command, "--snapshot=<exported>", settings_dict["NAME"]]))
            return None
        if shutil.which("pg_dump") is None:
            raise CommandError("pg_dump is not installed (Debian: postgresql-client).")
        # The dump and the manifest read one snapshot, so the manifest describes the dump.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            subprocess.run(  # noqa: S603  # nosec B603
                [*command, f"--snapshot={snapshot}", settings_dict["NAME"]],
                check=True,
                env={**os.environ, **env},
            )
            return {"vendor": "postgresql", **chain_manifest(connection.alias)}
