"""The audit log reads along indexes, whatever the size of the history tables.

A read that sorts a whole history table is quick on a test database and takes seconds on
millions of rows, so the query plans are checked rather than timings. PostgreSQL is told to
avoid sequential scans and sorts: on tables this small it would rightly prefer them, and the
question here is whether an index can serve each read in the order the page needs.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.selectors import LogFilters, audit_log_page
from events.choices import Role
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    VitalSignFactory,
)

pytestmark = pytest.mark.django_db


def _plans_by_table(user, filters: LogFilters | None = None) -> dict[str, list[str]]:
    """The plan of each history read of one audit log page, by history table."""
    filters = filters or LogFilters()
    audit_log_page(user, filters)  # memberships are read once and kept on the user
    with CaptureQueriesContext(connection) as captured:
        audit_log_page(user, filters)
    is_sqlite = connection.vendor == "sqlite"
    plans: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        if not is_sqlite:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        for query in captured.captured_queries:
            table = re.search(r'FROM "(\w+)"', query["sql"]).group(1)
            if "historical" not in table:
                continue  # the account looked up by a search by user
            cursor.execute(("EXPLAIN QUERY PLAN " if is_sqlite else "EXPLAIN ") + query["sql"])
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            plans.setdefault(table, []).append(plan)
    return plans


@pytest.fixture
def two_site_director(director, north, south, nurse):
    MembershipFactory(user=director, site=south, role=Role.MEDICAL_DIRECTOR)
    for site in (north, south):
        session = InfusionSessionFactory(patient=PatientFactory(site=site), actor=nurse)
        VitalSignFactory(session=session, actor=nurse)
        AdverseEventFactory(session=session, reported_by=nurse, actor=nurse)
    return director


def _sorts(plan: str) -> bool:
    """Whether a plan sorts rows (a merge of sorted index scans is not a sort)."""
    return "TEMP B-TREE" in plan or re.search(r"Sort\s+\(cost", plan) is not None


def test_each_site_of_a_director_is_read_along_the_site_and_date_index(two_site_director):
    plans = _plans_by_table(two_site_director)

    for table, index in [
        ("events_historicaladverseevent", "events_hist_event_site_date"),
        ("events_historicalinfusionsession", "events_hist_session_site_date"),
        ("events_historicalpatient", "events_hist_patient_site_date"),
    ]:
        reads = plans[table]
        # One index range per site: two queries on SQLite, one UNION ALL on PostgreSQL.
        assert sum(plan.count(index) for plan in reads) == 2, reads
        assert not any(_sorts(plan) for plan in reads), reads


def test_readings_are_read_newest_first_and_checked_against_their_sessions_site(
    two_site_director,
):
    # Written as a join on the session's site, SQLite starts from the sessions of those
    # sites and sorts all their readings; the EXISTS keeps the history's date index in front.
    (plan,) = _plans_by_table(two_site_director)["events_historicalvitalsign"]

    assert re.search(r"historicalvitalsign_history_date", plan), plan
    assert "TEMP B-TREE" not in plan, plan
    if connection.vendor == "sqlite":
        assert plan.startswith("SCAN events_historicalvitalsign USING INDEX"), plan


@pytest.mark.parametrize(
    ("filters", "word"),
    [(LogFilters(username="alice"), "user"), (LogFilters(action="-"), "type")],
)
def test_a_search_by_user_or_action_reads_each_large_table_along_its_own_index(
    auditor, two_site_director, filters, word
):
    # Deletions never happen and a user may have written nothing in a table: with the date
    # index alone, such a search would read every row of every table to find nothing.
    plans = _plans_by_table(auditor, filters)

    for table, short in [
        ("events_historicalpatient", "patient"),
        ("events_historicalinfusionsession", "session"),
        ("events_historicalvitalsign", "vital"),
        ("events_historicaladverseevent", "event"),
        ("events_historicalalertsuggestion", "suggestion"),
        ("events_historicalelectronicsignature", "signature"),
    ]:
        (plan,) = plans[table]
        assert f"events_hist_{short}_{word}_date" in plan, plan
        assert not _sorts(plan), plan
