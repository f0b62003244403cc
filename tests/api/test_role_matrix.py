"""Who may do what, where: every role against an event at their own site and at another.

Another site's record is a 404 (its existence does not leak) and never shows in a list;
auditors read everything and change nothing; only directors sign off and void, and never
an event they reported themselves. Anonymous clients get a 401 (`WWW-Authenticate: Token`).
"""

import pytest

from events.choices import EventStatus
from tests.api.conftest import Api, if_match
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

ABSENT = "absent"  # a 200 list without the record

# (own site, other site) for each role; the auditor's membership covers every site.
MATRIX = {
    "list": {
        "staff": (200, ABSENT),
        "director": (200, ABSENT),
        "auditor": (200, 200),
        "anonymous": (401, 401),
    },
    "detail": {
        "staff": (200, 404),
        "director": (200, 404),
        "auditor": (200, 200),
        "anonymous": (401, 401),
    },
    # A session at a site the user cannot see is refused like an id that does not exist
    # (400 on the `session` field, the same message either way).
    "create": {
        "staff": (201, 400),
        "director": (201, 400),
        "auditor": (403, 403),
        "anonymous": (401, 401),
    },
    "update": {
        "staff": (200, 404),
        "director": (200, 404),
        "auditor": (403, 403),
        "anonymous": (401, 401),
    },
    "submit": {
        "staff": (200, 404),
        "director": (200, 404),
        "auditor": (403, 403),
        "anonymous": (401, 401),
    },
    "sign-off": {
        "staff": (403, 404),
        "director": (200, 404),
        "auditor": (403, 403),
        "anonymous": (401, 401),
    },
    "void": {
        "staff": (403, 404),
        "director": (200, 404),
        "auditor": (403, 403),
        "anonymous": (401, 401),
    },
}
CASES = [
    pytest.param(role, where, op, outcomes[index], id=f"{role}-{where}-{op}")
    for op, by_role in MATRIX.items()
    for role, outcomes in by_role.items()
    for index, where in enumerate(("own", "other"))
]
# The state each operation starts from.
START = {
    "update": EventStatus.DRAFT,
    "submit": EventStatus.DRAFT,
}


def _event(site_session, reporter, op):
    return AdverseEventFactory(
        session=site_session,
        reported_by=reporter,
        status=START.get(op, EventStatus.SUBMITTED),
        causality="possible",
    )


def _call(api: Api, op: str, event, password: str):
    url = f"/api/v1/events/{event.pk}/"
    version = if_match(event.version)
    if op == "list":
        return api.get("/api/v1/events/")
    if op == "detail":
        return api.get(url)
    if op == "create":
        body = {
            "session": event.session_id,
            "term": "headache",
            "onset_at": event.onset_at.isoformat(),
            "grade": 1,
        }
        return api.post("/api/v1/events/", body)
    if op == "update":
        return api.patch(url, {"rescue_medication": "Ondansetron 4 mg"}, **version)
    if op == "submit":
        return api.post(f"{url}submit/", **version)
    if op == "sign-off":
        return api.post(f"{url}sign-off/", {"password": password}, **version)
    return api.post(f"{url}void/", {"reason": "Duplicate entry"}, **version)


@pytest.mark.parametrize(("role", "where", "op", "expected"), CASES)
def test_role_matrix(
    role, where, op, expected, nurse, director, auditor, other_site_nurse, patient, password
):
    users = {"staff": nurse, "director": director, "auditor": auditor, "anonymous": None}
    if where == "own":
        session = InfusionSessionFactory(patient=patient, administered_by=nurse)
        event = _event(session, nurse, op)
    else:
        south_patient = PatientFactory(site=other_site_nurse.memberships.get().site)
        session = InfusionSessionFactory(patient=south_patient, administered_by=other_site_nurse)
        event = _event(session, other_site_nurse, op)
    before = (event.version, event.history.count())

    response = _call(Api(users[role]), op, event, password)

    if expected == ABSENT:
        assert response.status_code == 200
        assert event.pk not in [row["id"] for row in response.data["results"]]
        return
    assert response.status_code == expected, response.data
    if op == "list" and expected == 200:
        assert event.pk in [row["id"] for row in response.data["results"]]
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"
    if expected >= 400 and op not in ("list", "detail"):
        event.refresh_from_db()
        assert (event.version, event.history.count()) == before


def test_a_director_cannot_sign_off_an_event_they_reported(director, session, password):
    event = AdverseEventFactory(
        session=session, reported_by=director, status=EventStatus.SUBMITTED, causality="possible"
    )

    response = Api(director).post(
        f"/api/v1/events/{event.pk}/sign-off/", {"password": password}, **if_match(event.version)
    )

    assert response.status_code == 403
    assert response.data == {"detail": "A director cannot sign off an event they reported."}
    event.refresh_from_db()
    assert event.status == EventStatus.SUBMITTED and not event.signatures.exists()


def test_lists_of_patients_and_sessions_never_show_another_sites_records(
    as_outsider, patient, session
):
    for url in ("/api/v1/patients/", "/api/v1/sessions/", "/api/v1/events/"):
        response = as_outsider.get(url)
        assert response.status_code == 200
        assert response.data["count"] == 0, url


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/patients/{patient}/",
        "/api/v1/sessions/{session}/",
        "/api/v1/sessions/{session}/vitals/",
        "/api/v1/sessions/{session}/suggestions/",
        "/api/v1/sites/{site}/",
    ],
)
def test_another_sites_records_are_not_found(as_outsider, patient, session, url):
    response = as_outsider.get(
        url.format(patient=patient.pk, session=session.pk, site=patient.site_id)
    )
    assert response.status_code == 404
    assert response.data == {"detail": "Not found."}


def test_the_review_queue_is_for_directors(as_nurse, as_auditor, as_director):
    assert as_nurse.get("/api/v1/review-queue/").status_code == 403
    assert as_auditor.get("/api/v1/review-queue/").status_code == 403
    assert as_director.get("/api/v1/review-queue/").status_code == 200


def test_only_directors_change_thresholds(as_nurse, north):
    response = as_nurse.patch(
        f"/api/v1/sites/{north.pk}/thresholds/", {"spo2_low": 90}, **if_match(1)
    )
    assert response.status_code == 403
    north.refresh_from_db()
    assert north.spo2_low == 92
