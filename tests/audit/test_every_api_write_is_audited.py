"""Every write route of the API, walked generically: a valid write by a person allowed to make
it leaves a history row naming that person, with source `api`, the request id the response
returned as `X-Request-ID`, and the reason the person gave where one is asked for.

A new write route fails `test_every_api_write_route_has_a_case` until a case is added here.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from events.models import (
    AdverseEvent,
    AlertSuggestion,
    DuplicateDismissal,
    InfusionSession,
    OutcomeMeasure,
    Patient,
    SuicidalityAlert,
    VitalSign,
)
from exports.models import ExportJob
from reporting.models import SignalReview
from tests.api.conftest import Api, if_match
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    VitalSignFactory,
)

WRITE_METHODS = ("post", "put", "patch", "delete")
# Writes whose record is not an audited model: they are covered elsewhere.
NOT_RECORDS = {
    ("api:token", "post"): "issues a token and logs the login (tests/api/test_journeys.py)",
    ("api:token-revoke", "post"): "tokens are credentials, not records: the revocation is in the "
    "access log (tests/security/test_api_tokens.py)",
}


# Writes checked in their own tests, with no generic case yet: each moves into CASES.
WITHOUT_GENERIC_CASE: dict[tuple[str, str], str] = {}


@dataclass
class Write:
    api: Api
    method: str
    url: str
    record: callable  # the record whose history the write must extend
    body: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    reason: str | None = None


def _current(api: Api, url: str, fields) -> dict:
    """The record's writable fields as the API shows them, for a full PUT."""
    shown = api.get(url).data
    return {name: shown[name] for name in fields if name in shown}


def _submitted(people, **extra) -> AdverseEvent:
    return AdverseEventFactory(
        session=people.session, reported_by=people.nurse, status="submitted", **extra
    )


def _suggestion(people) -> AlertSuggestion:
    recorded = people.as_nurse.post(f"/api/v1/sessions/{people.session.pk}/vitals/", {"spo2": 90})
    return AlertSuggestion.objects.get(pk=recorded.data["suggestions"][0]["id"])


def _patient_create(p):
    body = {"site": p.north.pk, "chart_number": "N-3003", "birth_year": 1970, "sex": "female"}
    body["indication"] = "trd"
    return Write(
        p.as_nurse, "post", "/api/v1/patients/", lambda: Patient.objects.latest("pk"), body
    )


def _patient_update(method):
    def case(p):
        url = f"/api/v1/patients/{p.patient.pk}/"
        body = _current(p.as_nurse, url, ("chart_number", "birth_year", "sex", "indication"))
        body |= {"birth_year": 1985, "reason": "Year misread from the referral"}
        return Write(
            p.as_nurse,
            method,
            url,
            lambda: Patient.objects.get(pk=p.patient.pk),
            body if method == "put" else {"birth_year": 1985, "reason": body["reason"]},
            if_match(p.patient.version),
            reason="Year misread from the referral",
        )

    return case


def _session_start(p):
    other = PatientFactory(site=p.north)  # p.patient already has a session in progress
    body = {
        "patient": other.pk,
        "drug": "ketamine",
        "route": "iv",
        "dose_mg_per_kg": "0.5",
        "weight_kg": "80",
        "lot_number": "LOT-8",
        "started_at": p.now.isoformat(),
    }
    return Write(
        p.as_nurse, "post", "/api/v1/sessions/", lambda: InfusionSession.objects.latest("pk"), body
    )


def _session_update(method):
    def case(p):
        url = f"/api/v1/sessions/{p.session.pk}/"
        reason = "Lot number copied wrongly"
        body = {"lot_number": "LOT-9", "reason": reason}
        if method == "put":
            fields = ("drug", "route", "dose_mg_per_kg", "weight_kg", "lot_number", "started_at")
            body = _current(p.as_nurse, url, fields) | body
        return Write(
            p.as_nurse,
            method,
            url,
            lambda: InfusionSession.objects.get(pk=p.session.pk),
            body,
            if_match(p.session.version),
            reason=reason,
        )

    return case


def _session_action(action, body, *, status="in_progress", reason=None):
    def case(p):
        session = p.session
        if status != "in_progress":
            session = InfusionSessionFactory(
                patient=p.patient,
                administered_by=p.nurse,
                status=status,
                ended_at=p.now - timedelta(minutes=5),
            )
        return Write(
            p.as_nurse,
            "post",
            f"/api/v1/sessions/{session.pk}/{action}/",
            lambda: InfusionSession.objects.get(pk=session.pk),
            body,
            if_match(session.version),
            reason=reason,
        )

    return case


def _vital_record(p):
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/sessions/{p.session.pk}/vitals/",
        lambda: VitalSign.objects.latest("pk"),
        {"systolic": 128, "diastolic": 82},
    )


def _vital_void(p):
    vital = VitalSignFactory(session=p.session, recorded_by=p.nurse)
    reason = "Cuff on the wrong patient"
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/vitals/{vital.pk}/void/",
        lambda: VitalSign.objects.get(pk=vital.pk),
        {"reason": reason},
        if_match(vital.version),
        reason=reason,
    )


def _suggestion_action(action, body, reason=None):
    def case(p):
        suggestion = _suggestion(p)
        return Write(
            p.as_nurse,
            "post",
            f"/api/v1/suggestions/{suggestion.pk}/{action}/",
            lambda: AlertSuggestion.objects.get(pk=suggestion.pk),
            body,
            if_match(suggestion.version),
            reason=reason,
        )

    return case


PHQ9 = {f"phq9_item{n}": 1 for n in range(1, 10)}


def _measure_record(p):
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/sessions/{p.session.pk}/measures/",
        lambda: OutcomeMeasure.objects.latest("pk"),
        PHQ9,
    )


def _measure_void(p):
    recorded = p.as_nurse.post(f"/api/v1/sessions/{p.session.pk}/measures/", PHQ9)
    measure = OutcomeMeasure.objects.get(pk=recorded.data["measure"]["id"])
    reason = "Answers typed into the wrong session"
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/measures/{measure.pk}/void/",
        lambda: OutcomeMeasure.objects.get(pk=measure.pk),
        {"reason": reason},
        if_match(measure.version),
        reason=reason,
    )


def _alert_action(action, body, reason):
    def case(p):
        recorded = p.as_nurse.post(f"/api/v1/sessions/{p.session.pk}/measures/", PHQ9)
        alert = SuicidalityAlert.objects.get(pk=recorded.data["alert"]["id"])
        return Write(
            p.as_director,
            "post",
            f"/api/v1/alerts/{alert.pk}/{action}/",
            lambda: SuicidalityAlert.objects.get(pk=alert.pk),
            body,
            if_match(alert.version),
            reason=reason,
        )

    return case


def _event_report(p):
    body = {
        "session": p.session.pk,
        "term": "nausea",
        "onset_at": (p.session.started_at + timedelta(minutes=10)).isoformat(),
        "grade": 1,
    }
    return Write(
        p.as_nurse, "post", "/api/v1/events/", lambda: AdverseEvent.objects.latest("pk"), body
    )


def _event_update(method):
    def case(p):
        event = AdverseEventFactory(session=p.session, reported_by=p.nurse)
        url = f"/api/v1/events/{event.pk}/"
        body = {"outcome": "recovered"}
        if method == "put":
            fields = ("term", "onset_at", "grade", "outcome", "is_expected", "detected_by")
            body = _current(p.as_nurse, url, fields) | body
        return Write(
            p.as_nurse,
            method,
            url,
            lambda: AdverseEvent.objects.get(pk=event.pk),
            body,
            if_match(event.version),
        )

    return case


def _event_action(action, body, *, by="nurse", state=None, reason=None):
    def case(p):
        if state == "submitted":
            event = _submitted(p)
        elif state == "assessed":
            event = _submitted(p, causality="probable")
        else:
            event = AdverseEventFactory(session=p.session, reported_by=p.nurse)
        return Write(
            p.as_nurse if by == "nurse" else p.as_director,
            "post",
            f"/api/v1/events/{event.pk}/{action}/",
            lambda: AdverseEvent.objects.get(pk=event.pk),
            body(p) if callable(body) else body,
            if_match(event.version),
            reason=reason,
        )

    return case


def _thresholds(method):
    def case(p):
        reason = "Committee decision"
        return Write(
            p.as_director,
            method,
            f"/api/v1/sites/{p.north.pk}/thresholds/",
            lambda: type(p.north).objects.get(pk=p.north.pk),
            {"systolic_high": 175, "reason": reason},
            if_match(p.north.version),
            reason=reason,
        )

    return case


def _export_job(p):
    return Write(
        p.as_director,
        "post",
        "/api/v1/exports/jobs/",
        lambda: ExportJob.objects.latest("pk"),
        {"kind": "listing_csv", "filters": {}},
        reason="Export requested",
    )


def _look_alike_pair(p) -> tuple[AdverseEvent, AdverseEvent]:
    first = _submitted(p, onset_at=p.session.started_at + timedelta(minutes=15))
    second = _submitted(p, onset_at=p.session.started_at + timedelta(minutes=25))
    return first, second


def _duplicate_void(p):
    first, second = _look_alike_pair(p)
    return Write(
        p.as_director,
        "post",
        "/api/v1/duplicates/void/",
        lambda: AdverseEvent.objects.get(pk=second.pk),
        {"void": second.pk, "keep": first.pk},
        if_match(second.version),
        reason=f"duplicate of #{first.pk}",
    )


def _duplicate_dismiss(p):
    first, second = _look_alike_pair(p)
    return Write(
        p.as_director,
        "post",
        "/api/v1/duplicates/dismissals/",
        lambda: DuplicateDismissal.objects.get(),
        {"first_event": first.pk, "second_event": second.pk, "reason": "Two episodes"},
        reason="Two episodes",
    )


def _question(p, *, answered=False):
    from events.inquiries.services import question_answer, question_open

    event = _submitted(p)
    question = question_open(
        actor=p.director, event=event, text="Which rescue drug?", addressed_to="reporter"
    )
    if answered:
        question_answer(actor=p.nurse, question=question, text="None", expected_version=1)
        question.refresh_from_db()
    return question


def _question_ask(p):
    from events.inquiries.models import Question

    body = {
        "event": _submitted(p).pk,
        "text": "Did the patient get home?",
        "addressed_to": "reporter",
    }
    return Write(
        p.as_director, "post", "/api/v1/questions/", lambda: Question.objects.latest("pk"), body
    )


def _question_action(action, body, *, by="director", answered=True, reason=None, latest=False):
    def case(p):
        from events.inquiries.models import Question

        question = _question(p, answered=answered)
        return Write(
            p.as_nurse if by == "nurse" else p.as_director,
            "post",
            f"/api/v1/questions/{question.pk}/{action}/",
            (lambda: Question.objects.latest("pk"))
            if latest
            else (lambda: Question.objects.get(pk=question.pk)),
            body,
            if_match(question.version),
            reason=reason,
        )

    return case


def _comment_post(p):
    from events.inquiries.models import Comment

    body = {"event": _submitted(p).pk, "text": "Patient home safely."}
    return Write(
        p.as_nurse, "post", "/api/v1/comments/", lambda: Comment.objects.latest("pk"), body
    )


def _comment_void(p):
    from events.inquiries.services import comment_post

    comment = comment_post(actor=p.nurse, event=_submitted(p), text="Wrong chair")
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/comments/{comment.pk}/void/",
        lambda: type(comment).objects.get(pk=comment.pk),
        {"reason": "Posted on the wrong event"},
        if_match(comment.version),
        reason="Posted on the wrong event",
    )


def _png():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    return SimpleUploadedFile("strip.png", out.getvalue(), content_type="image/png")


def _attachment_upload(p):
    from events.inquiries.models import Attachment

    body = {"event": _submitted(p).pk, "file": _png()}
    return Write(
        p.as_nurse,
        "multipart",
        "/api/v1/attachments/",
        lambda: Attachment.objects.latest("pk"),
        body,
    )


def _attachment_void(p):
    from events.inquiries.attachments import Upload, attachment_upload

    upload = Upload(name="strip.png", declared_type="image/png", content=_png().read())
    attachment = attachment_upload(actor=p.nurse, event=_submitted(p), upload=upload)
    return Write(
        p.as_nurse,
        "post",
        f"/api/v1/attachments/{attachment.pk}/void/",
        lambda: type(attachment).objects.get(pk=attachment.pk),
        {"reason": "Another patient's strip"},
        if_match(attachment.version),
        reason="Another patient's strip",
    )


def _signal_review(p):
    from tests.reporting.dataset import make_series

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    baseline = [(month, 10, index % 2) for index, month in enumerate(months)]
    recent = [("2026-01", 10, 4), ("2026-02", 10, 3), ("2026-03", 10, 5)]
    make_series(p.north, baseline + recent, term_code="hypertension")
    # The months of the series only: the session in progress today would add empty months.
    query = "?date_from=2025-01-01&date_to=2026-03-31"
    [signal] = p.as_director.get(f"/api/v1/reporting/signals/{query}").json()
    reason = "Dose protocol reverted to 0.5 mg/kg."
    return Write(
        p.as_director,
        "post",
        f"/api/v1/reporting/signals/{signal['key']}/review/{query}",
        lambda: SignalReview.objects.get(key=signal["key"]),
        {"assessment": "action", "reason": reason},
        reason=reason,
    )


CASES = {
    ("api:patient-list", "post"): _patient_create,
    ("api:patient-detail", "put"): _patient_update("put"),
    ("api:patient-detail", "patch"): _patient_update("patch"),
    ("api:session-list", "post"): _session_start,
    ("api:session-detail", "put"): _session_update("put"),
    ("api:session-detail", "patch"): _session_update("patch"),
    ("api:session-finish", "post"): _session_action("finish", {"status": "completed"}),
    ("api:session-discharge", "post"): _session_action("discharge", {}, status="completed"),
    ("api:session-void", "post"): _session_action(
        "void", {"reason": "Opened for the wrong patient"}, reason="Opened for the wrong patient"
    ),
    ("api:vital-list", "post"): _vital_record,
    ("api:vital-void", "post"): _vital_void,
    ("api:suggestion-confirm", "post"): _suggestion_action("confirm", {}),
    ("api:suggestion-dismiss", "post"): _suggestion_action(
        "dismiss", {"reason": "Probe slipped"}, reason="Probe slipped"
    ),
    ("api:measure-list", "post"): _measure_record,
    ("api:measure-void", "post"): _measure_void,
    ("api:alert-confirm", "post"): _alert_action(
        "confirm", {"reason": "Spoke with the patient"}, "Spoke with the patient"
    ),
    ("api:alert-dismiss", "post"): _alert_action(
        "dismiss", {"reason": "Item tapped by mistake"}, "Item tapped by mistake"
    ),
    ("api:event-list", "post"): _event_report,
    ("api:event-detail", "put"): _event_update("put"),
    ("api:event-detail", "patch"): _event_update("patch"),
    ("api:event-submit", "post"): _event_action("submit", {}, reason="Event submitted"),
    ("api:event-assess", "post"): _event_action(
        "assess", {"causality": "possible"}, by="director", state="submitted"
    ),
    ("api:event-sign-off", "post"): _event_action(
        "sign-off", lambda p: {"password": p.password}, by="director", state="assessed"
    ),
    ("api:event-void", "post"): _event_action(
        "void",
        {"reason": "Entered twice"},
        by="director",
        state="submitted",
        reason="Entered twice",
    ),
    ("api:site-thresholds", "put"): _thresholds("put"),
    ("api:site-thresholds", "patch"): _thresholds("patch"),
    ("api-export-jobs", "post"): _export_job,
    ("api:duplicate-void", "post"): _duplicate_void,
    ("api:duplicate-dismissal-list", "post"): _duplicate_dismiss,
    ("api:question-list", "post"): _question_ask,
    ("api:question-answer", "post"): _question_action(
        "answer", {"text": "Midazolam 2 mg"}, by="nurse", answered=False, reason="Question answered"
    ),
    ("api:question-resolve", "post"): _question_action(
        "resolve", {"reason": "Clear"}, reason="Clear"
    ),
    ("api:question-ask-again", "post"): _question_action(
        "ask-again", {"text": "Which dose?"}, reason="Asked again", latest=True
    ),
    ("api:question-close", "post"): _question_action(
        "close", {"reason": "Answered by phone"}, answered=False, reason="Answered by phone"
    ),
    ("api:comment-list", "post"): _comment_post,
    ("api:comment-void", "post"): _comment_void,
    ("api:attachment-list", "post"): _attachment_upload,
    ("api:attachment-void", "post"): _attachment_void,
    ("api-reporting-signal-review", "post"): _signal_review,
}


def api_write_routes() -> set[tuple[str, str]]:
    """(URL name, method) of every view under /api/ that accepts a write, whatever app or
    namespace it comes from."""
    routes = set()

    def walk(patterns, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            path = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, path)
            elif isinstance(pattern, URLPattern) and path.startswith("/api/"):
                view = getattr(pattern.callback, "view_class", None)
                # A function view under /api/ could not be told apart: it fails the walk.
                assert view is not None, f"{path}: API views are classes"
                for method in WRITE_METHODS:
                    if hasattr(view, method):
                        routes.add((f"{namespace}{pattern.name}", method))

    walk(get_resolver().url_patterns, "", "/")
    return routes


def test_every_api_write_route_has_a_case():
    routes = api_write_routes()
    assert routes - set(CASES) - set(NOT_RECORDS) - set(WITHOUT_GENERIC_CASE) == set()
    assert set(CASES) <= routes  # no case for a route that is gone


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda route: f"{route[1]} {route[0]}")
def test_a_valid_api_write_leaves_a_history_row_naming_who_why_and_the_request(route, people):
    write = CASES[route](people)

    response = getattr(write.api, write.method)(write.url, write.body, **write.headers)

    assert response.status_code in (200, 201, 202), (response.status_code, response.data)
    row = write.record().history.order_by("-history_id").first()
    assert row.history_user == write.api.user
    assert row.source == "api"
    assert row.request_id == response["X-Request-ID"]
    if write.reason is not None:
        assert row.history_change_reason == write.reason
    assert row.history_change_reason  # every write says why
