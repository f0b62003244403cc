"""The benchmark data sets: generated once with `seed_demo --profile stress`, then reused.

A data set is keyed by database, size and seed, so `make bench` reuses what an earlier run
generated and a change of size or seed generates a new one:

- SQLite: `var/bench/sqlite-<sessions>-<seed>/safety_ledger.sqlite3`;
- PostgreSQL: the database `safety_ledger_bench_<sessions>_<seed>` on `BENCH_PG_URL`'s server.

A data set is ready when its marker file (`var/bench/<key>.json`) exists; it records how long
the migration and the load took. After loading, one event is amended 999 times through the
service, so the trail benchmark has a record with 1,000 versions among the seeded history.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = ROOT / "var" / "bench"
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
TRAIL_VERSIONS = 1000


@dataclass(frozen=True)
class Dataset:
    """One generated data set on one database."""

    vendor: str  # "sqlite" or "postgresql"
    sessions: int
    seed: int = 42

    @property
    def key(self) -> str:
        return f"{self.vendor}-{self.sessions}-{self.seed}"

    @property
    def marker(self) -> Path:
        return BENCH_DIR / f"{self.key}.json"

    @property
    def sqlite_dir(self) -> Path:
        return BENCH_DIR / self.key

    @property
    def sqlite_path(self) -> Path:
        return self.sqlite_dir / "safety_ledger.sqlite3"

    @property
    def pg_name(self) -> str:
        return f"safety_ledger_bench_{self.sessions}_{self.seed}"

    @property
    def pg_url(self) -> str:
        return f"{PG_SERVER}/{self.pg_name}"

    def environment(self) -> dict[str, str]:
        """Environment for a Django process working on this data set."""
        env = dict(os.environ)
        # The shared settings, not the dev ones: DEBUG off, so no query log slows the runs.
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
        env["DEBUG"] = "false"
        env.pop("DATABASE_REPLICA_URL", None)
        if self.vendor == "postgresql":
            env["DATABASE_URL"] = self.pg_url
        else:
            env.pop("DATABASE_URL", None)
        # SQLite's file lives in the data set's own directory; exports written by a
        # benchmark go there too, never into the developer's var/.
        env["SAFETY_LEDGER_VAR_DIR"] = str(self.sqlite_dir)
        return env

    def info(self) -> dict | None:
        return json.loads(self.marker.read_text()) if self.marker.exists() else None


def _manage(dataset: Dataset, *args: str) -> None:
    subprocess.run(
        [str(VENV_PYTHON), "manage.py", *args], cwd=ROOT, env=dataset.environment(), check=True
    )


def _recreate_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def ensure(dataset: Dataset, log=print) -> dict:
    """Generate the data set unless a ready one exists; return its marker (load times)."""
    info = dataset.info()
    if info is not None:
        log(f"{dataset.key}: reusing the data set generated on {info['generated_at']}")
        # A data set outlives code changes: bring its schema up to date and compute the
        # monthly rollups the reports read (only months that are stale or missing).
        _manage(dataset, "migrate", "--no-input", "-v", "0")
        _manage(dataset, "refresh_rollups")
        return info
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    dataset.sqlite_dir.mkdir(parents=True, exist_ok=True)
    if dataset.vendor == "postgresql":
        _recreate_postgres_database(dataset.pg_name)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{dataset.sqlite_path}{suffix}").unlink(missing_ok=True)
    log(f"{dataset.key}: migrating")
    started = time.perf_counter()
    _manage(dataset, "migrate", "--no-input", "-v", "0")
    migrated = time.perf_counter()
    log(f"{dataset.key}: seeding {dataset.sessions:,} sessions (seed {dataset.seed})")
    # The demo's generator with the `stress` profile: about five events per session.
    _manage(
        dataset,
        "seed_demo",
        "--profile",
        "stress",
        "--sessions",
        str(dataset.sessions),
        "--seed",
        str(dataset.seed),
    )
    seeded = time.perf_counter()
    log(f"{dataset.key}: giving one event {TRAIL_VERSIONS:,} versions")
    subprocess.run(
        [str(VENV_PYTHON), "-m", "tests.benchmarks.fixtures", "trail", str(TRAIL_VERSIONS)],
        cwd=ROOT,
        env=dataset.environment(),
        check=True,
    )
    _manage(dataset, "refresh_rollups")  # the amendments above marked their month stale
    if dataset.vendor == "postgresql":
        _manage(dataset, "dbshell", "--", "-c", "VACUUM ANALYZE")
    else:
        subprocess.run(["sqlite3", str(dataset.sqlite_path), "ANALYZE;"], check=True)
    info = {
        "generated_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "migrate_seconds": round(migrated - started, 1),
        "load_seconds": round(seeded - migrated, 1),
        "sessions": dataset.sessions,
        "seed": dataset.seed,
    }
    info |= _counts(dataset)
    dataset.marker.write_text(json.dumps(info, indent=2))
    log(f"{dataset.key}: loaded in {info['load_seconds']:,} s ({info['events']:,} events)")
    return info


def _counts(dataset: Dataset) -> dict:
    out = subprocess.run(
        [str(VENV_PYTHON), "-m", "tests.benchmarks.fixtures", "counts"],
        cwd=ROOT,
        env=dataset.environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate (or reuse) a benchmark data set.")
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], required=True)
    args = parser.parse_args(argv)
    ensure(Dataset(args.database, args.sessions, args.seed))


if __name__ == "__main__":
    sys.exit(main())
