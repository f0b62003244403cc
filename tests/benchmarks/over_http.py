"""The HTTP section of `make bench`: what a user meets, through gunicorn.

gunicorn runs with the documented settings (docs/operations.md: production settings,
`--workers 4 --preload --timeout 30`) on a benchmark data set, and a client on the same
machine times, with an API token:

- the safety summary (the dashboard's figures) under three filter combinations;
- the review queue's last page (keyset paging: the same cost as the first);
- an export request until its 202 (the job runs outside the request);
- four writers at four sites filing events at once, against one writer, with the same server
  without history as the reference (PostgreSQL; `wsgi_no_history.py`).

Each is reported as a median with its spread; the reference measured in the same run is the
cheapest authenticated request (`GET /api/v1/terms/`, the floor of any request) or, for the
writers, the application without history. The export and the writers write, so they run on a
throwaway copy of the small data set (PostgreSQL: `CREATE DATABASE ... TEMPLATE`; SQLite: a
file copy), never on the data set later runs reuse.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess  # nosec B404
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.benchmarks.cold_start import GUNICORN, ROOT, _free_port, collect_static, production_env
from tests.benchmarks.dataset import PG_SERVER, VENV_PYTHON, Dataset
from tests.benchmarks.filings import TERM, Slot, nth_filing

WORKERS = 4
FILTER_COMBINATIONS = (
    ("route", "route=im"),
    ("drug, grade, serious", "drug=ketamine&grade=3&serious=true"),
    ("term, indication", "term=headache&indication=trd"),
)


@dataclass(frozen=True)
class Timing:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Timing:
        return cls(statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class Server:
    url: str


def clients(dataset: Dataset) -> dict[str, Any]:
    """Tokens, sessions to file on and the queue's last-page cursor (`fixtures.py http`)."""
    out = subprocess.run(  # noqa: S603  # nosec B603
        [str(VENV_PYTHON), "-m", "tests.benchmarks.fixtures", "http"],
        cwd=ROOT,
        env=dataset.environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextmanager
def gunicorn(
    dataset: Dataset, *, database_url: str | None = None, app: str = "config.wsgi:application"
) -> Iterator[Server]:
    """gunicorn as docs/operations.md starts it, on `dataset` (or `database_url`), until the
    block ends; every worker is up before the block starts."""
    var_dir = dataset.sqlite_dir
    collect_static(var_dir)
    ready = Path(tempfile.mkdtemp(prefix="sl-bench-http-"))
    config = ready / "gunicorn.conf.py"
    config.write_text(
        "def post_worker_init(worker):\n"
        f"    open({str(ready)!r} + f'/{{worker.pid}}.ready', 'w').close()\n"
    )
    env = production_env(var_dir)
    url = database_url or (dataset.pg_url if dataset.vendor == "postgresql" else None)
    if url:
        env["DATABASE_URL"] = url
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603  # nosec B603
        [
            str(GUNICORN),
            app,
            "--config",
            str(config),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--preload",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 180
        while len(list(ready.glob("*.ready"))) < WORKERS:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({app} on {dataset.key})")
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn workers did not start in time")
            time.sleep(0.1)
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(ready, ignore_errors=True)


def request(
    server: Server, path: str, token: str, body: dict | None = None, expect: int = 200
) -> float:
    """Seconds until the whole response of one request has arrived."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(server.url + path, data=data, headers=headers)  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(call, timeout=120) as answer:  # noqa: S310  # nosec B310
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as error:
        status, detail = error.code, error.read()[:500]
        raise RuntimeError(f"{path}: {status} {detail!r}") from error
    elapsed = time.perf_counter() - started
    if status != expect:
        raise RuntimeError(f"{path}: {status}, expected {expect}")
    return elapsed


def timed(run: Callable[[], float], repeat: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        run()
    return Timing.of([run() for _ in range(repeat)])


def reads(dataset: Dataset, repeat: int) -> dict[str, Timing]:
    """The floor, the summary under three filter combinations and the queue's last page."""
    given = clients(dataset)
    director = given["director"]
    with gunicorn(dataset) as server:
        results = {"floor": timed(lambda: request(server, "/api/v1/terms/", director), repeat)}
        for label, query in FILTER_COMBINATIONS:
            path = f"/api/v1/reporting/summary/?{query}"
            results[f"summary: {label}"] = timed(
                lambda path=path: request(server, path, director), repeat
            )
        last = f"/api/v1/review-queue/?cursor={given['last_page']}"
        results["queue, last page"] = timed(lambda: request(server, last, director), repeat)
    return results


@contextmanager
def throwaway_copy(template: Dataset) -> Iterator[tuple[Dataset, str | None]]:
    """A copy of `template` to write on, dropped afterwards: (data set whose directory holds
    the copy, database URL for PostgreSQL)."""
    if template.vendor == "postgresql":
        import psycopg

        name = f"safety_ledger_bench_http_{template.sessions}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.pg_name}"')
        try:
            yield template, f"{PG_SERVER}/{name}"
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    copy = Dataset("sqlite", template.sessions, template.seed + 1_000_000)
    shutil.rmtree(copy.sqlite_dir, ignore_errors=True)
    copy.sqlite_dir.mkdir(parents=True)
    shutil.copy(template.sqlite_path, copy.sqlite_path)
    if (template.sqlite_dir / "static").exists():  # collected once for the template
        shutil.copytree(template.sqlite_dir / "static", copy.sqlite_dir / "static")
    try:
        yield copy, None
    finally:
        shutil.rmtree(copy.sqlite_dir, ignore_errors=True)


def _export(server: Server, token: str, repeat: int) -> Timing:
    """Time to the 202 of an export request (a CSV listing of every event the director may
    see); the jobs it starts run in the server's own worker."""
    body = {"kind": "listing_csv", "filters": {}}
    return timed(lambda: request(server, "/api/v1/exports/jobs/", token, body, 202), repeat)


def _with_url(dataset: Dataset, url: str | None) -> Dataset:
    return _UrlDataset(dataset.vendor, dataset.sessions, dataset.seed, url) if url else dataset


@dataclass(frozen=True)
class _UrlDataset(Dataset):
    url: str | None = None

    def environment(self) -> dict[str, str]:
        return super().environment() | ({"DATABASE_URL": self.url} if self.url else {})


@dataclass
class _Writer:
    """One nurse's API client, filing into her site's sessions in turn (`filings.py`)."""

    token: str
    slots: list[Slot]
    onset_step: timedelta
    filed: int = 0

    @classmethod
    def of(cls, given: dict) -> _Writer:
        return cls(
            given["token"],
            [Slot(pk, datetime.fromisoformat(started)) for pk, started in given["slots"]],
            timedelta(minutes=given["onset_step_minutes"]),
        )

    def next_filing(self) -> dict:
        session, onset = nth_filing(self.slots, self.filed, self.onset_step)
        self.filed += 1
        return {
            "session": session,
            "term": TERM,
            "onset_at": onset.isoformat(),
            "grade": 1,
            "confirm_not_duplicate": False,  # a likely duplicate would fail the run (409)
        }


def _file_for(server: Server, writer: _Writer, seconds: float, start_at: float, out: list) -> None:
    while time.time() < start_at:
        time.sleep(0.002)
    filed, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < seconds:
        request(server, "/api/v1/events/", writer.token, writer.next_filing(), 201)
        filed += 1
    out.append((filed, time.perf_counter() - begin))


def _rate(server: Server, writers: list[_Writer], seconds: float) -> float:
    """Events per second filed through the API by `len(writers)` clients at once."""
    results: list[tuple[int, float]] = []
    start_at = time.time() + 0.5
    threads = [
        threading.Thread(target=_file_for, args=(server, w, seconds, start_at, results))
        for w in writers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(results) != len(writers):
        raise RuntimeError("an HTTP writer failed")
    return sum(n for n, _ in results) / max(s for _, s in results)


def writes(
    template: Dataset, repeat: int, seconds: float, rounds: int
) -> tuple[Timing, dict[tuple[int, bool], Timing]]:
    """On one throwaway copy: the export request's time to 202, then (PostgreSQL) events/s of
    one writer and of four writers at four sites, with history and without, rounds
    interleaved (the two servers take turns, never both busy)."""
    with throwaway_copy(template) as (dataset, url):
        given = clients(_with_url(dataset, url))
        every = [_Writer.of(writer) for writer in given["writers"]]
        with gunicorn(dataset, database_url=url) as audited:
            exports = _export(audited, given["director"], repeat)
            if template.vendor != "postgresql":
                return exports, {}
            with gunicorn(
                dataset, database_url=url, app="tests.benchmarks.wsgi_no_history:application"
            ) as bare:
                return exports, _writer_rounds(audited, bare, every, seconds, rounds)


def _writer_rounds(
    audited: Server, bare: Server, every: list[_Writer], seconds: float, rounds: int
) -> dict[tuple[int, bool], Timing]:
    for server in (audited, bare):  # one request each, so no worker starts cold
        for writer in every:
            request(server, "/api/v1/terms/", writer.token)
    rates: dict[tuple[int, bool], list[float]] = {}
    for _ in range(rounds):
        for history, server in ((True, audited), (False, bare)):
            for count in (1, WORKERS):
                rates.setdefault((count, history), []).append(_rate(server, every[:count], seconds))
    return {key: Timing.of(values) for key, values in rates.items()}
