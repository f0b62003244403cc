"""Steps run inside a Django process on a benchmark data set (see `dataset.py`).

python -m tests.benchmarks.fixtures trail 1000   # one event with 1,000 versions
python -m tests.benchmarks.fixtures counts       # row counts, as JSON
python -m tests.benchmarks.fixtures http         # API tokens and sessions for the HTTP section
"""

import json
import sys

import django


def _setup() -> None:
    django.setup()


def give_one_event_versions(versions: int) -> int:
    """Amend one event through the service until it has `versions` history rows."""
    from audit.context import audit_context
    from events.choices import EventStatus
    from events.models import AdverseEvent
    from events.services.adverse_events import adverse_event_update

    event = (
        AdverseEvent.objects.filter(status__in=[EventStatus.DRAFT, EventStatus.SUBMITTED])
        .select_related("reported_by")
        .order_by("id")
        .first()
    )
    actor = event.reported_by
    with audit_context("command:bench"):
        for number in range(event.history.count(), versions):
            event = adverse_event_update(
                event=event,
                actor=actor,
                data={"narrative": f"Follow-up note {number}: patient comfortable."},
                expected_version=event.version,
                reason=f"Follow-up {number}",
            )
    return event.pk


def counts() -> dict:
    from audit.chain import chained_models
    from events.models import AdverseEvent, InfusionSession

    history_rows = sum(model._default_manager.count() for model in chained_models())
    return {
        "events": AdverseEvent.objects.count(),
        "sessions_in_db": InfusionSession.objects.count(),
        "ledger_rows": history_rows,
    }


HTTP_WRITERS = (
    ("nurse", "lakeshore"),
    ("nurse2", "harbor"),
    ("nurse3", "summit"),
    ("nurse4", "bayside"),
)


def http_clients() -> dict:
    """An API token for the director and for one nurse at each of four sites, and the
    sessions at each of those sites to file events into (the HTTP section of `run.py`).

    The tokens are made as if issued with the second factor: production settings require one
    for every role, and the benchmark measures requests, not the login.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from events.accounts.models import ApiToken
    from tests.benchmarks.filings import writer_slots

    users = get_user_model().objects

    def token(username: str) -> str:
        _, secret = ApiToken.objects.create(
            user=users.get(username=username),
            name="bench",
            last_used_at=timezone.now(),
            second_factor=True,
        )
        return secret

    step = settings.DUPLICATE_ONSET_WINDOW_MINUTES + 1
    writers = [
        {
            "token": token(username),
            "slots": [[slot.session, slot.started_at] for slot in writer_slots(site)],
            "onset_step_minutes": step,
        }
        for username, site in HTTP_WRITERS
    ]
    from events.queue_cursor import LAST_PAGE

    return {"director": token("director"), "writers": writers, "last_page": LAST_PAGE}


def main(argv: list[str]) -> None:
    _setup()
    command = argv[0]
    if command == "trail":
        print(json.dumps({"event_id": give_one_event_versions(int(argv[1]))}))
    elif command == "counts":
        print(json.dumps(counts()))
    elif command == "http":
        print(json.dumps(http_clients(), default=str))
    else:
        raise SystemExit(f"unknown step {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
