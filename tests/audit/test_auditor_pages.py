"""The auditor pages: trails with field diffs, the record as it was, the two logs, scoping."""

import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from audit.selectors import LogFilters, audit_log_page, audited_models, record_trail
from audit.services import audited_save
from events.choices import Role
from events.models import AdverseEvent, EventTerm, Patient
from events.services.adverse_events import adverse_event_create, adverse_event_update
from events.services.patients import patient_update
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    MembershipFactory,
    PatientFactory,
    SiteFactory,
    VitalSignFactory,
)


def file_event(session, nurse):
    event = adverse_event_create(
        actor=nurse,
        session=session,
        data={
            "term": EventTerm.objects.get(code="nausea"),
            "onset_at": session.started_at + timedelta(minutes=10),
            "grade": 1,
        },
        submit=True,
    )
    return adverse_event_update(
        event=event,
        actor=nurse,
        data={"grade": 2, "narrative": "Vomited twice."},
        expected_version=event.version,
        reason="Worsened after 20 minutes",
    )


def trail_url(obj) -> str:
    return reverse("audit:trail", args=[obj._meta.label_lower, obj.pk])


def test_an_auditor_reads_every_version_with_old_and_new_values(client, auditor, session, nurse):
    event = file_event(session, nurse)
    client.force_login(auditor)

    response = client.get(trail_url(event))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Version 1" in html and "Version 2" in html
    assert "Worsened after 20 minutes" in html
    assert "America/Chicago" in html  # the site's local time is shown beside UTC
    versions = response.context["versions"]
    changes = {c.name: (c.old, c.new) for c in versions[-1].changes}
    assert changes["grade"] == ("1 - Mild", "2 - Moderate")
    assert changes["narrative"] == ("", "Vomited twice.")
    assert versions[-1].user_name == "alice"


def test_a_trail_is_read_in_one_query_plus_one_per_related_type(
    django_assert_num_queries, session, nurse
):
    event = file_event(session, nurse)
    # Expect 6 queries, however many versions:
    # * every version of the record, ordered by history id
    # * the names of the session, the site and the term it points to
    # * the reporter's name and their roles
    with django_assert_num_queries(6):
        versions = record_trail(AdverseEvent, event.pk)
    assert [v.number for v in versions] == [1, 2]


def test_each_version_shows_the_value_before_it_even_when_the_field_skipped_a_version(
    patient, nurse
):
    changes = [{"birth_year": 1981}, {"indication": "ptsd"}, {"birth_year": 1982}]
    for version, data in enumerate(changes, start=1):
        patient_update(patient=patient, actor=nurse, data=data, expected_version=version)

    versions = record_trail(Patient, patient.pk)

    shown = [{c.name: (c.old, c.new) for c in v.changes} for v in versions[1:]]
    assert shown[0]["birth_year"] == ("1980", "1981")
    assert shown[1]["indication"] == ("Treatment-resistant depression", "PTSD")
    assert "birth_year" not in shown[1]
    assert shown[2]["birth_year"] == ("1981", "1982")
    assert [s["version"] for s in shown] == [("1", "2"), ("2", "3"), ("3", "4")]
    assert dict(versions[-1].values)["indication"] == "PTSD"  # the record as it was


def test_viewing_a_trail_writes_one_access_log_row(client, auditor, patient):
    client.force_login(auditor)
    before = AccessLog.objects.count()

    client.get(trail_url(patient))

    entry = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1
    assert (entry.action, entry.object_type, entry.object_id) == (
        "view",
        "events.patient",
        str(patient.pk),
    )
    assert entry.username == "aubrey" and entry.site_id == patient.site_id


def test_the_record_as_it_was_at_a_chosen_time(client, auditor, patient, nurse):
    first_version_at = patient.history.get().history_date
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1985}, expected_version=1)
    client.force_login(auditor)
    moment = first_version_at.strftime("%Y-%m-%dT%H:%M:%S.%f")

    response = client.get(trail_url(patient), {"as_of": moment})
    earlier = client.get(trail_url(patient), {"as_of": "2000-01-01T00:00:00"})

    as_of = response.context["as_of_version"]
    assert as_of is not None and as_of.number == 1
    assert ("birth year", "1980") in as_of.values
    assert earlier.context["as_of_version"] is None
    assert "did not exist at that time" in earlier.content.decode()


def test_a_director_reads_trails_of_their_site_only(client, director, patient, south):
    elsewhere = PatientFactory(site=south, chart_number="S-1")
    client.force_login(director)

    assert client.get(trail_url(patient)).status_code == 200
    assert client.get(trail_url(elsewhere)).status_code == 404
    assert client.get(reverse("audit:trail", args=["events.patient", 999999])).status_code == 404
    assert client.get(reverse("audit:trail", args=["events.nothing", 1])).status_code == 404


@pytest.mark.parametrize("name", ["audit:home", "audit:log", "audit:access-log", "audit:chain"])
def test_staff_cannot_open_the_auditor_pages(client, nurse, name):
    client.force_login(nurse)
    assert client.get(reverse(name)).status_code == 403


def test_staff_cannot_read_a_trail_even_of_their_own_site(client, nurse, patient):
    client.force_login(nurse)
    assert client.get(trail_url(patient)).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("name", ["audit:home", "audit:log", "audit:access-log", "audit:chain"])
def test_the_auditor_pages_refuse_every_write_method(client, auditor, patient, method, name):
    client.force_login(auditor)
    history_rows = Patient.history.count()
    response = getattr(client, method)(reverse(name))
    trail = getattr(client, method)(trail_url(patient))
    assert response.status_code == 405 and trail.status_code == 405
    assert Patient.history.count() == history_rows


def test_the_audit_log_filters_by_model_user_action_and_date(client, auditor, patient, nurse):
    patient_update(patient=patient, actor=nurse, data={"birth_year": 1981}, expected_version=1)
    client.force_login(auditor)
    today = timezone.now().date().isoformat()

    response = client.get(
        reverse("audit:log"),
        {"model": "events.patient", "user": "alice", "action": "~", "since": today, "until": today},
    )

    entries = response.context["entries"]
    assert [(e.label, e.object_id, e.action) for e in entries] == [
        ("events.patient", str(patient.pk), "~")
    ]
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    later = client.get(reverse("audit:log"), {"model": "events.patient", "since": tomorrow})
    assert later.context["entries"] == []


def test_the_audit_log_hides_other_sites_from_a_site_director(client, director, patient, south):
    PatientFactory(site=south, chart_number="S-2")
    client.force_login(director)

    entries = client.get(reverse("audit:log"), {"model": "events.patient"}).context["entries"]

    assert {e.object_id for e in entries} == {str(patient.pk)}
    # Records that belong to no site (accounts, vocabulary) need an all-sites reader.
    assert not client.get(reverse("audit:log"), {"model": "events.eventterm"}).context["entries"]


def test_keyset_pages_walk_the_whole_log_once_newest_first(auditor, north, nurse):
    for number in range(7):
        PatientFactory(site=north, chart_number=f"K-{number}", actor=nurse)
    filters = LogFilters(model="events.patient")
    seen, cursor = [], ""
    while True:
        page, cursor = audit_log_page(auditor, filters, cursor=cursor, page_size=3)
        seen.extend(page)
        if not cursor:
            break
    assert len(seen) == 7 and len({e.history_id for e in seen}) == 7
    keys = [e.sort_key for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_an_audit_log_page_costs_one_query_per_audited_table(
    django_assert_num_queries, auditor, patient
):
    audit_log_page(auditor, LogFilters())  # memberships are read once and kept on the user
    tables = len(audited_models())
    # Expect one query per history table (a LIMITed read by history_date), nothing else:
    # no COUNT, no OFFSET, whatever the size of the tables.
    with django_assert_num_queries(tables):
        audit_log_page(auditor, LogFilters(), page_size=20)


def _walk(user, page_size: int = 4) -> list:
    """Every entry of the audit log, page after page."""
    seen, cursor = [], ""
    while True:
        page, cursor = audit_log_page(user, LogFilters(), cursor=cursor, page_size=page_size)
        seen.extend(page)
        if not cursor:
            return seen


def _records_at(site, nurse) -> None:
    """A patient, a session, a reading and an event at `site`: tables with a site column of
    their own and a table reached through the session."""
    session = InfusionSessionFactory(patient=PatientFactory(site=site, actor=nurse), actor=nurse)
    VitalSignFactory(session=session, actor=nurse)
    AdverseEventFactory(session=session, reported_by=nurse, actor=nurse)


def test_a_director_of_two_sites_reads_every_row_of_both_and_none_of_a_third(
    auditor, director, north, south, nurse
):
    MembershipFactory(user=director, site=south, role=Role.MEDICAL_DIRECTOR)
    east = SiteFactory(code="east")
    for site in (north, south, east, north, south):
        _records_at(site, nurse)
    # The auditor reads each table whole; the director reads site by site and asks each
    # reading its session's site. Both must give the same rows in the same order.
    theirs = {north.pk, south.pk}
    expected = [(e.label, e.history_id) for e in _walk(auditor) if e.site_id in theirs]

    seen = _walk(director)

    assert [(e.label, e.history_id) for e in seen] == expected
    assert {"events.patient", "events.vitalsign", "events.adverseevent"} <= {e.label for e in seen}


def test_a_directors_audit_log_page_costs_the_same_queries_for_more_rows(
    django_assert_num_queries, director, north, south, nurse
):
    MembershipFactory(user=director, site=south, role=Role.MEDICAL_DIRECTOR)
    _records_at(north, nurse)
    audit_log_page(director, LogFilters())  # memberships are read once and kept on the user
    # Each query a LIMITed read along an index, whatever the size of the tables:
    # * the tables with a site column of their own (sites, memberships, patients, sessions,
    #   events, duplicate dismissals; questions, answers, comments, attachments): one read
    #   per site, in one UNION ALL statement where the database allows a LIMIT inside one
    #   (PostgreSQL), else one query per site (SQLite)
    # * the tables whose site is their parent's (readings, suggestions, signatures): one each
    # Tables of records that belong to no site are not read for a site's director.
    per_site = 1 if connection.features.supports_slicing_ordering_in_compound else 2
    expected = 10 * per_site + 3
    with django_assert_num_queries(expected):
        audit_log_page(director, LogFilters(), page_size=20)
    for _ in range(4):
        _records_at(south, nurse)
    with django_assert_num_queries(expected):
        audit_log_page(director, LogFilters(), page_size=20)


def test_the_access_log_page_filters_by_action(client, auditor, nurse, patient):
    client.force_login(auditor)
    client.get(trail_url(patient))

    response = client.get(reverse("audit:access-log"), {"action": "view"})

    entries = response.context["entries"]
    assert entries and all(e.action == "view" for e in entries)


def test_a_bad_cursor_falls_back_to_the_first_page(client, auditor, patient):
    client.force_login(auditor)
    response = client.get(reverse("audit:log"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200 and response.context["is_first_page"] is False


def test_a_trail_of_a_thousand_versions_renders_quickly(client, auditor, patient, nurse):
    history = Patient.history.model
    latest = patient.history.get()
    start = latest.history_date
    versions = []
    for number in range(999):
        row = history(
            **{
                f.attname: getattr(latest, f.attname)
                for f in history._meta.concrete_fields
                if f.attname not in {"history_id", "hash", "request_id", "source"}
            }
        )
        row.history_type = "~"
        row.birth_year = 1950 + number % 50
        row.version = number + 2
        row.history_date = start + timedelta(seconds=number + 1)
        row.history_change_reason = f"Correction {number}"
        row.history_user_id = nurse.pk
        versions.append(row)
    from django.db import transaction

    with transaction.atomic():
        history.objects.bulk_create(versions)
    client.force_login(auditor)
    client.get(trail_url(patient))  # warm the template and URL caches

    # CPU time of this process: what building the page costs, whatever else the machine runs
    # (other test suites share it). The database read is one query (test above).
    timings = []
    for _ in range(3):
        started = time.process_time()
        response = client.get(trail_url(patient))
        timings.append(time.process_time() - started)

    assert len(response.context["versions"]) == 1000
    assert response.content.decode().count('class="version card"') == 1000
    assert min(timings) < 0.2, [f"{t:.3f}" for t in timings]


def test_a_session_trail_shows_times_in_the_site_zone(client, auditor, north, patient):
    session = InfusionSessionFactory(patient=patient)
    client.force_login(auditor)
    response = client.get(trail_url(session))
    assert str(response.context["zone"]) == north.timezone


def test_text_in_a_trail_is_shown_as_text_not_markup(client, auditor, patient, nurse):
    # The services refuse markup in a reason; a trail must still show text written by any
    # other path (an import, an older release) as text.
    patient.birth_year, patient.version = 1981, 2
    with transaction.atomic():
        audited_save(patient, actor=nurse, reason='<script>alert("x")</script>')
    client.force_login(auditor)

    html = client.get(trail_url(patient)).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
