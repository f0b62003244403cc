"""`make bench`: the performance targets of DESIGN section 11, measured against references
taken in the same run on the same data.

    python -m tests.benchmarks.run --sessions 200000 --databases sqlite postgresql

For each database it generates (or reuses) the data set (`dataset.py`), runs every operation
and its reference in fresh processes (`operations.py`: warm-up, then `--repeat` timed runs),
prints one table and writes it, with the machine it ran on, to `--output`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.dataset import PG_SERVER, ROOT, VENV_PYTHON, Dataset, ensure
from tests.benchmarks.operations import FILTER_COMBINATIONS

PDF_SMALL_SESSIONS = 2000  # about 10,000 events
# Rounds of the four writer configurations, interleaved; each rate is the median of its rounds
# (one run of a few seconds on two shared CPUs varies by a tenth or more either way, and the
# writers rows divide by one writer's rate, so its median needs the five).
WRITER_ROUNDS = 5


@dataclass
class Row:
    operation: str
    database: str
    median: str
    spread: str
    reference: str
    ratio: str
    target: str
    met: bool | None
    memory: str = ""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(dataset: Dataset, subject: str, repeat: int, warmup: int = 1, **extra) -> dict:
    command = [
        str(VENV_PYTHON),
        "-m",
        "tests.benchmarks.operations",
        subject,
        "--repeat",
        str(repeat),
        "--warmup",
        str(warmup),
    ]
    for name, value in extra.items():
        flag = "--" + name.replace("_", "-")
        command += [flag] if value is True else [flag, str(value)]
    out = subprocess.run(
        command, cwd=ROOT, env=dataset.environment(), capture_output=True, text=True
    )
    for line in out.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise RuntimeError(f"{subject} on {dataset.key} failed:\n{out.stderr[-3000:]}")


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def spread(result: dict) -> str:
    return f"{seconds(result['min'])}-{seconds(result['max'])}"


def memory(result: dict) -> str:
    return f"{result['peak_rss_mb']:.0f} MB"


def _ratio_row(name, db, ours, reference, limit, note="") -> Row:
    ratio = ours["median"] / reference["median"]
    return Row(
        name,
        db,
        seconds(ours["median"]),
        spread(ours),
        seconds(reference["median"]) + note,
        f"{ratio:.2f}",
        f"<= {limit}",
        ratio <= limit,
        memory(ours),
    )


def _absolute_row(name, db, ours, limit, reference: dict | None = None, ref_note="") -> Row:
    ratio = ours["median"] / reference["median"] if reference else None
    return Row(
        name,
        db,
        seconds(ours["median"]),
        spread(ours),
        (seconds(reference["median"]) + ref_note) if reference else "",
        f"{ratio:.2f}" if ratio else "",
        f"< {seconds(limit)}",
        ours["median"] < limit,
        memory(ours),
    )


def bench_database(vendor: str, args, loads: list[dict]) -> list[Row]:
    full = Dataset(vendor, args.sessions, args.seed)
    small = Dataset(vendor, min(PDF_SMALL_SESSIONS, args.sessions), args.seed)
    full_info = ensure(full, log)
    small_info = ensure(small, log)
    loads += [{"database": vendor, **full_info}]
    if small != full:
        loads += [{"database": vendor, **small_info}]
    db = "PostgreSQL" if vendor == "postgresql" else "SQLite"
    events = full_info["events"]
    repeat = args.repeat
    rows: list[Row] = []

    def run(subject, dataset=full, repeat=repeat, **extra):
        log(f"{dataset.key}: {subject}")
        return measure(dataset, subject, repeat, **extra)

    for period, label in (("12m", "12 months"), ("all", "all time")):
        reference = run(f"summary_{period}_ref")
        for subject, how in (("", "monthly rollups"), ("_live", "counted live")):
            ours = run(f"summary_{period}{subject}")
            name = f"1. safety summary, {label}, {how}"
            rows.append(_ratio_row(name, db, ours, reference, 1.5, " (SQL GROUP BY)"))

    # Dashboard filters (issue target: any combination under 0.5 s on PostgreSQL, 2 s on
    # SQLite, within 2x of a hand-written GROUP BY over the same rows).
    limit = 0.5 if vendor == "postgresql" else 2.0
    for combination in FILTER_COMBINATIONS:
        reference = run(f"filters_{combination}_ref")
        # "From the records" is the equivalence tests' reference, not a path the summary
        # reads: shown for comparison, without a target of its own.
        for subject, how in (("", "counted events"), ("_records", "from the records")):
            ours = run(f"filters_{combination}{subject}")
            ratio = ours["median"] / reference["median"]
            served = not subject
            rows.append(
                Row(
                    f"1f. filtered summary, 12 months, {combination.replace('_', ' ')}, {how}",
                    db,
                    seconds(ours["median"]),
                    spread(ours),
                    seconds(reference["median"]) + " (SQL GROUP BY)",
                    f"{ratio:.2f}",
                    f"<= 2 and < {seconds(limit)}" if served else "(comparison only)",
                    ratio <= 2 and ours["median"] < limit if served else None,
                    memory(ours),
                )
            )

    csv_repeat = max(1, min(repeat, 3))
    ours = run("csv", repeat=csv_repeat)
    reference = run("csv_ref", repeat=csv_repeat)
    listed = ours["details"]["rows"]
    ours_rate, ref_rate = (
        listed / ours["median"],
        reference["details"]["rows"] / reference["median"],
    )
    share = ours_rate / ref_rate
    tool = "COPY" if vendor == "postgresql" else "sqlite3 shell"
    rows.append(
        Row(
            f"2. CSV listing, {listed:,} events",
            db,
            f"{seconds(ours['median'])} ({ours_rate:,.0f} rows/s)",
            spread(ours),
            f"{seconds(reference['median'])} ({ref_rate:,.0f} rows/s, {tool})",
            f"{share:.2f}",
            ">= 0.40 of throughput, < 200 MB",
            share >= 0.40 and ours["peak_rss_mb"] < 200,
            memory(ours),
        )
    )

    try:
        pdf_small = run("pdf_12m", small)
        small_events = small_info["events"]
        rows.append(
            _absolute_row(f"3. PDF summary, 12 months, {small_events:,} events", db, pdf_small, 3.0)
        )
        if small != full:
            pdf_full = run("pdf_12m")
            rows.append(
                _absolute_row(
                    f"3. PDF summary, 12 months, {events:,} events",
                    db,
                    pdf_full,
                    3.0,
                    pdf_small,
                    f" (at {small_events:,})",
                )
            )
    except RuntimeError as error:
        log(f"PDF summary failed: {error}")

    ours = run("file_event")
    reference = run("file_event_no_history")
    per_event = {key: ours[key] / 20 for key in ("median", "min", "max")} | {
        "peak_rss_mb": ours["peak_rss_mb"]
    }
    ref_event = {"median": reference["median"] / 20}
    rows.append(
        _ratio_row(
            "4. file an event (service), with history",
            db,
            per_event,
            ref_event,
            1.4,
            " (no history)",
        )
    )

    trail = run("trail_page")
    trail_selector = run("trail_selector")
    versions = trail["details"]["versions"]
    rows.append(
        _absolute_row(
            f"5. audit trail page, {versions:,} versions",
            db,
            trail,
            0.2,
            trail_selector,
            " (selector)",
        )
    )
    ledger_rows = full_info["ledger_rows"]
    for subject, label in (
        ("audit_log_page", f"6. audit log page, auditor ({ledger_rows:,} ledger rows)"),
        ("audit_log_page_director", "6. audit log page, director of 2 sites"),
        ("review_queue_page", f"6. review queue page ({events:,} events)"),
        ("review_queue_last_page", "6. review queue, last page"),
        ("review_queue_api", "6. review queue API"),
        ("review_queue_api_last", "6. review queue API, last page"),
    ):
        rows.append(_absolute_row(label, db, run(subject), 0.3))

    if vendor == "postgresql":
        rows += bench_writers(small, args.writer_seconds)
    rows += bench_http(full, small, args)
    return rows


def _http_row(name: str, db: str, ours, floor, limit: float) -> Row:
    return Row(
        name,
        db,
        seconds(ours.median),
        f"{seconds(ours.low)}-{seconds(ours.high)}",
        f"{seconds(floor.median)} (GET /api/v1/terms/)",
        f"{ours.median / floor.median:.1f}",
        f"< {seconds(limit)}",
        ours.median < limit,
    )


def bench_http(full: Dataset, small: Dataset, args) -> list[Row]:
    """The HTTP section (`over_http.py`): gunicorn with the documented settings."""
    from tests.benchmarks import over_http

    db = "PostgreSQL" if full.vendor == "postgresql" else "SQLite"
    log(f"{full.key}: HTTP reads through gunicorn")
    results = over_http.reads(full, args.repeat)
    floor = results.pop("floor")
    summary_limit = 0.5 if full.vendor == "postgresql" else 2.0
    rows = []
    for label, timing in results.items():
        if label.startswith("summary"):
            name = f"H1. summary API ({label.removeprefix('summary: ')} filter)"
            rows.append(_http_row(name, db, timing, floor, summary_limit))
        else:
            rows.append(_http_row("H2. review queue API, last page", db, timing, floor, 0.1))
    log(f"{small.key}: HTTP export requests and writers")
    exports, rates = over_http.writes(small, args.repeat, args.writer_seconds, WRITER_ROUNDS)
    rows.append(
        _http_row(
            f"H3. export request to its 202 (copy of {small.sessions:,} sessions)",
            db,
            exports,
            floor,
            0.3,
        )
    )
    if rates:
        rows.append(_http_writers_row(rates))
    return rows


def _http_writers_row(rates) -> Row:
    four, one = rates[(4, True)], rates[(1, True)]
    four_bare, one_bare = rates[(4, False)], rates[(1, False)]
    scaling, reference = four.median / one.median, four_bare.median / one_bare.median
    share = scaling / reference
    return Row(
        "H4. 4 writers at 4 sites through the API",
        "PostgreSQL",
        f"{four.median:.0f} events/s ({scaling:.2f}x one writer's {one.median:.0f})",
        f"{four.low:.0f}-{four.high:.0f} events/s",
        f"{four_bare.median:.0f} events/s no history ({reference:.2f}x one writer's "
        f"{one_bare.median:.0f})",
        f"{share:.2f}",
        "scaling >= 0.9 of the no-history scaling",
        share >= 0.9,
    )


def _writers(template: Dataset, count: int, seconds_each: float, history: bool) -> float:
    """Events per second filed by `count` writer processes at once, on a fresh copy."""
    import psycopg

    copy = Dataset("postgresql", template.sessions, template.seed)
    name = f"safety_ledger_bench_writers_{template.sessions}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.pg_name}"')
    env = copy.environment() | {"DATABASE_URL": f"{PG_SERVER}/{name}"}
    start_at = time.time() + 8  # every process is set up before the first write
    command = [str(VENV_PYTHON), "-m", "tests.benchmarks.operations", "writer"]
    processes = [
        subprocess.Popen(
            command
            + ["--writer", str(n), "--seconds", str(seconds_each), "--start-at", str(start_at)]
            + ([] if history else ["--no-history"]),
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate()
        line = next((x for x in stdout.splitlines() if x.startswith("BENCH-RESULT ")), None)
        if line is None:
            raise RuntimeError(f"writer failed:\n{stderr[-3000:]}")
        results.append(json.loads(line.removeprefix("BENCH-RESULT ")))
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return sum(r["filed"] for r in results) / max(r["seconds"] for r in results)


def bench_writers(template: Dataset, seconds_each: float) -> list[Row]:
    log("concurrent writers")
    rounds = [
        {
            (count, history): _writers(template, count, seconds_each, history)
            for history in (True, False)
            for count in (1, 4)
        }
        for _ in range(WRITER_ROUNDS)
    ]
    rates = {key: statistics.median(round_[key] for round_ in rounds) for key in rounds[0]}
    four_with_history = [round_[(4, True)] for round_ in rounds]
    scaling = rates[(4, True)] / rates[(1, True)]
    scaling_reference = rates[(4, False)] / rates[(1, False)]
    share = scaling / scaling_reference
    return [
        Row(
            "7. 4 concurrent writers filing events",
            "PostgreSQL",
            f"{rates[(4, True)]:.0f} events/s ({scaling:.2f}x one writer's {rates[(1, True)]:.0f})",
            f"{min(four_with_history):.0f}-{max(four_with_history):.0f} events/s",
            f"{rates[(4, False)]:.0f} events/s no history ({scaling_reference:.2f}x one "
            f"writer's {rates[(1, False)]:.0f})",
            f"{share:.2f}",
            "scaling >= 0.9 of the no-history scaling",
            share >= 0.9,
        )
    ]


def bench_cold_start(workers: int) -> list[Row]:
    """The first request of fresh gunicorn workers, warmed in the preloaded master, against
    the same without the warm-up (`tests/benchmarks/cold_start.py`)."""
    import tempfile

    from tests.benchmarks.cold_start import first_request_seconds

    log("first request of fresh gunicorn workers")
    with tempfile.TemporaryDirectory(prefix="sl-bench-cold-") as scratch:
        warm = first_request_seconds(Path(scratch) / "warm", workers=workers)
        cold = first_request_seconds(Path(scratch) / "cold", workers=workers, warm_up=False)
    median, reference = statistics.median(warm), statistics.median(cold)
    return [
        Row(
            f"0. first request of a fresh gunicorn worker ({workers} workers)",
            "any",
            seconds(median),
            f"{seconds(min(warm))}-{seconds(max(warm))}",
            f"{seconds(reference)} without the warm-up",
            f"{median / reference:.2f}",
            "< 500 ms",
            median < 0.5,
        )
    ]


def machine() -> dict:
    def version(command):
        try:
            return subprocess.run(command, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "not installed"

    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import django

    return {
        "cpus": os.cpu_count(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "memory": f"{memory_kb / 1024 / 1024:.1f} GB",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": version(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"]
        ),
        "sqlite": version(["sqlite3", "--version"]).split(" ")[0],
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


HEADER = (
    "operation",
    "database",
    "median",
    "spread",
    "reference",
    "ratio",
    "target",
    "met",
    "peak RSS",
)


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        met = "n/a" if row.met is None else ("yes" if row.met else "**no**")
        cells = (
            row.operation,
            row.database,
            row.median,
            row.spread,
            row.reference,
            row.ratio,
            row.target,
            met,
            row.memory,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(rows: list[Row], loads: list[dict], args, started: float) -> str:
    info = machine()
    load_lines = "\n".join(
        f"| {load['database']} | {load['sessions']:,} | {load['events']:,} | "
        f"{load['ledger_rows']:,} | {load['migrate_seconds']:,} s | {load['load_seconds']:,} s |"
        for load in loads
    )
    return (
        f"Run of {time.strftime('%Y-%m-%d %H:%M')}, {args.sessions:,} sessions (seed "
        f"{args.seed}), {args.repeat} timed runs after a warm-up, in "
        f"{(time.time() - started) / 60:.0f} minutes.\n\n"
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']} memory; Python "
        f"{info['python']}, Django {info['django']}, PostgreSQL {info['postgresql']}, SQLite "
        f"{info['sqlite']}. Load average at the end of the run: {info['load_average']}.\n\n"
        "| database | sessions | events | ledger rows | migrate | load (seed_demo) |\n"
        "|---|---|---|---|---|---|\n"
        f"{load_lines}\n\n{table(rows)}\n"
    )


START, END = "<!-- bench:results -->", "<!-- /bench:results -->"


def write_report(path: Path, text: str) -> None:
    """Write the report, or replace the part between the result markers of a document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    current = path.read_text() if path.exists() else ""
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1]
        text = f"{before}{START}\n{text}{END}{after}"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writer-seconds", type=float, default=8)
    parser.add_argument("--fresh-workers", type=int, default=5)
    parser.add_argument("--output", type=Path, help="Markdown file to write the report to.")
    parser.add_argument("--strict", action="store_true", help="Exit 1 when a target is missed.")
    args = parser.parse_args(argv)
    started = time.time()
    rows: list[Row] = []
    loads: list[dict] = []
    rows += bench_cold_start(args.fresh_workers)
    for vendor in args.databases:
        rows += bench_database(vendor, args, loads)
    text = report(rows, loads, args, started)
    print(text)
    if args.output:
        write_report(args.output, text)
        log(f"report written to {args.output}")
    missed = [row.operation for row in rows if row.met is False]
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
