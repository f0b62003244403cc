"""The signal reviews API: list signals with their review state, read one, record a review.

Directors of every site the report covers record; auditors read only; nurses and outsiders
are refused. Reviews are audited, versioned through ETag/If-Match, and replayed on a retried
Idempotency-Key."""

import pytest

from events.choices import Role
from reporting.models import SignalReview
from tests.api.conftest import Api, if_match
from tests.audit_helpers import assert_audited
from tests.conftest import _member
from tests.reporting.test_signals import flagged_term  # noqa: F401  (fixture)

URL = "/api/v1/reporting/signals/"
REASON = "Dose protocol reverted to 0.5 mg/kg."


@pytest.fixture
def signal_key(as_director, flagged_term):  # noqa: F811
    response = as_director.get(URL)
    assert response.status_code == 200
    [signal] = response.json()
    return signal["key"]


def test_signals_are_listed_open_with_their_findings(as_director, signal_key):
    [signal] = as_director.get(URL).json()
    assert signal["state"] == "open" and signal["review"] is None
    assert signal["kind"] == "term" and signal["findings"]
    detail = as_director.get(f"{URL}{signal_key}/")
    assert detail.status_code == 200 and "ETag" not in detail


def test_a_director_records_a_review_audited_with_its_reason(as_director, director, signal_key):
    response = as_director.post(
        f"{URL}{signal_key}/review/", {"assessment": "action", "reason": REASON}
    )
    assert response.status_code == 201, response.json()
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["state"] == "reviewed"
    assert body["review"]["assessment"] == "action"
    assert body["review"]["reviewed_by"] == director.username
    review = SignalReview.objects.get(key=signal_key)
    assert_audited(review, actor=director, reason=REASON)
    [listed] = as_director.get(URL).json()
    assert listed["state"] == "reviewed" and listed["review"]["version"] == 1


def test_a_later_review_needs_the_version_it_read(as_director, signal_key):
    url = f"{URL}{signal_key}/review/"
    first = as_director.post(url, {"assessment": "monitor", "reason": "Watch next month."})
    assert first.status_code == 201
    body = {"assessment": "no_concern", "reason": "Explained by the new pump."}
    assert as_director.post(url, body).status_code == 428
    assert as_director.post(url, body, **if_match(7)).status_code == 412
    etag = as_director.get(f"{URL}{signal_key}/")["ETag"]
    second = as_director.post(url, body, **{"If-Match": etag})
    assert second.status_code == 201 and second["ETag"] == '"2"'
    review = SignalReview.objects.get(key=signal_key)
    assert [h.assessment for h in review.history.order_by("history_id")] == [
        "monitor",
        "no_concern",
    ]


def test_a_retried_review_with_the_same_key_is_replayed_not_recorded_twice(as_director, signal_key):
    url = f"{URL}{signal_key}/review/"
    body = {"assessment": "monitor", "reason": "Watch next month."}
    first = as_director.post(url, body, **{"Idempotency-Key": "review-1"})
    again = as_director.post(url, body, **{"Idempotency-Key": "review-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert SignalReview.objects.get(key=signal_key).version == 1


def test_a_review_names_each_wrong_field(as_director, signal_key):
    response = as_director.post(f"{URL}{signal_key}/review/", {"assessment": "panic"})
    assert response.status_code == 400
    assert set(response.json()) >= {"assessment", "reason"}
    assert not SignalReview.objects.exists()


def test_an_unknown_signal_or_filter_is_refused(as_director, signal_key):
    assert as_director.get(f"{URL}term:nothing:2026-03:north/").status_code == 404
    response = as_director.get(URL, {"routes": "iv"})
    assert response.status_code == 400 and "routes" in response.json()


@pytest.mark.parametrize(
    ("person", "read", "write"),
    [
        ("director", 200, 201),
        ("auditor", 200, 403),
        ("nurse", 403, 403),
        ("outsider_director", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_role_matrix(person, read, write, request, north, south, signal_key):
    users = {
        "director": lambda: request.getfixturevalue("director"),
        "auditor": lambda: request.getfixturevalue("auditor"),
        "nurse": lambda: request.getfixturevalue("nurse"),
        "outsider_director": lambda: _member("olga", south, Role.MEDICAL_DIRECTOR, "O", "S"),
        "anonymous": lambda: None,
    }
    api = Api(users[person]())
    # North's report (the auditor sees every site); South's director can only ask for theirs,
    # where this signal does not exist.
    query = "" if person == "outsider_director" else f"?site={north.pk}"
    assert api.get(f"{URL}{signal_key}/{query}").status_code == read
    assert api.get(f"{URL}{query}").status_code == (200 if read == 404 else read)
    body = {"assessment": "monitor", "reason": "Watch next month."}
    assert api.post(f"{URL}{signal_key}/review/{query}", body).status_code == write
    assert SignalReview.objects.exists() == (write == 201)


def test_the_schema_documents_the_signal_endpoints(as_auditor):
    schema = as_auditor.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/reporting/signals/" in paths
    review = paths["/api/v1/reporting/signals/{key}/review/"]["post"]
    names = {parameter["name"] for parameter in review["parameters"]}
    assert {"If-Match", "Idempotency-Key", "key"} <= names
    assert {"201", "400", "403", "412", "428"} <= set(review["responses"])
