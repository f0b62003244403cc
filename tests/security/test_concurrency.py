"""Real concurrency on PostgreSQL: two requests at once, on separate connections.

- Two edits based on the same version: exactly one is saved, the other is a 412, and the
  history holds one row per saved edit.
- Two filings with the same Idempotency-Key: one event.
"""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection

from events.models import AdverseEvent
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ROUNDS = 50


@pytest.fixture(autouse=True)
def vocabulary(transactional_db):
    from events.services.terms import event_terms_seed
    from tests.factories import system_actor

    event_terms_seed(actor=system_actor())


def run_together(*calls):
    """Run the calls in threads released at the same instant; return their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_edits_of_the_same_version_save_exactly_one_each_round(nurse, director, session):
    event = AdverseEventFactory(session=session, reported_by=nurse)
    as_nurse, as_director = Api(nurse), Api(director)
    url = f"/api/v1/events/{event.pk}/"
    successes = 0
    for round_number in range(ROUNDS):
        version = AdverseEvent.objects.get(pk=event.pk).version
        history_before = event.history.count()
        responses = run_together(
            # Distinct values each round, so neither edit is a no-op.
            partial(
                as_nurse.patch, url, {"narrative": f"nurse {round_number}"}, **if_match(version)
            ),
            partial(
                as_director.patch,
                url,
                {"narrative": f"director {round_number}"},
                **if_match(version),
            ),
        )
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200, 412], (round_number, statuses)
        successes += 1
        assert event.history.count() == history_before + 1
        assert AdverseEvent.objects.get(pk=event.pk).version == version + 1
    assert event.history.count() == 1 + successes


def test_two_filings_with_the_same_idempotency_key_create_one_event(nurse, session):
    body = {
        "session": session.pk,
        "term": "nausea",
        "onset_at": (session.started_at + timedelta(minutes=20)).isoformat(),
        "grade": 1,
        # Each attempt files the same event again (a new key); only the double tap is in question.
        "confirm_not_duplicate": True,
    }
    for attempt in range(10):
        key = {"Idempotency-Key": f"double-tap-{attempt}"}
        before = AdverseEvent.objects.count()
        responses = run_together(
            partial(Api(nurse).post, "/api/v1/events/", body, **key),
            partial(Api(nurse).post, "/api/v1/events/", body, **key),
        )
        assert [r.status_code for r in responses] == [201, 201], [
            (r.status_code, r.content[:200]) for r in responses
        ]
        assert responses[0].json()["id"] == responses[1].json()["id"]
        assert AdverseEvent.objects.count() == before + 1
