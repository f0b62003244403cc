"""The canonical form is a stored contract: rows sealed by any earlier release must serialise
to the same bytes today, or their chains would read as tampered. These bytes were produced by
the release that sealed the first rows; a faster serialiser must give them exactly."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from audit.canonical import canonical_row
from audit.models import AccessLog
from events.models import AdverseEvent


def test_an_access_log_row_keeps_its_bytes_with_nested_json_sorted_at_every_level():
    values = {
        "occurred_at": datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London")),
        "user_id": "7",
        "username": "director",
        "action": "export",
        "object_type": "events.adverseevent",
        "object_id": 42,
        "site_id": 3,
        "row_count": None,
        "detail": {"zeta": [1, {"b": 2, "a": "é"}], "alpha": Decimal("1.50")},
        "ip_address": "2001:db8::1",
        "chain_site_id": None,
    }

    assert canonical_row(AccessLog, values) == (
        b'{"action":"export","detail":{"alpha":"1.50","zeta":[1,{"a":"\xc3\xa9","b":2}]},'
        b'"ip_address":"2001:db8::1","object_id":"42","object_type":"events.adverseevent",'
        b'"occurred_at":"2026-03-29T01:30:00.000000+00:00","site_id":3,"user_id":7,'
        b'"username":"director"}'
    )


def test_a_history_row_keeps_its_bytes_whatever_python_types_its_values_arrive_in():
    values = {
        "id": 9,
        "session_id": 4,
        "site_id": 2,
        "term_id": 5,
        "grade": "3",
        "is_serious": 1,
        "is_expected": True,
        "onset_at": "2026-01-02T03:04:05+01:00",
        "narrative": 'Nausea, "mild"\n',
        "version": 2,
        "history_date": datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=timezone(timedelta(hours=-5))),
        "history_type": "~",
        "chain_site_id": 2,
    }

    assert canonical_row(AdverseEvent.history.model, values) == (
        b'{"chain_site_id":2,"grade":3,"history_date":"2026-01-02T08:04:05.000600+00:00",'
        b'"history_type":"~","id":9,"is_expected":true,"is_serious":true,'
        b'"narrative":"Nausea, \\"mild\\"\\n","onset_at":"2026-01-02T02:04:05.000000+00:00",'
        b'"session_id":4,"site_id":2,"term_id":5,"version":2}'
    )


def test_the_same_instant_in_two_zones_serialises_alike_and_a_later_one_differs():
    model = AdverseEvent.history.model
    utc = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    sydney = utc.astimezone(ZoneInfo("Australia/Sydney"))

    assert canonical_row(model, {"onset_at": sydney}) == canonical_row(model, {"onset_at": utc})
    later = utc + timedelta(microseconds=1)
    assert canonical_row(model, {"onset_at": later}) != canonical_row(model, {"onset_at": utc})
