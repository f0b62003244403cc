"""The dashboard, its drill-down listing and the JSON API: who may see them, what they show,
what they log, and how many queries they cost."""

from urllib.parse import parse_qs

import pytest
from django.db import connection

from audit.models import AccessAction, AccessLog
from reporting.filters import ReportFilters
from reporting.selectors import safety_summary
from tests.conftest import login
from tests.factories import AdverseEventFactory
from tests.reporting.dataset import build_dataset, make_series


@pytest.fixture
def dataset(north, south):
    return build_dataset(north, south)


@pytest.mark.parametrize("url", ["/reports/", "/reports/events/"])
def test_staff_are_refused_the_dashboard_and_its_listing(client, nurse, url):
    login(client, nurse)
    assert client.get(url).status_code == 403


def test_staff_are_refused_the_summary_api(api_client, nurse):
    api_client.force_authenticate(nurse)
    assert api_client.get("/api/v1/reporting/summary/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/reporting/summary/").status_code == 401


def test_a_director_sees_only_their_own_sites(client, director, dataset, north):
    login(client, director)
    data = client.get("/api/v1/reporting/summary/").json()
    north_sessions = [s for s in dataset.counted_sessions() if s.record.site_id == north.pk]
    assert data["sessions"] == len(north_sessions) == 9
    assert [row["site_code"] for row in data["tables"]["by_site"]] == ["north"]


def test_asking_for_another_sites_figures_is_refused_naming_the_site(
    client, director, south, dataset
):
    login(client, director)
    response = client.get(f"/api/v1/reporting/summary/?site={south.pk}")
    assert response.status_code == 400
    assert response.json() == {"site": [f"Not a site you can see: {south.pk}."]}
    listing = client.get(f"/reports/events/?site={south.pk}")
    assert listing.status_code == 400 and "site" in listing.context["filter_errors"]


def test_the_summary_selector_scopes_any_user_to_their_sites(other_site_nurse, dataset, south):
    summary = safety_summary(other_site_nurse, ReportFilters())
    south_sessions = [s for s in dataset.counted_sessions() if s.record.site_id == south.pk]
    assert summary.sessions == len(south_sessions) == 3
    assert list(summary.by_site["site_code"]) == ["south"]


def test_the_dashboard_frame_counts_nothing_and_loads_its_parts(
    client, auditor, dataset, django_assert_max_num_queries
):
    login(client, auditor)
    # At most 6 queries, none of them a count: session, user, memberships (twice: roles in
    # the navigation and the reader check), the sites and terms of the filter form.
    with django_assert_max_num_queries(6):
        response = client.get("/reports/?serious=false&grade=1&grade=2")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-get="/reports/overview/?grade=1&amp;grade=2&amp;serious=false"' in html
    assert "Seriousness: Non-serious only" in html  # an active filter, as a chip
    assert not AccessLog.objects.filter(object_type="reporting.safety_summary").exists()


def test_the_overview_shows_the_figures_and_logs_the_view(client, auditor, dataset):
    login(client, auditor)
    response = client.get("/reports/overview/?serious=false&grade=1&grade=2")
    assert response.status_code == 200
    summary = response.context["summary"]
    html = response.content.decode()
    assert 'data-figure="events"><a href="/reports/events/?grade=1&amp;grade=2' in html
    assert html.count("<svg") == 4
    assert 'hx-get="/reports/tables/?serious=false&amp;grade=1&amp;grade=2"' in html
    entry = AccessLog.objects.filter(object_type="reporting.safety_summary").latest("id")
    assert entry.action == AccessAction.LIST and entry.user == auditor
    assert entry.detail["filters"] == {"grades": [1, 2], "serious": False}
    assert entry.row_count == summary.events


def test_the_tables_part_holds_every_table_the_methodology_and_the_onset_chart(
    client, auditor, dataset
):
    login(client, auditor)
    html = client.get("/reports/tables/").content.decode()

    assert html.count('<details class="report-table card"') == 10
    assert "Methodology" in html and "Time to onset" in html


def test_every_table_row_drills_down_to_the_events_and_sessions_it_counts(client, auditor, dataset):
    login(client, auditor)
    tables = client.get("/reports/tables/").context["tables"]
    checked = 0
    for table in tables:
        for row in table["rows"]:
            if not row.events:
                continue
            listing = client.get(f"/reports/events/?{row.query}")
            assert listing.context["page"].paginator.count == row.events, (table["id"], row)
            sessions = client.get(f"/reports/sessions/?{row.sessions_query}")
            assert sessions.context["page"].paginator.count == row.sessions_with_event, (
                table["id"],
                row,
            )
            if row.sessions is not None:
                every = client.get(f"/reports/sessions/?{row.query}")
                assert every.context["page"].paginator.count == row.sessions, (table["id"], row)
            checked += 1
    assert checked > 20


def test_the_session_figures_drill_to_exactly_the_sessions_they_count(client, auditor, dataset):
    login(client, auditor)
    overview = client.get("/reports/overview/?route=iv")
    summary = overview.context["summary"]

    every = client.get("/reports/sessions/?route=iv")
    with_event = client.get(f"/reports/sessions/?{overview.context['with_event_query']}")

    assert every.context["page"].paginator.count == summary.sessions
    assert with_event.context["page"].paginator.count == summary.sessions_with_event
    assert summary.sessions_with_event < summary.sessions
    assert 'href="/reports/sessions/?route=iv&amp;with_event=true"' in overview.content.decode()
    entry = AccessLog.objects.filter(object_type="events.infusionsession").latest("id")
    assert entry.detail["with_event"] is True and entry.row_count == summary.sessions_with_event


def test_the_parts_share_one_summary_until_the_record_changes(
    client, auditor, dataset, django_assert_max_num_queries
):
    login(client, auditor)
    first = client.get("/reports/overview/").context["summary"]
    # The tables reuse the overview's summary: no counting query, only the data stamp, and
    # the reference-rate panel (its references, the sites, each term's counted events; the
    # summary's sessions and patients are its denominators).
    with django_assert_max_num_queries(12):
        again = client.get("/reports/tables/").context["summary"]
    assert again.events == first.events

    AdverseEventFactory(session=dataset.counted_sessions()[0].record, status="submitted")
    assert client.get("/reports/overview/").context["summary"].events == first.events + 1


def test_the_listing_shows_the_events_and_logs_the_count(client, director, dataset):
    login(client, director)
    response = client.get("/reports/events/?serious=true")
    assert response.status_code == 200
    page = response.context["page"]
    assert [e.term.code for e in page.object_list] == ["hypertension"]
    assert "Admitted" not in response.content.decode()  # narratives stay on the event page
    entry = AccessLog.objects.filter(object_type="events.adverseevent").latest("id")
    assert (entry.action, entry.row_count) == (AccessAction.LIST, 1)
    assert entry.detail["filters"] == {"serious": True}


def test_bad_filters_on_the_dashboard_say_what_is_wrong(client, director):
    login(client, director)
    response = client.get("/reports/?date_from=2026-03-01&date_to=2026-01-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_summary_query_count_does_not_grow_with_the_data(auditor, north, django_assert_num_queries):
    # Expect 8 queries:
    # * the user's memberships (scoping)
    # * the sites the report covers
    # * the monthly rollups of the period that are up to date (none: no refresh has run)
    # * sessions by month, site, route, drug, dose band and session number
    # * distinct patients among those sessions
    # * the events' counts in one statement: per cell of the same dimensions (with grade,
    #   onset band and category columns), by term, month and worst grade, and distinct
    #   patients with an event
    # * the event terms
    # * sessions left in progress past their planned end (data quality)
    # and on PostgreSQL the events' statement's settings (SET LOCAL, one statement).
    expected = 8 + (connection.vendor == "postgresql")
    make_series(north, [("2025-01", 2, 1)])
    with django_assert_num_queries(expected):
        safety_summary(auditor, ReportFilters())
    make_series(north, [("2025-02", 12, 6), ("2025-03", 8, 8)], term_code="headache")
    auditor._membership_cache = None
    with django_assert_num_queries(expected):
        summary = safety_summary(auditor, ReportFilters())
    assert summary.sessions == 22


def test_listing_query_count_does_not_grow_with_the_page(
    client, director, north, django_assert_max_num_queries
):
    make_series(north, [("2025-01", 30, 30)])
    login(client, director)
    # Session, user, memberships, sites, count, page of events (joined), access-log chain
    # head and insert, and the savepoint/lock statements of the log write.
    with django_assert_max_num_queries(14):
        response = client.get("/reports/events/")
    assert len(response.context["page"].object_list) == 30


def test_the_schema_documents_the_summary_endpoint(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/reporting/summary/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"date_from", "term", "serious"}
    assert {"200", "400", "403"} <= set(operation["responses"])


def test_a_signal_link_keeps_the_reports_other_filters(client, auditor, north):
    make_series(north, [("2025-01", 20, 2), ("2025-02", 20, 18), ("2025-03", 20, 2)])
    login(client, auditor)
    data = client.get("/api/v1/reporting/summary/?route=iv").json()
    signal = next(s for s in data["signals"] if s["kind"] == "p_chart")
    assert parse_qs(signal["query"])["route"] == ["iv"]


def test_a_part_is_a_fragment_for_htmx_and_a_page_of_its_own_without_scripts(
    client, auditor, dataset
):
    login(client, auditor)

    fragment = client.get("/reports/overview/", headers={"HX-Request": "true"})
    page = client.get("/reports/overview/")

    assert "<nav" not in fragment.content.decode()
    assert '<nav aria-label="Main">' in page.content.decode()
    assert 'data-figure="sessions"' in fragment.content.decode()
    assert 'data-figure="sessions"' in page.content.decode()
