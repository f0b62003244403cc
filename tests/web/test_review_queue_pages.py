from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.views.review import QUEUE_PAGE_SIZE
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
