# ruff: noqa: S608 - the reference SQL is built from constants; values go in as parameters.
"""The measured operations and their references, run one per process on a data set.

    python -m tests.benchmarks.operations <subject> --repeat 5

prints one JSON line: every timing, the process's peak resident memory (`ru_maxrss`, which
covers everything the operation allocated, Python or not) and what the subject reports about
its work (rows written, events filed...). The orchestrator (`run.py`) pairs each operation
with its reference. One subject per process, so each peak memory belongs to one subject.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta

import django

SUBJECTS: dict[str, Callable] = {}


def subject(name: str):
    def register(function):
        SUBJECTS[name] = function
        return function

    return register


# --- shared pieces ----------------------------------------------------------------------


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _twelve_months():
    from reporting.filters import ReportFilters

    today = date.today()
    last_day = date(today.year + (today.month == 12), today.month % 12 + 1, 1) - timedelta(1)
    first = date(today.year - 1 + (today.month == 12), today.month % 12 + 1, 1)
    return ReportFilters(date_from=first, date_to=last_day)


def _all_time():
    from reporting.filters import ReportFilters

    return ReportFilters()


def _client(username: str):
    from django.test import Client

    client = Client()
    client.force_login(_user(username))
    return client


def _get(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(response.content)


# --- 1. safety summary vs hand-written GROUP BY -----------------------------------------


def _summary(filters_factory):
    from reporting.selectors import safety_summary

    user, filters = _user("auditor"), filters_factory()

    def run():
        summary = safety_summary(user, filters)
        return {"events": summary.events, "sessions": summary.sessions}

    return run


def _summary_live(filters_factory):
    """The same computation with every count read from the records, none from the monthly
    rollups: the query work the SQL reference does. Each subject runs in a process of its own,
    so the switch stays in this one."""
    from reporting import rollups

    rollups.is_answerable = lambda filters: False
    return _summary(filters_factory)


subject("summary_12m")(lambda: _summary(_twelve_months))
subject("summary_all")(lambda: _summary(_all_time))
subject("summary_12m_live")(lambda: _summary_live(_twelve_months))
subject("summary_all_live")(lambda: _summary_live(_all_time))


def _summary_sql(filters) -> list[tuple[str, list]]:
    """The summary's figures as plain SQL: what an analyst would write by hand. The filters'
    period, and for the filter combinations their session and event conditions
    (`_filter_sql`), narrow the same rows the summary counts."""
    from events.choices import EventStatus, SessionStatus
    from reporting.filters import ONSET_BANDS

    # Exposure: sessions that started (in progress, completed, stopped early), not voided.
    where = "s.is_voided = %s AND s.status IN (%s, %s, %s)"
    params: list = [
        False,
        SessionStatus.IN_PROGRESS,
        SessionStatus.COMPLETED,
        SessionStatus.STOPPED_EARLY,
    ]
    if filters.date_from:
        where += " AND s.month >= %s AND s.month <= %s"
        params += [filters.date_from.strftime("%Y-%m"), filters.date_to.strftime("%Y-%m")]
    extra_sessions, extra_session_params, extra_events, extra_event_params = _filter_sql(filters)
    where += extra_sessions
    params += extra_session_params
    events = f"e.status <> %s AND {where}{extra_events}"
    event_params = [EventStatus.VOIDED, *params, *extra_event_params]
    dims = "s.month, s.site_id, s.route, s.drug, s.dose_band"
    number = "CASE WHEN s.sequence_number < 7 THEN s.sequence_number ELSE 7 END"
    serious = "CASE WHEN e.is_serious THEN 1 ELSE 0 END"
    join = "events_adverseevent e JOIN events_infusionsession s ON s.id = e.session_id"
    grades = ", ".join(
        f"SUM(CASE WHEN e.grade = {g} THEN 1 ELSE 0 END) AS g{g}, "
        f"SUM(CASE WHEN e.grade = {g} AND e.is_serious THEN 1 ELSE 0 END) AS s{g}"
        for g in range(1, 6)
    )
    grade_sums = ", ".join(f"SUM(g{g}), SUM(s{g})" for g in range(1, 6))
    bands = " ".join(
        "WHEN "
        + " AND ".join(
            [f"e.onset_minutes >= {low}"] * (low is not None)
            + [f"e.onset_minutes < {high}"] * (high is not None)
        )
        + f" THEN '{band}'"
        for band, (low, high) in ONSET_BANDS.items()
    )
    return [
        ("SELECT id, code, name, timezone FROM events_site ORDER BY code", []),
        ("SELECT id, code, name, category, is_active FROM events_eventterm ORDER BY name", []),
        (
            f"SELECT {dims}, {number}, COUNT(*) FROM events_infusionsession s "  # noqa: S608
            f"WHERE {where} GROUP BY {dims}, {number}",
            params,
        ),
        (
            f"SELECT COUNT(DISTINCT s.patient_id) FROM events_infusionsession s WHERE {where}",
            params,
        ),
        (
            f"SELECT month, site_id, route, drug, dose_band, n7, SUM(n), COUNT(*), SUM(serious) "
            f"FROM (SELECT e.session_id, {dims}, {number} AS n7, COUNT(*) AS n, "
            f"SUM({serious}) AS serious FROM {join} WHERE {events} "
            f"GROUP BY e.session_id, {dims}, {number}) per_session "
            "GROUP BY month, site_id, route, drug, dose_band, n7",
            event_params,
        ),
        (
            "SELECT term_id, month, worst, COUNT(*), SUM(n), SUM(serious) FROM ("
            f"SELECT e.session_id, e.term_id, s.month, MAX(e.grade) AS worst, COUNT(*) AS n, "
            f"SUM({serious}) AS serious FROM {join} WHERE {events} "
            "GROUP BY e.session_id, e.term_id, s.month) per_pair GROUP BY term_id, month, worst",
            event_params,
        ),
        (
            f"WITH per_session AS (SELECT e.session_id, s.patient_id, MAX(e.grade) AS worst, "
            f"COUNT(*) AS n, SUM({serious}) AS serious, {grades} FROM {join} WHERE {events} "
            "GROUP BY e.session_id, s.patient_id) "
            f"SELECT worst, COUNT(*), SUM(n), SUM(serious), 0, {grade_sums} "
            "FROM per_session GROUP BY worst UNION ALL "
            f"SELECT 0, COUNT(*), SUM(n), SUM(serious), COUNT(DISTINCT patient_id), {grade_sums} "
            "FROM per_session",
            event_params,
        ),
        (
            f"SELECT t.category, COUNT(*), COUNT(DISTINCT e.session_id), SUM({serious}) "
            f"FROM {join} JOIN events_eventterm t ON t.id = e.term_id WHERE {events} "
            "GROUP BY t.category",
            event_params,
        ),
        (
            f"SELECT CASE WHEN e.onset_minutes IS NULL THEN 'unknown' {bands} END AS band, "
            f"COUNT(*), COUNT(DISTINCT e.session_id), SUM({serious}) FROM {join} "
            f"WHERE {events} GROUP BY band",
            event_params,
        ),
    ]


def _in(column: str, values) -> tuple[str, list]:
    return f" AND {column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _filter_sql(filters) -> tuple[str, list, str, list]:
    """Hand-written conditions for the filters the combinations below use: on the session
    (route, drug, dose band, session number, the patient's indication) and on the event
    (review status, term, grade, seriousness)."""
    session_sql, session_params, event_sql, event_params = "", [], "", []
    for column, values in (
        ("s.route", filters.routes),
        ("s.drug", filters.drugs),
        ("s.dose_band", filters.dose_bands),
    ):
        if values:
            sql, values_params = _in(column, values)
            session_sql, session_params = session_sql + sql, session_params + values_params
    if filters.session_numbers:
        numbers = [n for n in filters.session_numbers if n < 7]
        sql, number_params = _in("s.sequence_number", numbers or [0])
        if 7 in filters.session_numbers:
            sql = f" AND (s.sequence_number >= 7 OR {sql.removeprefix(' AND ')})"
        session_sql, session_params = session_sql + sql, session_params + number_params
    if filters.indications:
        sql, values_params = _in("p.indication", filters.indications)
        session_sql += (
            " AND s.patient_id IN (SELECT p.id FROM events_patient p WHERE "
            f"{sql.removeprefix(' AND ')})"
        )
        session_params += values_params
    if filters.review != "all":
        sql, values_params = _in("e.status", filters.event_statuses)
        event_sql, event_params = event_sql + sql, event_params + values_params
    for column, values in (("e.term_id", filters.term_ids), ("e.grade", filters.grades)):
        if values:
            sql, values_params = _in(column, values)
            event_sql, event_params = event_sql + sql, event_params + values_params
    if filters.serious is not None:
        event_sql += " AND e.is_serious = %s"
        event_params.append(filters.serious)
    return session_sql, session_params, event_sql, event_params


def _summary_reference(filters_factory):
    from django.db import connections

    from reporting.selectors import reporting_database

    statements = _summary_sql(filters_factory())

    def run():
        rows = 0
        with connections[reporting_database()].cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                rows += len(cursor.fetchall())
        return {"result_rows": rows}

    return run


subject("summary_12m_ref")(lambda: _summary_reference(_twelve_months))
subject("summary_all_ref")(lambda: _summary_reference(_all_time))


# --- 1f. dashboard filter combinations: counted events vs records vs hand-written SQL -----


def _combination(name: str):
    """Three filter combinations over the 12 months: session and event filters mixed."""
    from events.choices import Drug, Indication, Route
    from events.models import EventTerm

    def factory():
        months = _twelve_months()
        if name == "route_grade":
            return months.replace(routes=(Route.IV,), grades=(2, 3))
        if name == "drug_term_review":
            term = EventTerm.objects.get(code="hypertension")
            return months.replace(drugs=(Drug.KETAMINE,), term_ids=(term.pk,), review="submitted")
        return months.replace(
            indications=(Indication.TRD, Indication.MDD),
            dose_bands=("0.5-0.75", "0.75-1.0"),
            session_numbers=(1, 2, 3, 7),
            serious=False,
        )

    return factory


def _summary_from_records(filters_factory):
    """The filtered summary as it was counted before the counted-events table: from the
    records, joined per event."""
    import functools

    from reporting import rollups

    rollups.summary_frames = functools.partial(rollups.summary_frames, from_records=True)
    return _summary(filters_factory)


FILTER_COMBINATIONS = ("route_grade", "drug_term_review", "indication_band_number_serious")
for _name in FILTER_COMBINATIONS:
    subject(f"filters_{_name}")(lambda name=_name: _summary(_combination(name)))
    subject(f"filters_{_name}_records")(
        lambda name=_name: _summary_from_records(_combination(name))
    )
    subject(f"filters_{_name}_ref")(lambda name=_name: _summary_reference(_combination(name)))


# --- 2. CSV line listing vs the database's own CSV writer --------------------------------


@subject("csv")
def _csv():
    from exports.csv_listing import listing_csv_chunks

    user, filters = _user("auditor"), _all_time()

    def run():
        size = rows = 0
        for chunk in listing_csv_chunks(user, filters):
            size += len(chunk)
            rows += chunk.count(b"\n")
        return {"rows": rows - 1, "bytes": size}

    return run


def _listing_sql() -> tuple[str, tuple]:
    """The listing's cells (`exports.csv_listing.listing_cells_sql`), every row in one
    statement (no pages): the same expressions our path reads, formula guard and site-local
    times included, but no CSV shaping, so the reference's own writer does the quoting."""
    from exports.csv_listing import listing_cells_sql

    return listing_cells_sql(_user("auditor"), _all_time())


def _inline(sql: str, params: tuple) -> str:
    """SQL with its parameters written in, for the sqlite3 shell."""
    values = iter(params)

    def literal(match):
        if match.group(0) == "%%":
            return "%"
        value = next(values)
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, int | float):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"%%|%s", literal, sql)


@subject("csv_ref")
def _csv_reference():
    from django.db import connections

    from reporting.selectors import reporting_database

    connection = connections[reporting_database()]
    sql, params = _listing_sql()
    if connection.vendor == "postgresql":

        def run():
            size = rows = 0
            with connection.cursor() as cursor:
                copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
                with cursor.cursor.copy(copy_sql, params or None) as copy:
                    for row in copy:
                        size += len(row)
                        rows += 1
            return {"rows": rows - 1, "bytes": size}

        return run

    # The shell's own CSV writer (`.mode csv`, "\n" line ends like ours) writes the cells.
    # Parsed, its rows are ours cell for cell; its bytes differ only where it quotes more
    # than COPY and our SQLite lines do: any cell holding a space or a non-ASCII character.
    script = f'.headers on\n.mode csv\n.separator "," "\\n"\n{_inline(sql, params)};\n'
    database = str(connection.settings_dict["NAME"])

    def run_shell():
        out = subprocess.run(
            ["sqlite3", "-readonly", database],
            input=script.encode(),
            capture_output=True,
            check=True,
        )
        return {"rows": out.stdout.count(b"\n") - 1, "bytes": len(out.stdout)}

    return run_shell


# --- 3. the 12-month PDF safety summary -------------------------------------------------


@subject("pdf_12m")
def _pdf():
    from django.utils import timezone

    from exports.summary_pdf import safety_summary_pdf
    from reporting.selectors import safety_summary

    user, filters = _user("director"), _twelve_months()

    def run():
        summary = safety_summary(user, filters)
        pdf = safety_summary_pdf(user, filters, summary, generated_at=timezone.now())
        return {"bytes": len(pdf), "events": summary.events}

    return run


# --- 4. filing an event through the service, with and without history --------------------


def _filing(history: bool):
    from django.db import transaction
    from django.test.utils import override_settings

    from events.choices import SessionStatus
    from events.models import EventTerm, InfusionSession
    from events.services.adverse_events import adverse_event_create

    nurse = _user("nurse")
    session = (
        InfusionSession.objects.filter(site__code="lakeshore", status=SessionStatus.COMPLETED)
        .order_by("-id")
        .first()
    )
    term = EventTerm.objects.get(code="nausea")

    class Undo(Exception):
        pass

    def run():
        # Filed and rolled back, so the data set stays as generated: both sides skip the
        # commit alike, which makes the ratio stricter, not looser.
        with override_settings(SIMPLE_HISTORY_ENABLED=history):
            for _ in range(20):
                try:
                    with transaction.atomic():
                        adverse_event_create(
                            actor=nurse,
                            session=session,
                            data={
                                "term": term,
                                "onset_at": session.started_at + timedelta(minutes=20),
                                "grade": 1,
                                "narrative": "Mild nausea, settled with ondansetron.",
                            },
                        )
                        raise Undo
                except Undo:
                    pass
        return {"events_per_run": 20}

    return run


subject("file_event")(lambda: _filing(True))
subject("file_event_no_history")(lambda: _filing(False))


# --- 5. one record's trail with 1,000 versions -------------------------------------------


def _long_trail_event():
    from django.db.models import Count

    from events.models import AdverseEvent

    history = AdverseEvent.history.model
    row = (
        history.objects.values("id")
        .annotate(versions=Count("history_id"))
        .order_by("-versions")
        .first()
    )
    return row["id"], row["versions"]


@subject("trail_page")
def _trail_page():
    from django.urls import reverse

    event_id, versions = _long_trail_event()
    client = _client("auditor")
    url = reverse("audit:trail", args=["events.adverseevent", event_id])

    def run():
        return {"versions": versions, "bytes": _get(client, url)}

    return run


@subject("trail_selector")
def _trail_selector():
    from audit.selectors import record_trail
    from events.models import AdverseEvent

    event_id, versions = _long_trail_event()

    def run():
        return {"versions": len(record_trail(AdverseEvent, event_id))}

    return run


# --- 6. the global audit log and the review queue ----------------------------------------


@subject("audit_log_page")
def _audit_log_page():
    from django.urls import reverse

    client = _client("auditor")
    url = reverse("audit:log")

    def run():
        return {"bytes": _get(client, url)}

    return run


@subject("audit_log_page_director")
def _audit_log_page_director():
    from django.urls import reverse

    client = _client("director")
    url = reverse("audit:log")

    def run():
        return {"bytes": _get(client, url)}

    return run


@subject("review_queue_page")
def _review_queue_page():
    from django.urls import reverse

    client = _client("director")
    url = reverse("review-queue")

    def run():
        return {"bytes": _get(client, url)}

    return run


@subject("review_queue_api")
def _review_queue_api():
    from django.urls import reverse

    client = _client("director")
    url = reverse("api:review-queue")

    def run():
        return {"bytes": _get(client, url)}

    return run


@subject("review_queue_last_page")
def _review_queue_last_page():
    from django.urls import reverse

    from events.queue_cursor import LAST_PAGE

    client = _client("director")
    url = f"{reverse('review-queue')}?cursor={LAST_PAGE}"

    def run():
        return {"bytes": _get(client, url)}

    return run


@subject("review_queue_api_last")
def _review_queue_api_last():
    from django.urls import reverse

    from events.queue_cursor import LAST_PAGE

    client = _client("director")
    url = f"{reverse('api:review-queue')}?cursor={LAST_PAGE}"

    def run():
        return {"bytes": _get(client, url)}

    return run


# --- concurrent writers (one process per writer; see run.py) ------------------------------


def file_events_for(seconds: float, start_at: float, history: bool, writer: int) -> dict:
    """File events with commits, one after another, from `start_at` for `seconds`, into the
    writer's site's sessions in turn (`filings.py`)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import override_settings

    from events.models import EventTerm, InfusionSession
    from events.services.adverse_events import adverse_event_create
    from tests.benchmarks.filings import TERM, nth_filing, writer_slots

    usernames = ["nurse", "nurse2", "nurse3", "nurse4"]
    sites = ["lakeshore", "harbor", "summit", "bayside"]
    nurse = _user(usernames[writer % 4])
    slots = writer_slots(sites[writer % 4])
    sessions = InfusionSession.objects.in_bulk([slot.session for slot in slots])
    term = EventTerm.objects.get(code=TERM)
    step = timedelta(minutes=settings.DUPLICATE_ONSET_WINDOW_MINUTES + 1)
    filed = 0
    if not history and connection.vendor == "postgresql":
        # The reference files without history, which the ledger's commit-time trigger refuses;
        # the benchmark database's superuser switches triggers off for this connection only.
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    while time.time() < start_at:
        time.sleep(0.005)
    with override_settings(SIMPLE_HISTORY_ENABLED=history):
        begin = time.perf_counter()
        while time.perf_counter() - begin < seconds:
            session, onset = nth_filing(slots, filed, step)
            adverse_event_create(
                actor=nurse,
                session=sessions[session],
                data={"term": term, "onset_at": onset, "grade": 1},
            )
            filed += 1
        elapsed = time.perf_counter() - begin
    return {"filed": filed, "seconds": elapsed}


# --- the measuring loop -----------------------------------------------------------------


def measure(name: str, repeat: int, warmup: int) -> dict:
    run = SUBJECTS[name]()
    for _ in range(warmup):
        run()
    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    timings, details = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        details = run()
        timings.append(time.perf_counter() - started)
    return {
        "subject": name,
        "timings": timings,
        "median": statistics.median(timings),
        "min": min(timings),
        "max": max(timings),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_after_warmup_mb": baseline_mb,
        "details": details,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("subject")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--writer", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--start-at", type=float, default=0)
    parser.add_argument("--no-history", action="store_true")
    args = parser.parse_args()
    django.setup()
    if args.subject == "writer":
        result = file_events_for(args.seconds, args.start_at, not args.no_history, args.writer)
    else:
        result = measure(args.subject, args.repeat, args.warmup)
    print("BENCH-RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
