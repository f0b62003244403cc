"""Shared fixtures: the people of the tests, and the one place the test run empties
append-only tables.

- `nurse`: staff at the North clinic.
- `director`: medical director at the North clinic.
- `auditor`: auditor for every site.
- `other_site_nurse`: staff at the South clinic, with no access to North.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework.test import APIClient

from audit.triggers import maintenance_flush
from events.choices import Role
from tests.factories import (
    PASSWORD,
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    SiteFactory,
    UserFactory,
)

_original_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_with_maintenance(self, sql_list):
    # Transactional and live-server tests empty every table between tests. The audit triggers
    # refuse that; the maintenance switch lets this teardown, and nothing else, through (on
    # PostgreSQL the suite's superuser counts as a member of the maintenance role).
    if self.connection.vendor == "postgresql":
        # Tables Django does not list still reference users (knox's own token table, left by
        # its migrations while `KNOX_TOKEN_MODEL` points elsewhere): empty them as well.
        sql_list = [_cascade(sql) for sql in sql_list]
    with maintenance_flush(self.connection.alias):
        _original_flush(self, sql_list)


def _cascade(sql: str) -> str:
    if sql.startswith("TRUNCATE") and "CASCADE" not in sql:
        return sql.rstrip().removesuffix(";") + " CASCADE;"
    return sql


BaseDatabaseOperations.execute_sql_flush = _flush_with_maintenance


@pytest.fixture(autouse=True, scope="session")
def _middleware_loaded():
    """Build the middleware chain once before any test, as a server does before its first
    request: the session-limits middleware starts the session clock of every later login
    (`user_logged_in`), so a test's `force_login` gets the same session whether or not an
    earlier test made a request (no session write on the first request of a lone test)."""
    from django.test.client import ClientHandler

    ClientHandler().load_middleware()


# The instant a frozen test runs at: a Monday afternoon, daylight saving not yet begun.
FROZEN_NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def frozen_clock():
    """The clock stopped at `FROZEN_NOW`. Name it first among a test's fixtures, so the
    records they make are dated on the same stopped clock as the rules the test checks."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rolled-back test data can leave SQLite's next ids where they were, so a cache key made
    # of ids (the dashboard's summary) could match another test's data: start each test empty.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def north(db):
    return SiteFactory(code="north", name="North Clinic", timezone="America/Chicago")


@pytest.fixture
def south(db):
    return SiteFactory(code="south", name="South Clinic", timezone="America/New_York")


def _member(username, site, role, first_name, last_name):
    user = UserFactory(username=username, first_name=first_name, last_name=last_name)
    MembershipFactory(user=user, site=site, role=role)
    return user


@pytest.fixture
def nurse(north):
    return _member("alice", north, Role.STAFF, "Alice", "Nurse")


@pytest.fixture
def director(north):
    return _member("dana", north, Role.MEDICAL_DIRECTOR, "Dana", "Director")


@pytest.fixture
def auditor(db):
    return _member("aubrey", None, Role.AUDITOR, "Aubrey", "Auditor")


@pytest.fixture
def other_site_nurse(south):
    return _member("charlie", south, Role.STAFF, "Charlie", "Outsider")


@pytest.fixture
def patient(north):
    return PatientFactory(site=north, chart_number="N-1001")


@pytest.fixture
def session(patient, nurse):
    return InfusionSessionFactory(patient=patient, administered_by=nurse)


@pytest.fixture
def api_client():
    return APIClient()


def login(client, user):
    client.force_login(user)
    return client


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)
