"""Report filters are bounded and validated the same way on every reporting and export
endpoint, API and web: a bad parameter is a 400 naming it, never a 500, a silently dropped
filter or a request that holds a worker for minutes."""

import time
from datetime import date

import pytest
import time_machine
from django.http import QueryDict
from django.test import override_settings
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from events.models import EventTerm
from events.services.terms import event_terms_seed
from reporting.filters import InvalidFilters, ReportFilters, term_option
from tests.conftest import login
from tests.factories import system_actor

API = ["/api/v1/reporting/summary/", "/api/v1/exports/listing.csv", "/api/v1/exports/fhir/"]
WEB = [
    "/reports/",
    "/reports/events/",
    "/exports/events.csv",
    "/exports/events.fhir.json",
    "/exports/summary/by_term.csv",
]
PDF = ["/api/v1/exports/summary.pdf", "/exports/summary.pdf"]


def _errors(response) -> dict:
    if response.headers["Content-Type"].startswith("text/html"):
        return response.context["filter_errors"]
    body = response.json()
    # The API's 400 is `{parameter: [why, ...]}`, as for every API input; the web's `{"errors"}`.
    if "errors" in body:
        return body["errors"]
    assert all(isinstance(why, list) for why in body.values())
    return {parameter: " ".join(why) for parameter, why in body.items()}


@pytest.fixture
def reader(client, director):
    return login(client, director)


@pytest.mark.parametrize("url", API + WEB + PDF)
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("site=99999999999999999999", "site"),
        ("term=99999999999999999999", "term"),
        ("site=0", "site"),
        ("routes=im", "routes"),
        ("date_from=0001-01-01&date_to=9999-12-31", "date_from"),
        ("date_from=2000-01-01&date_to=2010-01-01", "date_to"),
        ("term=no-such-term", "term"),
        ("site=" + ",".join(str(n) for n in range(1, 300)), "site"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(reader, url, query, parameter):
    response = reader.get(f"{url}?{query}")
    assert response.status_code == 400
    assert parameter in _errors(response)


@pytest.mark.parametrize("url", API + WEB)
def test_a_site_the_user_cannot_see_is_refused_not_dropped(reader, south, url):
    response = reader.get(f"{url}?site={south.pk}")
    assert response.status_code == 400
    assert _errors(response)["site"] == f"Not a site you can see: {south.pk}."


def test_a_period_of_exactly_the_maximum_is_accepted_and_one_day_more_is_not():
    ReportFilters.from_query({"date_from": "2010-01-01", "date_to": "2019-12-31"})
    with pytest.raises(InvalidFilters) as refused:
        ReportFilters.from_query({"date_from": "2010-01-01", "date_to": "2020-01-01"})
    assert refused.value.errors == {"date_to": "The period is longer than the maximum of 10 years."}


@override_settings(REPORT_MAX_PERIOD_YEARS=2)
def test_the_maximum_period_is_a_setting():
    with pytest.raises(InvalidFilters) as refused:
        ReportFilters.from_query({"date_from": "2010-01-01", "date_to": "2012-01-01"})
    assert "2 years" in refused.value.errors["date_to"]


@time_machine.travel("2026-06-15 12:00Z", tick=False)
def test_an_open_end_of_the_period_counts_from_today():
    ReportFilters.from_query({"date_from": "2016-06-16"})
    with pytest.raises(InvalidFilters) as refused:
        ReportFilters.from_query({"date_from": "2016-06-15"})
    assert set(refused.value.errors) == {"date_from"}
    with pytest.raises(InvalidFilters) as refused:
        ReportFilters.from_query({"date_to": "2036-06-15"})
    assert set(refused.value.errors) == {"date_to"}


@pytest.mark.django_db
def test_term_takes_the_code_or_the_id_with_the_same_figures(reader):
    event_terms_seed(actor=system_actor())
    term = EventTerm.objects.get(code="hypertension")
    by_code = ReportFilters.from_query({"term": "hypertension"})
    assert by_code == ReportFilters.from_query({"term": str(term.pk)})
    assert by_code.term_ids == (term.pk,)
    assert term_option({"chart_term": "hypertension"}, "chart_term") == term.pk

    by_code = reader.get("/api/v1/reporting/summary/?term=hypertension&chart_term=hypertension")
    by_id = reader.get(f"/api/v1/reporting/summary/?term={term.pk}&chart_term={term.pk}")
    assert by_code.status_code == by_id.status_code == 200
    assert by_code.json() == by_id.json()
    assert by_code.json()["term_p_chart"] is not None


@pytest.mark.parametrize(
    "query",
    [
        "date_from=1900-01-01&date_to=1909-12-31",
        "date_from=2990-01-01&date_to=2999-12-31",
        "date_to=1900-01-01",
        "date_from=2999-12-31",
    ],
)
def test_the_widest_periods_allowed_answer_within_seconds(reader, query):
    started = time.monotonic()
    response = reader.get(f"/api/v1/reporting/summary/?{query}")
    assert response.status_code == 200
    assert len(response.content) < 1_000_000
    assert time.monotonic() - started < 10


def test_the_audit_log_export_refuses_a_site_the_user_cannot_see(reader, north, south):
    response = reader.get(f"/exports/audit/log.csv?site={south.pk}")
    assert response.status_code == 400
    assert "site" in response.json()["errors"]
    assert reader.get(f"/exports/audit/log.csv?site={north.pk}").status_code == 200


def test_the_audit_log_export_refuses_an_unknown_parameter(reader):
    response = reader.get("/exports/audit/log.csv?sites=1")
    assert response.status_code == 400
    assert response.json()["errors"] == {"sites": "Unknown parameter."}


def test_an_export_job_refuses_bad_filters_naming_them(api_client, director):
    api_client.force_authenticate(director)
    response = api_client.post(
        "/api/v1/exports/jobs/",
        {"kind": "listing_csv", "filters": {"routes": "im", "site": "99999999999999999999"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"routes", "site"}


# The parser against any query: it either returns filters that reproduce themselves through
# their own query string, or raises `InvalidFilters` naming only parameters that were sent.
PARAMETER_NAMES = st.sampled_from([*ReportFilters.PARAMETERS.values(), "routes", "chart_term"])
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(date.isoformat),
    st.sampled_from(["iv", "im", "ketamine", "0-15", ">120", "true", "hypertension", "3", "7"]),
)
QUERIES = st.dictionaries(PARAMETER_NAMES, st.lists(VALUES, max_size=3), max_size=5)


@pytest.mark.django_db
@seed(20261205)
@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=QUERIES)
def test_the_parser_accepts_or_names_what_it_refuses(query):
    try:
        filters = ReportFilters.from_query(query)
    except InvalidFilters as error:
        assert error.errors and set(error.errors) <= set(query)
        return
    assert ReportFilters.from_query(QueryDict(filters.as_query())) == filters
