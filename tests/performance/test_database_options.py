"""PostgreSQL connections plan without JIT compilation, unless the database URL says otherwise
(docs/performance.md, row 1f: JIT cost the summary's grouped counts about 0.45 s)."""

import pytest
from django.db import connection

from config.env import database_from_url


def test_a_database_url_turns_jit_off_by_default():
    assert database_from_url("postgres://u@db/ledger")["OPTIONS"]["options"] == "-c jit=off"


def test_options_in_the_url_win():
    url = "postgres://u@db/ledger?options=-c%20work_mem%3D32MB"
    assert database_from_url(url)["OPTIONS"]["options"] == "-c work_mem=32MB"


@pytest.mark.django_db
def test_the_connection_runs_without_jit_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
