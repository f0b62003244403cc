"""The counted-events table gives exactly the live counts.

Two checks, on both databases:
- after records are built and after every kind of write through the services (filing,
  regrading, voiding an event; moving, voiding a session, which renumbers the patient's
  others; correcting a patient's indication; recategorising a term), the table holds one row
  per counted event with the attributes recomputed here in plain Python from the records;
- every filter the reports accept, alone and in combinations, gives the same safety summary
  counted from the table as counted from the records.
"""

import random
from collections import Counter
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.services import audited_save
from events.choices import (
    Drug,
    EventStatus,
    Indication,
    Role,
    Route,
    SessionStatus,
    TermCategory,
)
from events.models import AdverseEvent, EventTerm, InfusionSession, Patient
from events.services.patients import patient_update
from reporting import queries, rollups
from reporting.cells import decode_cell
from reporting.counted_events import counted_events_rebuild
from reporting.filters import ONSET_BANDS, ONSET_UNKNOWN, ReportFilters
from reporting.kinds import GROUP_BITS, SERIOUS_SHIFT
from reporting.models import CountedEvent, CountedSession, MonthlyRollup
from reporting.selectors import safety_summary
from tests.factories import MembershipFactory, UserFactory
from tests.reporting.test_rollup_equivalence import (
    MONTHS,
    TERMS,
    apply_write,
    assert_same_summary,
    build,
    sessions_st,
    writes_st,
)

COUNTED = (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED, SessionStatus.STOPPED_EARLY)


def onset_band(minutes: int | None) -> str:
    if minutes is None:
        return ONSET_UNKNOWN
    for band, (low, high) in ONSET_BANDS.items():
        if (low is None or minutes >= low) and (high is None or minutes < high):
            return band
    raise AssertionError(minutes)


def kind(event: AdverseEvent) -> int:
    """The event's breakdown groups and seriousness as `reporting.kinds` packs them."""
    band = [*ONSET_BANDS, ONSET_UNKNOWN].index(onset_band(event.onset_minutes))
    groups = (f"grade_{event.grade}", f"onset_{band}", f"category_{event.term.category}")
    return sum(GROUP_BITS[group] for group in groups) | event.is_serious << SERIOUS_SHIFT


def expected_rows() -> set[tuple]:
    """The counted events, each with its attributes, worked out from the records in Python."""
    counted = []
    for event in AdverseEvent.objects.select_related("session__patient", "term"):
        session = event.session
        if event.status == EventStatus.VOIDED or session.is_voided:
            continue
        if session.status not in COUNTED:
            continue
        counted.append(event)
    pairs = Counter((event.session_id, event.term_id) for event in counted)
    rows = set()
    for event in counted:
        session = event.session
        rows.add(
            (
                event.id,
                session.id,
                session.patient_id,
                session.site_id,
                session.month,
                session.started_at,
                session.route,
                session.drug,
                session.dose_band,
                min(session.sequence_number, 7),
                session.patient.indication,
                event.term_id,
                event.term.category,
                event.grade,
                event.is_serious,
                onset_band(event.onset_minutes),
                event.status,
                cell_dimensions(session),  # `stored_rows` decodes the cell
                kind(event),
                pairs[event.session_id, event.term_id],
            )
        )
    return rows


def cell_dimensions(session: InfusionSession) -> tuple:
    """A session's cell (`reporting.cells`) as the dimensions it packs."""
    return (
        session.month,
        session.site_id,
        session.route,
        session.drug,
        session.dose_band,
        min(session.sequence_number, 7),
    )


def stored_rows() -> set[tuple]:
    fields = [field.attname for field in CountedEvent._meta.concrete_fields]
    cell = fields.index("cell")
    return {
        (*row[:cell], decode_cell(row[cell]), *row[cell + 1 :])
        for row in CountedEvent.objects.values_list(*fields)
    }


def expected_session_rows() -> set[tuple]:
    """The counted sessions, each with its attributes, worked out in Python."""
    rows = set()
    for session in InfusionSession.objects.select_related("patient"):
        if session.is_voided or session.status not in COUNTED:
            continue
        rows.add(
            (
                session.id,
                session.patient_id,
                session.site_id,
                session.month,
                session.started_at,
                session.route,
                session.drug,
                session.dose_band,
                min(session.sequence_number, 7),
                session.patient.indication,
                cell_dimensions(session),
            )
        )
    return rows


def stored_session_rows() -> set[tuple]:
    fields = [field.attname for field in CountedSession._meta.concrete_fields]
    assert fields[-1] == "cell"
    rows = CountedSession.objects.values_list(*fields)
    return {(*row[:-1], decode_cell(row[-1])) for row in rows}


def assert_table_exact() -> None:
    assert stored_rows() == expected_rows()
    assert stored_session_rows() == expected_session_rows()


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    indications=st.lists(st.sampled_from(Indication.values), min_size=4, max_size=4),
    session_specs=st.lists(sessions_st, min_size=1, max_size=8),
    writes=writes_st,
    new_indication=st.sampled_from(Indication.values),
    new_category=st.sampled_from(TermCategory.values),
)
def test_the_table_holds_exactly_the_counted_events_after_every_write(
    auditor,
    director,
    nurse,
    north,
    south,
    indications,
    session_specs,
    writes,
    new_indication,
    new_category,
):
    sites = {"north": north, "south": south}
    people = {"auditor": auditor, "director": director, "nurse": nurse}
    with transaction.atomic():
        chief = UserFactory(username="morgan")
        MembershipFactory(user=chief, site=None, role=Role.MEDICAL_DIRECTOR)
        sessions = build(people, sites, indications, session_specs)
        assert_table_exact()
        for write in writes:
            apply_write(write, sessions, sites, chief)
            assert_table_exact()
        patient = Patient.objects.order_by("id").first()
        patient_update(
            patient=patient,
            actor=chief,
            data={"indication": new_indication},
            expected_version=patient.version,
            reason="Indication corrected",
        )
        assert_table_exact()
        term = EventTerm.objects.get(code=TERMS[0])
        term.category = new_category
        audited_save(term, actor=chief, reason="Category corrected")
        assert_table_exact()
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_rebuild_recomputes_rows_written_without_signals(nurse, north):
    from tests.factories import AdverseEventFactory, InfusionSessionFactory

    session = InfusionSessionFactory(patient__site=north, status=SessionStatus.COMPLETED)
    AdverseEventFactory(session=session, reported_by=nurse)
    CountedEvent.objects.all().delete()  # as after a bulk load that sent no signals
    assert counted_events_rebuild() == 1
    assert_table_exact()


# --- every filter, counted from the table and from the records -----------------------------


def deterministic_specs(seed: int = 13, count: int = 40) -> list[dict]:
    """A fixed set of sessions and events covering every value the filters can take."""
    rng = random.Random(seed)
    statuses = [SessionStatus.COMPLETED] * 4 + [
        SessionStatus.STOPPED_EARLY,
        SessionStatus.IN_PROGRESS,
        SessionStatus.PLANNED,
    ]
    specs = []
    for _ in range(count):
        events = [
            {
                "term": rng.choice(TERMS),
                "grade": rng.randint(1, 5),
                "serious": rng.random() < 0.2,
                "voided": rng.random() < 0.1,
                "draft": rng.random() < 0.25,
                # Every onset band, before the start included.
                "onset": rng.choice([-10, 5, 20, 45, 90, 150]),
            }
            for _ in range(rng.randint(0, 4))
        ]
        specs.append(
            {
                "site": rng.choice(("north", "south")),
                "patient": rng.randint(0, 2),
                "month": rng.choice(MONTHS),
                "day": rng.randint(1, 28),
                "hour": rng.randint(0, 23),
                "status": rng.choice(statuses),
                "voided": rng.random() < 0.1,
                "route": rng.choice([Route.IV, Route.IM, Route.INTRANASAL]),
                "dose": rng.choice(["0.40", "0.60", "0.90", "1.20"]),
                "events": events,
            }
        )
    return specs


# Every filter of ReportFilters alone, then combinations of session and event filters.
SINGLE_FILTERS = {
    "date_from": {"date_from": date(2025, 12, 10)},
    "date_to": {"date_to": date(2026, 1, 20)},
    "site_ids": {"site_ids": "north"},
    "routes": {"routes": (Route.IM,)},
    "drugs": {"drugs": (Drug.KETAMINE,)},
    "dose_bands": {"dose_bands": ("0.5-0.75", ">1.0")},
    "indications": {"indications": (Indication.TRD,)},
    "term_ids": {"term_ids": ("nausea",)},
    "categories": {"categories": (TermCategory.CARDIOVASCULAR,)},
    "grades": {"grades": (2, 3)},
    "serious": {"serious": True},
    "serious_false": {"serious": False},
    "session_numbers": {"session_numbers": (1, 7)},
    "onset_bands": {"onset_bands": ("before_start", "30-60", ONSET_UNKNOWN)},
    "review": {"review": "submitted"},
    "review_signed_off": {"review": "signed_off"},
}
COMBINATIONS = {
    "route_and_grade": {"routes": (Route.IV,), "grades": (1, 2)},
    "drug_term_month": {
        "drugs": (Drug.KETAMINE,),
        "term_ids": ("hypertension", "headache"),
        "date_from": date(2025, 12, 1),
        "date_to": date(2026, 1, 31),
    },
    "site_band_serious_review": {
        "site_ids": "south",
        "dose_bands": ("<0.5", "0.75-1.0"),
        "serious": False,
        "review": "submitted",
    },
    "indication_number_onset_category": {
        "indications": (Indication.TRD, Indication.PTSD),
        "session_numbers": (2, 3),
        "onset_bands": ("0-15", "15-30"),
        "categories": (TermCategory.GASTROINTESTINAL, TermCategory.NEUROLOGICAL),
    },
}


def test_the_cases_cover_every_filter():
    covered = {name for case in (*SINGLE_FILTERS.values(), *COMBINATIONS.values()) for name in case}
    assert covered == set(ReportFilters.PARAMETERS)


def _filters(case: dict, sites: dict) -> ReportFilters:
    values = dict(case)
    if "site_ids" in values:
        values["site_ids"] = (sites[values["site_ids"]].pk,)
    if "term_ids" in values:
        ids = dict(EventTerm.objects.filter(code__in=values["term_ids"]).values_list("code", "id"))
        values["term_ids"] = tuple(ids[code] for code in values["term_ids"])
    return ReportFilters(**values)


def summary_from_records(user, filters, monkeypatch):
    """The same summary with its events counted from the records (no rollups either)."""
    original = rollups.summary_frames

    def from_records(*args, **kwargs):
        return original(*args, **kwargs, from_records=True)

    with monkeypatch.context() as patch, transaction.atomic():
        patch.setattr(rollups, "summary_frames", from_records)
        MonthlyRollup.objects.all().delete()
        summary = safety_summary(user, filters)
        transaction.set_rollback(True)
    return summary


@pytest.fixture
def filter_dataset(auditor, director, nurse, north, south):
    people = {"auditor": auditor, "director": director, "nurse": nurse}
    sites = {"north": north, "south": south}
    build(people, sites, list(Indication.values)[:4], deterministic_specs())
    assert_table_exact()
    # Sessions with two events of one term, so the counts group some (session, term) pairs
    # and take the others as they are (`queries.events_frames`).
    assert CountedEvent.objects.filter(term_events_in_session__gt=1).exists()
    assert CountedEvent.objects.filter(term_events_in_session=1).exists()
    return sites


@pytest.mark.parametrize("case", [*SINGLE_FILTERS, *COMBINATIONS])
@pytest.mark.parametrize("reader", ["auditor", "director"])
def test_every_filter_counts_the_same_from_the_table_as_from_the_records(
    case, reader, filter_dataset, request, monkeypatch
):
    user = request.getfixturevalue(reader)
    filters = _filters({**SINGLE_FILTERS, **COMBINATIONS}[case], filter_dataset)
    MonthlyRollup.objects.all().delete()  # every filter here is answered by the table
    expected = summary_from_records(user, filters, monkeypatch)
    assert expected.sessions > 0 or reader == "director"
    actual = safety_summary(user, filters)
    assert_same_summary(actual, expected)


def test_the_filtered_summary_never_joins_the_records(auditor, filter_dataset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filters = ReportFilters(grades=(2, 3), routes=(Route.IV,))
    with CaptureQueriesContext(connection) as queries:
        safety_summary(auditor, filters)
    event_queries = [q["sql"] for q in queries if "grade" in q["sql"]]
    assert event_queries
    assert all('"events_adverseevent"' not in sql for sql in event_queries)
    # The sessions (cube and distinct patients) come from the counted sessions.
    assert sum('"reporting_countedsession"' in q["sql"] for q in queries) == 2
    assert InfusionSession.objects.exists()


def _python_event_counts(rows: list[dict]) -> tuple[dict, dict, int]:
    """What `queries.events_frames` counts, recomputed in plain Python from the counted rows:
    the cube by cell, the term rows by (term, month, worst grade), the patients."""
    bands = [*ONSET_BANDS, ONSET_UNKNOWN]
    by_session: dict[int, list[dict]] = {}
    for row in rows:
        by_session.setdefault(row["session_id"], []).append(row)
    cube: dict[tuple, dict] = {}
    terms: dict[tuple, list[int]] = {}
    for events in by_session.values():
        first = events[0]
        cell = cube.setdefault(
            tuple(first[name] for name in queries.SESSION_DIMENSIONS),
            dict.fromkeys(queries.EVENTS_CUBE_COLUMNS[len(queries.SESSION_DIMENSIONS) :], 0),
        )
        cell["sessions_with_event"] += 1
        cell[f"worst_grade_{max(e['grade'] for e in events)}_sessions"] += 1
        groups = set()
        for event in events:
            event_groups = (
                f"grade_{event['grade']}",
                f"onset_{bands.index(event['onset_band'])}",
                f"category_{event['category']}",
            )
            groups.update(event_groups)
            cell["events"] += 1
            cell["serious_events"] += event["is_serious"]
            for group in event_groups:
                cell[f"{group}_events"] += 1
                cell[f"{group}_serious"] += event["is_serious"]
        for group in groups:
            cell[f"{group}_sessions"] += 1
        for term_id in {e["term_id"] for e in events}:
            of_term = [e for e in events if e["term_id"] == term_id]
            key = (term_id, first["month"], max(e["grade"] for e in of_term))
            counts = terms.setdefault(key, [0, 0, 0])
            counts[0] += 1
            counts[1] += len(of_term)
            counts[2] += sum(e["is_serious"] for e in of_term)
    return cube, terms, len({row["patient_id"] for row in rows})


@pytest.mark.parametrize(
    "case",
    ["none", "grades", "review", "route_and_grade", "indication_number_onset_category"],
)
@pytest.mark.parametrize("source", ["table", "records"])
def test_the_event_counts_agree_with_a_count_in_python(case, source, auditor, filter_dataset):
    """The per-session bit masks, the per-cell event counts and the per-(session, term) worst
    grades, grouped over arrays, against plain Python."""
    filters = _filters({**SINGLE_FILTERS, **COMBINATIONS}.get(case, {}), filter_dataset)
    zones = {site.pk: site.timezone for site in filter_dataset.values()}
    rows = list(
        queries.counted_event_rows(filters, auditor, zones, "default").values(
            "session_id",
            "patient_id",
            "term_id",
            "grade",
            "is_serious",
            "onset_band",
            "category",
            *queries.SESSION_DIMENSIONS,
        )
    )
    assert len({row["session_id"] for row in rows}) < len(rows)  # sessions with several events
    if source == "table":
        events = queries.counted_event_rows(filters, auditor, zones, "default")
    else:
        events = queries.counted_events(filters, auditor, zones, "default")

    frames = queries.events_frames(events, "default")

    expected_cube, expected_terms, expected_patients = _python_event_counts(rows)
    cube = {
        (
            row.month,
            int(row.site_id),
            row.route,
            row.drug,
            row.dose_band,
            int(row.session_number),
        ): {name: getattr(row, name) for name in expected_cube[next(iter(expected_cube))]}
        for row in frames.cube.itertuples(index=False)
    }
    assert list(frames.cube.columns) == list(queries.EVENTS_CUBE_COLUMNS)
    assert cube == expected_cube
    terms = {
        (row.term_id, row.month, row.worst_grade): [
            row.sessions_with_event,
            row.events,
            row.serious_events,
        ]
        for row in frames.term_month_worst.itertuples(index=False)
    }
    assert terms == expected_terms
    assert frames.patients_with_event == expected_patients


def test_the_event_rows_are_the_same_packed_in_many_values(auditor, filter_dataset, monkeypatch):
    """On PostgreSQL the rows come packed, one value per range of sessions: with a range of
    one session each, every row still arrives once, and the counts do not change."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the rows are packed on PostgreSQL only")
    zones = {site.pk: site.timezone for site in filter_dataset.values()}
    events = queries.counted_event_rows(ReportFilters(), auditor, zones, "default")
    whole = queries.event_table(events, "default")
    frames = queries.events_frames(events, "default")
    monkeypatch.setattr(queries, "PACKED_SESSIONS", 1)

    split = queries.event_table(events, "default")

    expected = sorted(
        (row.session_id, row.patient_id, row.term_id, row.cell, row.kind)
        for row in CountedEvent.objects.all()
    )
    mask = ~queries.SINGLE_PAIR
    assert sorted((*row[:4], row[4] & mask) for row in split.tolist()) == expected
    assert sorted(split.tolist()) == sorted(whole.tolist())
    again = queries.events_frames(events, "default")
    assert again.cube.equals(frames.cube)
    assert again.patients_with_event == frames.patients_with_event


@pytest.mark.parametrize("source", ["table", "records"])
def test_no_counted_event_gives_empty_frames(source, auditor, filter_dataset):
    zones = {site.pk: site.timezone for site in filter_dataset.values()}
    filters = ReportFilters(grades=(5,), serious=False, term_ids=(0,))
    if source == "table":
        events = queries.counted_event_rows(filters, auditor, zones, "default")
    else:
        events = queries.counted_events(filters, auditor, zones, "default")

    frames = queries.events_frames(events, "default")

    assert list(frames.cube.columns) == list(queries.EVENTS_CUBE_COLUMNS)
    assert frames.cube.empty and frames.term_month_worst.empty
    assert list(frames.term_month_worst.columns) == list(queries.TERM_MONTH_WORST_COLUMNS)
    assert frames.patients_with_event == 0
