"""Steps run inside a Django process on a benchmark data set (see `dataset.py`).

python -m tests.benchmarks.fixtures trail 1000   # one event with 1,000 versions
python -m tests.benchmarks.fixtures counts       # row counts, as JSON
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


def main(argv: list[str]) -> None:
    _setup()
    command = argv[0]
    if command == "trail":
        print(json.dumps({"event_id": give_one_event_versions(int(argv[1]))}))
    elif command == "counts":
        print(json.dumps(counts()))
    else:
        raise SystemExit(f"unknown step {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
