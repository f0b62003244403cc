from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.models import AdverseEvent
from events.selectors import END, review_queue
from events.services.adverse_events import adverse_event_void
from events.views.review import QUEUE_PAGE_SIZE
from tests.api.conftest import Api
from tests.factories import AdverseEventFactory, InfusionSessionFactory

# Keyset pages of the review queue (web and API): walking the next links shows every event
# once in review order, the last page and the previous links agree with it, and events filed
# or reviewed while someone pages neither repeat nor skip another.

NOW = timezone.now().replace(microsecond=0)


def _submitted(session, *, serious: bool, expected: bool, due_in_hours: int | None):
    """A submitted event due in so many hours; `None`: without a due time, as one filed
    before the review clock existed."""
    now = NOW
    return AdverseEventFactory(
        session=session,
        is_other_medically_important=serious,
        narrative="Observed and treated at the chair." if serious else "",
        is_expected=expected,
        status=EventStatus.SUBMITTED,
        submitted_at=now,
        review_due_at=None if due_in_hours is None else now + timedelta(hours=due_in_hours),
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


KINDS = [(True, False)] * 6 + [(True, True)] * 6 + [(False, False), (False, True)] * 22


def _walk(queue, size, *, after=None):
    """Every page from `after` on through the next positions, as lists of ids."""
    pages = []
    while True:
        page = queue.page(size=size, after=after)
        pages.append([e.pk for e in page.events])
        if not page.has_next:
            return pages
        after = page.last


def _walk_back(queue, size):
    pages, before = [], END
    while True:
        page = queue.page(size=size, before=before)
        pages.insert(0, [e.pk for e in page.events])
        if not page.has_previous:
            return pages
        before = page.first


@pytest.mark.parametrize("size", [1, 4, 5, 6, 7, 12, 13, 50, 56, 57])
def test_walking_forwards_or_backwards_shows_the_review_order_once(director, patient, size):
    # Page borders inside each priority class and across them, due times interleaved and tied.
    in_review_order = _queue_of(InfusionSessionFactory(patient=patient), KINDS)
    queue = review_queue(director)

    forwards = _walk(queue, size)
    assert [pk for page in forwards for pk in page] == in_review_order
    backwards = _walk_back(queue, size)
    assert [pk for page in backwards for pk in page] == in_review_order
    assert backwards[-1] == in_review_order[-len(backwards[-1]) :]
    assert all(len(page) == size for page in forwards[:-1])


def test_events_filed_and_reviewed_while_paging_neither_repeat_nor_skip(director, patient):
    session = InfusionSessionFactory(patient=patient)
    in_review_order = _queue_of(session, KINDS)
    queue = review_queue(director)
    first = queue.page(size=10)
    shown = [e.pk for e in first.events]

    # Meanwhile: an urgent event files ahead of the page, a routine one behind it, and two
    # events are reviewed (one on the page already shown, one not yet shown).
    ahead = _submitted(session, serious=True, expected=False, due_in_hours=-5)
    behind = _submitted(session, serious=False, expected=True, due_in_hours=1000)
    reviewed = {shown[3], in_review_order[30]}
    _leave_the_queue(reviewed, director)

    rest = [pk for page in _walk(queue, 10, after=first.last) for pk in page]
    assert not set(rest) & set(shown)
    expected_rest = [pk for pk in in_review_order[10:] if pk not in reviewed] + [behind.pk]
    assert rest == expected_rest
    assert ahead.pk not in rest  # filed before the page: found from the first page again
    assert queue.page(size=1).events[0].pk == ahead.pk


def _leave_the_queue(pks, director):
    for event in AdverseEvent.objects.filter(pk__in=pks):
        adverse_event_void(
            event=event, actor=director, reason="Filed twice", expected_version=event.version
        )


def test_the_web_queue_links_next_previous_and_last(client, director, patient):
    session = InfusionSessionFactory(patient=patient)
    for days in range(2 * QUEUE_PAGE_SIZE + 3):
        AdverseEventFactory(
            session=session,
            status=EventStatus.SUBMITTED,
            submitted_at=NOW,
            review_due_at=NOW + timedelta(days=days // 2 + 1),  # pairs share a due time
        )
    client.force_login(director)

    seen, response = [], client.get(reverse("review-queue"))
    assert f"{2 * QUEUE_PAGE_SIZE + 3} events waiting" in response.text
    assert 'rel="prev"' not in response.text
    while True:
        seen += [(e.review_due_at, e.pk) for e in response.context["events"]]
        if 'rel="next"' not in response.text:
            break
        response = client.get(reverse("review-queue"), {"cursor": response.context["next_cursor"]})
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == 2 * QUEUE_PAGE_SIZE + 3

    last = client.get(reverse("review-queue"), {"cursor": response.context["last_cursor"]})
    assert [e.pk for e in last.context["events"]] == [pk for _, pk in seen[-QUEUE_PAGE_SIZE:]]
    previous = client.get(reverse("review-queue"), {"cursor": last.context["previous_cursor"]})
    assert [e.pk for e in previous.context["events"]] == [
        pk for _, pk in seen[-2 * QUEUE_PAGE_SIZE : -QUEUE_PAGE_SIZE]
    ]
    # A stale or mangled cursor (an old bookmark) shows the first page.
    assert client.get(reverse("review-queue"), {"cursor": "bm90IGEgY3Vyc29y"}).status_code == 200


def test_the_api_pages_the_same_review_order_and_names_each_event_s_class(director, patient):
    session = InfusionSessionFactory(patient=patient)
    kinds = [(True, False)] * 2 + [(True, True)] * 3 + [(False, False), (False, True)] * 2
    in_review_order = _queue_of(session, kinds)
    api = Api(director)

    pages = [api.get("/api/v1/review-queue/", {"page_size": 4}).json()]
    while pages[-1]["next"]:
        pages.append(api.client.get(pages[-1]["next"]).json())

    listed = [item for page in pages for item in page["results"]]
    assert [item["id"] for item in listed] == in_review_order
    assert [item["priority"] for item in listed] == [0] * 2 + [1] * 3 + [2] * 4
    assert {page["count"] for page in pages} == {len(kinds)}
    assert len(pages) == 3 and pages[0]["previous"] is None
    last = api.client.get(pages[0]["last"]).json()
    assert [item["id"] for item in last["results"]] == in_review_order[-4:]
    back = api.client.get(last["previous"]).json()
    assert [item["id"] for item in back["results"]] == in_review_order[-8:-4]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": "bi45LjEuMQ"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
    ],
)
def test_a_bad_cursor_or_page_size_is_a_400_naming_it(director, params, field):
    response = Api(director).get("/api/v1/review-queue/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_events_without_a_due_time_lead_the_queue_on_every_page_web_and_api(
    client, director, patient
):
    session = InfusionSessionFactory(patient=patient)
    dated = _queue_of(session, [(True, False), (False, True)] * 3)
    undated = [
        _submitted(session, serious=number % 2 == 0, expected=False, due_in_hours=None).pk
        for number in range(3)
    ]
    in_review_order = sorted(undated) + dated

    queue = review_queue(director)
    for size in (1, 2, 3, 4, 9):
        assert [pk for page in _walk(queue, size) for pk in page] == in_review_order
        assert [pk for page in _walk_back(queue, size) for pk in page] == in_review_order

    client.force_login(director)
    seen, response = [], client.get(reverse("review-queue"))
    assert response.status_code == 200
    assert "No due date" in response.text
    seen += [e.pk for e in response.context["events"]]
    assert seen == in_review_order[:QUEUE_PAGE_SIZE]
    first = client.get(reverse("review-queue"), {"cursor": response.context["last_cursor"]})
    assert first.status_code == 200

    api = Api(director)
    pages = [api.get("/api/v1/review-queue/", {"page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(api.client.get(pages[-1]["next"]).json())
    listed = [item for page in pages for item in page["results"]]
    assert [item["id"] for item in listed] == in_review_order
    # The class is the event's own, whether it has a due time or not.
    assert [item["priority"] for item in listed[:3]] == [0, 2, 0]
    assert listed[0]["hours_left"] is None
