"""Who may do what, through HTTP: (staff, director, auditor, anonymous) x (own site, other
site) x (list, detail, create, update, submit, sign-off, void).

The records live at North; "other" users hold the same role at South only. Another site's
record is a 404 (its existence does not leak), a role that may not write is a 403, anonymous
visitors are sent to log in, and a refused request changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus, Role
from events.models import AdverseEvent, EventTerm
from tests.factories import AdverseEventFactory, MembershipFactory, UserFactory

OK, REDIRECT, FORBIDDEN, NOT_FOUND, LOGIN = 200, 302, 403, 404, "login"


def _user(request, role: str, where: str):
    if role == "anonymous":
        return None
    if where == "own":
        return request.getfixturevalue(
            {"staff": "nurse", "director": "director", "auditor": "auditor"}[role]
        )
    south = request.getfixturevalue("south")
    user = UserFactory(username=f"south-{role}")
    membership_role = {
        "staff": Role.STAFF,
        "director": Role.MEDICAL_DIRECTOR,
        "auditor": Role.AUDITOR,
    }
    MembershipFactory(user=user, site=south, role=membership_role[role])
    return user


@pytest.fixture
def records(session, nurse, patient):
    now = timezone.now()
    draft = AdverseEventFactory(session=session, reported_by=nurse)
    submitted = AdverseEventFactory(
        session=session,
        reported_by=nurse,
        term=EventTerm.objects.get(code="dizziness"),
        status=EventStatus.SUBMITTED,
        submitted_at=now,
        review_due_at=now + timedelta(days=30),
        causality="possible",
    )
    return {"session": session, "draft": draft, "submitted": submitted, "patient": patient}


def _event_data(session) -> dict:
    onset = timezone.localtime(session.started_at + timedelta(minutes=10), session.site.zone)
    return {
        "term": EventTerm.objects.get(code="headache").pk,
        "onset_at": onset.strftime("%Y-%m-%dT%H:%M"),
        "grade": "1",
        "outcome": "recovered",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "intent": "draft",
    }


ACTIONS = {
    "list": lambda c, r, pw: c.get(reverse("patient-list")),
    "detail": lambda c, r, pw: c.get(reverse("event-detail", args=[r["draft"].pk])),
    "create": lambda c, r, pw: c.post(
        reverse("event-new", args=[r["session"].pk]),
        {**_event_data(r["session"]), "form_token": "matrix"},
    ),
    "update": lambda c, r, pw: c.post(
        reverse("event-edit", args=[r["draft"].pk]),
        {**_event_data(r["session"]), "version": r["draft"].version},
    ),
    "submit": lambda c, r, pw: c.post(
        reverse("event-submit", args=[r["draft"].pk]), {"version": r["draft"].version}
    ),
    "sign-off": lambda c, r, pw: c.post(
        reverse("event-sign-off", args=[r["submitted"].pk]),
        {"version": r["submitted"].version, "password": pw},
    ),
    "void": lambda c, r, pw: c.post(
        reverse("event-void", args=[r["draft"].pk]),
        {"version": r["draft"].version, "reason": "Entered in error"},
    ),
}

WRITE_BY_STAFF = {"create": REDIRECT, "update": REDIRECT, "submit": REDIRECT}
EXPECTED = {
    ("staff", "own"): {
        "list": OK,
        "detail": OK,
        **WRITE_BY_STAFF,
        "sign-off": FORBIDDEN,
        "void": FORBIDDEN,
    },
    ("director", "own"): {
        "list": OK,
        "detail": OK,
        **WRITE_BY_STAFF,
        "sign-off": REDIRECT,
        "void": REDIRECT,
    },
    ("auditor", "own"): {
        "list": OK,
        "detail": OK,
        "create": FORBIDDEN,
        "update": FORBIDDEN,
        "submit": FORBIDDEN,
        "sign-off": FORBIDDEN,
        "void": FORBIDDEN,
    },
    **{
        (role, "other"): {"list": OK, **{a: NOT_FOUND for a in ACTIONS if a != "list"}}
        for role in ("staff", "director", "auditor")
    },
    **{("anonymous", where): {a: LOGIN for a in ACTIONS} for where in ("own", "other")},
}
CASES = [
    (role, where, action, expected)
    for (role, where), outcomes in EXPECTED.items()
    for action, expected in outcomes.items()
]


@pytest.mark.parametrize(("role", "where", "action", "expected"), CASES)
def test_role_matrix(request, client, records, password, role, where, action, expected):
    user = _user(request, role, where)
    if user is not None:
        client.force_login(user)
    events_before = {e.pk: e.version for e in AdverseEvent.objects.all()}

    response = ACTIONS[action](client, records, password)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.text[:500]
    if expected in (FORBIDDEN, NOT_FOUND, LOGIN):
        assert {e.pk: e.version for e in AdverseEvent.objects.all()} == events_before
    if action == "list" and expected == OK:
        shows_north = records["patient"].chart_number in response.text
        assert shows_north == (where == "own")
