"""The summary's figures agree with a plain-Python count of the same records, through the
JSON API a director or auditor uses."""

from collections import defaultdict

import pytest
from scipy.stats import binomtest

from events.models import EventTerm
from tests.conftest import login
from tests.reporting.dataset import build_dataset

SUMMARY_URL = "/api/v1/reporting/summary/"


@pytest.fixture
def dataset(north, south):
    return build_dataset(north, south)


def exact_ci(k: int, n: int) -> tuple[float, float]:
    """Reference Clopper-Pearson interval, or the one-sided bound when k is 0."""
    if k == 0:
        return 0.0, 1 - 0.05 ** (1 / n)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    return ci.low, ci.high


def reference(dataset, keep_session=lambda s: True, keep_event=lambda e: True) -> dict:
    """Count the figures by hand from the specs the records were made from."""
    sessions = [s for s in dataset.counted_sessions() if keep_session(s)]
    chosen = {id(s) for s in sessions}
    events = [
        e
        for e in dataset.counted_events()
        if id(dataset.sessions[e.session]) in chosen and keep_event(e)
    ]
    worst_by_pair: dict[tuple[int, str], int] = {}
    for e in events:
        key = (e.session, e.term)
        worst_by_pair[key] = max(worst_by_pair.get(key, 0), e.grade)
    per_term = defaultdict(lambda: {"events": 0, "sessions": set(), "worst": defaultdict(int)})
    for e in events:
        per_term[e.term]["events"] += 1
        per_term[e.term]["sessions"].add(e.session)
    for (_, term), grade in worst_by_pair.items():
        per_term[term]["worst"][grade] += 1
    return {
        "sessions": len(sessions),
        "patients": len({s.patient for s in sessions}),
        "events": len(events),
        "sessions_with_event": len({e.session for e in events}),
        "patients_with_event": len({dataset.sessions[e.session].patient for e in events}),
        "serious_events": sum(e.serious for e in events),
        "per_term": per_term,
    }


def get_summary(client, user, query: str = "") -> dict:
    login(client, user)
    response = client.get(f"{SUMMARY_URL}?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def rows_by(table: list[dict], key: str) -> dict:
    return {row[key]: row for row in table}


def test_key_figures_match_a_hand_count_of_the_records(client, auditor, dataset):
    data = get_summary(client, auditor)
    expected = reference(dataset)

    # 14 sessions: minus the voided and the planned one (the one in progress counts).
    assert expected["sessions"] == 12
    for name in (
        "sessions",
        "patients",
        "events",
        "sessions_with_event",
        "patients_with_event",
        "serious_events",
    ):
        assert data[name] == expected[name], name
    assert data["events_per_100"]["estimate"] == pytest.approx(
        100 * expected["events"] / expected["sessions"]
    )
    low, high = exact_ci(expected["sessions_with_event"], expected["sessions"])
    assert data["sessions_with_event_rate"]["lower"] == pytest.approx(low)
    assert data["sessions_with_event_rate"]["upper"] == pytest.approx(high)


def test_terms_count_a_session_once_at_its_worst_grade(client, auditor, dataset):
    data = get_summary(client, auditor)
    expected = reference(dataset)
    terms = rows_by(data["tables"]["by_term"], "term_code")
    for code, counts in expected["per_term"].items():
        row = terms[code]
        assert row["events"] == counts["events"], code
        assert row["sessions_with_event"] == len(counts["sessions"]), code
        for grade in range(1, 6):
            assert row[f"worst_grade_{grade}"] == counts["worst"][grade], (code, grade)
        low, high = exact_ci(len(counts["sessions"]), expected["sessions"])
        assert row["proportion_lower"] == pytest.approx(low)
        assert row["proportion_upper"] == pytest.approx(high)
    # Nausea twice in session 0 (grades 1 and 3) is one session at grade 3.
    assert terms["nausea"]["worst_grade_3"] == 1
    assert terms["nausea"]["worst_grade_1"] == 1  # session 3 only


def test_a_term_without_events_shows_the_one_sided_upper_bound(client, auditor, dataset):
    data = get_summary(client, auditor)
    apnea = rows_by(data["tables"]["by_term"], "term_code")["apnea"]
    n = data["sessions"]
    assert (apnea["events"], apnea["sessions_with_event"]) == (0, 0)
    assert apnea["is_upper_bound_only"] is True
    assert apnea["proportion_upper"] == pytest.approx(1 - 0.05 ** (1 / n))
    # Poisson bound for no events: -ln(0.05) / n per session, per 100 sessions.
    assert apnea["events_per_100_upper"] == pytest.approx(299.573 / n, rel=1e-4)


def test_voided_events_and_uncounted_sessions_never_count(client, auditor, dataset):
    data = get_summary(client, auditor)
    terms = rows_by(data["tables"]["by_term"], "term_code")
    # Vomiting happened only in the session nobody closed: it counts all the same.
    assert terms["vomiting"]["events"] == 1
    # Nausea: sessions 0 (x2), 3, 5, 11; not the voided event, not the voided session.
    assert terms["nausea"]["events"] == 5
    assert terms["nausea"]["sessions_with_event"] == 4


def test_breakdowns_use_their_own_sessions_as_denominator(client, auditor, dataset):
    data = get_summary(client, auditor)
    tables = data["tables"]
    counted = dataset.counted_sessions()
    events = dataset.counted_events()

    def expected_for(group_of):
        groups = defaultdict(lambda: {"sessions": 0, "events": 0, "with": set()})
        for spec in counted:
            groups[group_of(spec)]["sessions"] += 1
        for e in events:
            group = groups[group_of(dataset.sessions[e.session])]
            group["events"] += 1
            group["with"].add(e.session)
        return groups

    months = expected_for(lambda s: s.record.month)
    # The 1 February 03:00 UTC start is a January session in Chicago.
    assert months["2026-01"]["sessions"] == 6
    routes = expected_for(lambda s: s.route)
    bands = expected_for(lambda s: s.record.dose_band)
    numbers = expected_for(lambda s: min(s.record.sequence_number, 7))
    sites = expected_for(lambda s: s.record.site.code)
    for table, key, expected in (
        ("by_month", "month", months),
        ("by_route", "route", routes),
        ("by_dose_band", "dose_band", bands),
        ("by_session_number", "session_number", numbers),
        ("by_site", "site_code", sites),
    ):
        rows = rows_by(tables[table], key)
        for group, counts in expected.items():
            row = rows[group]
            assert row["sessions"] == counts["sessions"], (table, group)
            assert row["events"] == counts["events"], (table, group)
            assert row["sessions_with_event"] == len(counts["with"]), (table, group)
            assert row["events_per_100"] == pytest.approx(
                100 * counts["events"] / counts["sessions"]
            )
    assert rows_by(tables["by_session_number"], "session_number")[7]["sessions"] == 1


def test_grade_and_onset_tables_count_every_event(client, auditor, dataset):
    data = get_summary(client, auditor)
    events = dataset.counted_events()
    grades = rows_by(data["tables"]["by_grade"], "grade")
    for grade in range(1, 6):
        assert grades[grade]["events"] == sum(e.grade == grade for e in events)
    assert data["grade_distribution"] == {
        str(g): sum(e.grade == g for e in events) for g in range(1, 6)
    }
    # Sessions by their worst event's grade add up to the sessions with an event.
    assert sum(row["sessions_with_event"] for row in grades.values()) == data["sessions_with_event"]

    def band(minutes):
        for name, low, high in (
            ("before_start", None, 0),
            ("0-15", 0, 15),
            ("15-30", 15, 30),
            ("30-60", 30, 60),
            ("60-120", 60, 120),
            (">120", 120, None),
        ):
            if (low is None or minutes >= low) and (high is None or minutes < high):
                return name

    onset = rows_by(data["tables"]["by_onset"], "onset_band")
    expected = defaultdict(int)
    for e in events:
        expected[band(e.onset_minutes)] += 1
    for name, row in onset.items():
        assert row["events"] == expected[name], name


def test_event_filters_narrow_events_but_not_the_denominator(client, auditor, dataset):
    term = EventTerm.objects.get(code="hypertension")
    data = get_summary(client, auditor, f"term={term.pk}&grade=2&grade=4")
    expected = reference(dataset, keep_event=lambda e: e.term == "hypertension" and e.grade > 1)
    assert data["sessions"] == 12
    assert data["events"] == expected["events"] == 2
    assert data["serious_events"] == 1


def test_the_period_is_read_in_each_sites_local_time(client, auditor, dataset):
    # 1 February 03:00 UTC is 31 January in Chicago: not in a period starting 1 February...
    data = get_summary(client, auditor, "date_from=2026-02-01&date_to=2026-02-28")
    february = [s for s in dataset.counted_sessions() if s.record.month == "2026-02"]
    assert data["sessions"] == len(february) == 3
    # ...and a period that ends on a day mid-month compares local midnights.
    data = get_summary(client, auditor, "date_from=2026-01-31&date_to=2026-02-09")
    assert data["sessions"] == 2  # session 3 (31 Jan local) and session 4 (9 Feb)


def test_session_filters_narrow_the_denominator(client, auditor, dataset):
    data = get_summary(client, auditor, "route=iv&indication=trd&dose_band=0.5-0.75")
    expected = reference(
        dataset,
        keep_session=lambda s: (
            s.route == "iv" and s.patient in ("n1", "s1") and s.record.dose_band == "0.5-0.75"
        ),
    )
    for name in ("sessions", "patients", "events", "sessions_with_event", "patients_with_event"):
        assert data[name] == expected[name], name


def test_bad_filters_are_refused_with_the_reason(client, auditor, dataset):
    login(client, auditor)
    response = client.get(f"{SUMMARY_URL}?grade=9&date_from=yesterday&route=teleport")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"grade", "date_from", "route"}
    assert "YYYY-MM-DD" in errors["date_from"][0]  # the API's shape: {parameter: [why]}
