"""The directors' list of likely duplicates (page and API) and its two resolutions: void
one as "duplicate of #N", or mark the pair "not a duplicate"."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse

from audit.models import AccessLog
from events.choices import EventStatus
from events.models import AdverseEvent, DuplicateDismissal
from tests.api.conftest import Api, if_match
from tests.audit_helpers import assert_audited
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_director_sees_the_pair_with_links_to_both_events(director, pair):
    first, second = pair

    page = _client(director).get(reverse("duplicate-list")).content.decode()

    assert f"#{first.pk} and #{second.pk}" in page
    for event in pair:
        assert f'href="{reverse("event-detail", args=[event.pk])}"' in page
    assert "N-1001" in page
    log = AccessLog.objects.latest("pk")
    assert (log.action, log.row_count) == ("list", 2)


def test_staff_and_auditors_cannot_open_the_list(nurse, auditor, pair):
    assert _client(nurse).get(reverse("duplicate-list")).status_code == 403
    assert _client(auditor).get(reverse("duplicate-list")).status_code == 403
    assert Api(nurse).get("/api/v1/duplicates/").status_code == 403


def test_another_sites_pairs_are_not_listed(director, south, other_site_nurse):
    session = InfusionSessionFactory(patient=PatientFactory(site=south))
    for minutes in (10, 20):
        AdverseEventFactory(
            session=session, onset_at=session.started_at + timedelta(minutes=minutes)
        )

    response = Api(director).get("/api/v1/duplicates/")

    assert response.data == {"count": 0, "results": []}


def test_pairs_further_apart_than_the_window_are_not_listed(director, session, settings):
    for minutes in (0, 30):
        AdverseEventFactory(
            session=session, onset_at=session.started_at + timedelta(minutes=minutes)
        )
    settings.DUPLICATE_ONSET_WINDOW_MINUTES = 20

    assert Api(director).get("/api/v1/duplicates/").data["count"] == 0


def test_voiding_one_of_the_pair_records_duplicate_of_and_clears_the_pair(director, pair):
    first, second = pair
    client = _client(director)

    response = client.post(
        reverse("duplicate-void"),
        {"void": second.pk, "keep": first.pk, "version": second.version},
    )

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == EventStatus.VOIDED
    assert second.void_reason == f"duplicate of #{first.pk}"
    assert_audited(second, actor=director, reason=f"duplicate of #{first.pk}")
    assert "No likely duplicates" in client.get(reverse("duplicate-list")).content.decode()


def test_marking_not_a_duplicate_is_audited_and_the_pair_stops_showing(director, pair):
    first, second = pair
    client = _client(director)

    client.post(
        reverse("duplicate-dismiss"),
        {"first": second.pk, "second": first.pk, "reason": "Two separate episodes"},
    )

    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.first_event_id, dismissal.second_event_id) == (first.pk, second.pk)
    assert dismissal.dismissed_by == director
    assert_audited(dismissal, actor=director, reason="Two separate episodes")
    assert "No likely duplicates" in client.get(reverse("duplicate-list")).content.decode()
    assert AdverseEvent.objects.filter(status=EventStatus.VOIDED).count() == 0


def test_a_third_look_alike_still_shows_with_the_dismissed_pair_gone(director, pair, session):
    first, second = pair
    Api(director).post(
        "/api/v1/duplicates/dismissals/", {"first_event": first.pk, "second_event": second.pk}
    )
    third = AdverseEventFactory(
        session=session, onset_at=session.started_at + timedelta(minutes=30)
    )

    listed = Api(director).get("/api/v1/duplicates/").data["results"]

    pairs = {(row["first"]["id"], row["second"]["id"]) for row in listed}
    assert pairs == {(first.pk, third.pk), (second.pk, third.pk)}


def test_the_api_lists_voids_and_dismisses(director, pair):
    first, second = pair
    api = Api(director)

    listed = api.get("/api/v1/duplicates/")
    voided = api.post(
        "/api/v1/duplicates/void/",
        {"void": first.pk, "keep": second.pk},
        **if_match(first.version),
    )

    assert listed.status_code == 200
    assert listed.data["count"] == 1
    assert [listed.data["results"][0][k]["id"] for k in ("first", "second")] == [
        first.pk,
        second.pk,
    ]
    assert voided.status_code == 200, voided.data
    assert voided.data["void_reason"] == f"duplicate of #{second.pk}"
    assert api.get("/api/v1/duplicates/").data["count"] == 0


def test_the_api_refuses_what_is_not_a_pair(director, nurse, pair, session):
    first, second = pair
    unrelated = AdverseEventFactory(
        session=session,
        term=type(first.term).objects.get(code="headache"),
        onset_at=session.started_at + timedelta(minutes=20),
    )
    api = Api(director)

    not_a_pair = api.post(
        "/api/v1/duplicates/dismissals/", {"first_event": first.pk, "second_event": unrelated.pk}
    )
    itself = api.post(
        "/api/v1/duplicates/dismissals/", {"first_event": first.pk, "second_event": first.pk}
    )
    dismissed = api.post(
        "/api/v1/duplicates/dismissals/", {"first_event": first.pk, "second_event": second.pk}
    )
    again = api.post(
        "/api/v1/duplicates/dismissals/", {"first_event": second.pk, "second_event": first.pk}
    )
    stale = api.post(
        "/api/v1/duplicates/void/", {"void": first.pk, "keep": second.pk}, **if_match(99)
    )
    by_nurse = Api(nurse).post(
        "/api/v1/duplicates/dismissals/", {"first_event": first.pk, "second_event": second.pk}
    )

    assert not_a_pair.status_code == 400 and "second_event" in not_a_pair.data
    assert itself.status_code == 400
    assert dismissed.status_code == 201
    assert again.status_code == 400
    assert stale.status_code == 412
    assert by_nurse.status_code == 403
    assert DuplicateDismissal.objects.count() == 1
