from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.selectors import review_queue
from events.views.review import QUEUE_PAGE_SIZE
from tests.api.conftest import Api
from tests.factories import AdverseEventFactory, InfusionSessionFactory


def test_a_long_queue_is_paged_with_the_most_urgent_first(client, director, patient):
    session = InfusionSessionFactory(patient=patient)
    now = timezone.now()
    for days in range(QUEUE_PAGE_SIZE + 3):
        AdverseEventFactory(
            session=session,
            status=EventStatus.SUBMITTED,
            submitted_at=now,
            review_due_at=now + timedelta(days=days + 1),
        )
    client.force_login(director)

    first = client.get(reverse("review-queue"))
    second = client.get(reverse("review-queue"), {"page": 2})

    assert first.text.count("left</strong>") == QUEUE_PAGE_SIZE
    assert f"Page 1 of 2 · {QUEUE_PAGE_SIZE + 3} events" in first.text
    assert second.text.count("left</strong>") == 3
    first_due = [e.review_due_at for e in first.context["events"]]
    assert first_due == sorted(first_due)
    assert max(first_due) < min(e.review_due_at for e in second.context["events"])


def _submitted(session, *, serious: bool, expected: bool, due_in_hours: int):
    now = timezone.now()
    return AdverseEventFactory(
        session=session,
        is_other_medically_important=serious,
        narrative="Observed and treated at the chair." if serious else "",
        is_expected=expected,
        status=EventStatus.SUBMITTED,
        submitted_at=now,
        review_due_at=now + timedelta(hours=due_in_hours),
    )


def _queue_of(session, kinds: list[tuple[bool, bool]]) -> list[int]:
    """File one event of each (serious, expected) kind, due dates interleaved across kinds,
    and return their ids in review order, worked out here rather than by the database."""
    events = [
        _submitted(session, serious=serious, expected=expected, due_in_hours=(number * 7) % 31)
        for number, (serious, expected) in enumerate(kinds)
    ]
    rank = {(True, False): 0, (True, True): 1, (False, False): 2, (False, True): 2}
    events.sort(key=lambda e: (rank[e.is_serious, e.is_expected], e.review_due_at, e.pk))
    return [e.pk for e in events]


def test_each_page_follows_serious_unexpected_then_serious_then_the_rest_by_due_date(
    client, director, patient
):
    session = InfusionSessionFactory(patient=patient)
    kinds = [(True, False)] * 6 + [(True, True)] * 6 + [(False, False), (False, True)] * 22
    in_review_order = _queue_of(session, kinds)  # 56 events: a page and 6 more
    client.force_login(director)

    first = client.get(reverse("review-queue"))
    second = client.get(reverse("review-queue"), {"page": 2})

    shown = [e.pk for e in first.context["events"]] + [e.pk for e in second.context["events"]]
    assert shown == in_review_order
    assert f"Page 1 of 2 · {len(kinds)} events" in first.text


def test_any_slice_of_the_queue_is_the_same_slice_of_the_review_order(director, patient):
    # Slices that start and end inside each priority class and across their borders: the
    # serious classes filling a page, the rest starting mid-page, the rest alone.
    session = InfusionSessionFactory(patient=patient)
    kinds = [(True, False)] * 3 + [(True, True)] * 2 + [(False, True), (False, False)] * 2
    in_review_order = _queue_of(session, kinds)
    queue = review_queue(director)

    assert queue.count() == len(kinds)
    for start in range(len(kinds) + 1):
        for stop in range(start, len(kinds) + 2):
            assert [e.pk for e in queue[start:stop]] == in_review_order[start:stop], (start, stop)


def test_the_api_pages_the_same_review_order_and_names_each_event_s_class(director, patient):
    session = InfusionSessionFactory(patient=patient)
    kinds = [(True, False)] * 2 + [(True, True)] * 3 + [(False, False), (False, True)] * 2
    in_review_order = _queue_of(session, kinds)
    api = Api(director)

    pages = [
        api.get("/api/v1/review-queue/", {"page_size": 4, "page": number}).json()
        for number in (1, 2, 3)
    ]

    listed = [item for page in pages for item in page["results"]]
    assert [item["id"] for item in listed] == in_review_order
    assert [item["priority"] for item in listed] == [0] * 2 + [1] * 3 + [2] * 4
    assert {page["count"] for page in pages} == {len(kinds)}
