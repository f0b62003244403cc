"""Every web form that writes, walked generically: a valid POST by a person allowed to make it
leaves a history row naming that person, with source `web`, the request id the response
returned as `X-Request-ID`, and the reason the person gave where one is asked for.

The routes are found by walking the URL resolver, not listed by hand: a page accepts a write
when its view class has a `post`/`put`/`patch`/`delete` method, when a decorator such as
`require_POST` names POST, or when the view reads `request.POST` / compares `request.method`
with "POST". `test_every_web_form_has_a_case` fails for a route found that way and named
neither in `FORMS` nor in `NOT_RECORDS`.

Adding a form: register one entry in `FORMS`, keyed by the URL name, whose function takes
`people` (the fixture below: nurse, director, north, patient, session, password, now) and
returns a `Form`: who posts (`user`), where (`url`), a valid payload (`data`), how to find the
record the write must extend (`record`, called after the POST) and, where the form asks for
one, the reason typed (`reason`). A write whose record is not an audited model (a login, a
credential, a search) goes in `NOT_RECORDS` with the test that covers it instead.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from events.imports.models import ImportJob
from events.inquiries.models import Attachment, Comment, Question
from events.inquiries.services import comment_post, question_answer, question_open
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    DuplicateDismissal,
    EventTerm,
    InfusionSession,
    OutcomeMeasure,
    Patient,
    Site,
    SuicidalityAlert,
    VitalSign,
)
from events.models.measures import PHQ9_ITEMS
from events.notifications.models import NotificationPreference
from reporting.models import ReferenceRate, SignalAssessment, SignalReview
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    VitalSignFactory,
)

# URL prefixes that are not the application's web forms: the API has its own walk
# (tests/audit/test_every_api_write_is_audited.py) and the admin is Django's.
NOT_WEB_FORMS = ("/api/", "/admin/", "/static/")

NOT_RECORDS = {
    "login": "a login is in the access log (tests/web/test_staff_journeys.py, tests/security)",
    "logout": "ends the session; nothing is recorded",
    "password_change": "credentials, not records (django.contrib.auth)",
    "password_reset": "credentials, not records (django.contrib.auth)",
    "password_reset_confirm": "credentials, not records (django.contrib.auth)",
    "second-factor-verify": "a login step, in the access log "
    "(tests/security/test_second_factor.py)",
    "second-factor-setup": "a credential: enrolling is in the access log "
    "(tests/security/test_second_factor.py)",
    "recovery-codes-regenerate": "a credential: replacing the codes is in the access log "
    "(tests/security/test_second_factor.py)",
    "api-token-revoke": "tokens are credentials: the revocation is in the access log "
    "(tests/security/test_api_tokens.py)",
    "patient-list": "a search by chart number, posted to keep it out of URLs: a read",
    "audit:chain-verify": "appends a verification run, itself chained, not a record's history "
    "(tests/audit/test_verification.py)",
    "notification-open": "marks a notification read: a notification is a message about "
    "records, not a record (tests/notifications/test_pages.py)",
    "notification-mark-all-read": "marks notifications read: messages, not records "
    "(tests/notifications/test_pages.py)",
    None: "the favicon redirect (no name)",
}


# Forms whose write is checked in their own tests and has no generic case yet: each moves
# into FORMS with a valid payload (the walk then checks its actor, source, request id and
# reason like every other form's).
WITHOUT_GENERIC_CASE: dict[str, str] = {}


@dataclass
class Form:
    user: Any
    url: str
    data: dict[str, Any]
    record: Callable[[], models.Model]  # the record whose history the write must extend
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _minute(moment, site: Site) -> str:
    """What the 24-hour date-time box at the site shows for `moment`."""
    return timezone.localtime(moment, site.zone).strftime("%Y-%m-%d %H:%M")


def _event_data(p, **overrides) -> dict[str, Any]:
    return {
        "term": EventTerm.objects.get(code="nausea").pk,
        "grade": "1",
        "outcome": "recovered",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "narrative": "Mild nausea at 20 minutes, settled without treatment.",
        "onset_at": _minute(p.now - timedelta(minutes=5), p.north),
        "intent": "draft",
        **overrides,
    }


def _latest(model: type[models.Model]) -> Callable[[], models.Model]:
    return lambda: model._default_manager.latest("pk")


def _fresh(instance: models.Model) -> Callable[[], models.Model]:
    return lambda: type(instance)._default_manager.get(pk=instance.pk)


def _patient_new(p):
    data = {"form_token": "web-audit-patient", "site": p.north.pk, "chart_number": "N-3003"}
    data |= {"birth_year": "1985", "sex": "male", "indication": "ptsd"}
    return Form(p.nurse, reverse("patient-new"), data, _latest(Patient), "Patient registered")


def _patient_edit(p):
    reason = "Year of birth mistyped"
    data = {"version": p.patient.version, "chart_number": p.patient.chart_number}
    data |= {"birth_year": "1979", "sex": p.patient.sex, "indication": p.patient.indication}
    url = reverse("patient-edit", args=[p.patient.pk])
    return Form(p.nurse, url, {**data, "reason": reason}, _fresh(p.patient), reason)


def _session_new(p):
    patient = PatientFactory(site=p.north)  # p.patient already has a session in progress
    data = {
        "form_token": "web-audit-session",
        "drug": "ketamine",
        "route": "iv",
        "dose_mg_per_kg": "0.5",
        "weight_kg": "80",
        "planned_duration_min": "40",
        "lot_number": "LOT-77",
        "baseline_bp_acceptable": "on",
        "is_fasting": "on",
    }
    url = reverse("session-new", args=[patient.pk])
    return Form(p.nurse, url, data, _latest(InfusionSession), "Session started")


def _session_finish(p):
    url = reverse("session-finish", args=[p.session.pk])
    data = {"version": p.session.version, "outcome": "stopped_early", "reason": "Severe nausea"}
    return Form(p.nurse, url, data, _fresh(p.session), "Severe nausea")


def _session_discharge(p):
    session = InfusionSessionFactory(
        patient=p.patient, status="completed", ended_at=p.now - timedelta(minutes=5)
    )
    url = reverse("session-discharge", args=[session.pk])
    return Form(p.nurse, url, {"version": session.version}, _fresh(session), "Patient discharged")


def _session_void(p):
    reason = "Charted on the wrong patient"
    url = reverse("session-void", args=[p.session.pk])
    return Form(p.nurse, url, {"version": p.session.version, "reason": reason}, _fresh(p.session))


def _vital_new(p):
    url = reverse("vital-new", args=[p.session.pk])
    data = {"form_token": "web-audit-vital", "heart_rate": "82"}
    return Form(p.nurse, url, data, _latest(VitalSign), "Vital signs recorded")


def _vital_void(p):
    vital = VitalSignFactory(session=p.session, recorded_by=p.nurse)
    url = reverse("vital-void", args=[vital.pk])
    data = {"version": vital.version, "reason": "Wrong chair"}
    return Form(p.nurse, url, data, _fresh(vital), "Wrong chair")


def _suggestion(p) -> AlertSuggestion:
    client = Client()
    client.force_login(p.nurse)
    client.post(
        reverse("vital-new", args=[p.session.pk]),
        {"form_token": "web-audit-alert", "heart_rate": "125"},
    )
    return AlertSuggestion.objects.get(session=p.session)


def _suggestion_confirm(p):
    suggestion = _suggestion(p)
    url = reverse("suggestion-confirm", args=[suggestion.pk])
    return Form(p.nurse, url, {"version": suggestion.version}, _latest(AdverseEvent))


def _suggestion_dismiss(p):
    suggestion = _suggestion(p)
    prefix, reason = f"dismiss-{suggestion.pk}", "Patient anxious, settled"
    data = {f"{prefix}-version": suggestion.version, f"{prefix}-reason": reason}
    url = reverse("suggestion-dismiss", args=[suggestion.pk])
    return Form(p.nurse, url, data, _fresh(suggestion), reason, {"HX-Request": "true"})


def _event_new(p):
    url = reverse("event-new", args=[p.session.pk])
    data = _event_data(p, form_token="web-audit-event")
    return Form(p.nurse, url, data, _latest(AdverseEvent), "Event drafted")


def _draft(p) -> AdverseEvent:
    return AdverseEventFactory(session=p.session, reported_by=p.nurse)


def _submitted(p, **extra) -> AdverseEvent:
    return AdverseEventFactory(
        session=p.session, reported_by=p.nurse, status="submitted", submitted_at=p.now, **extra
    )


def _event_edit(p):
    event = _submitted(p)
    reason = "Recovered the next day"
    data = _event_data(
        p,
        version=event.version,
        term=event.term_id,
        onset_at=_minute(event.onset_at, p.north),
        intent="amend",
        reason=reason,
    )
    return Form(p.nurse, reverse("event-edit", args=[event.pk]), data, _fresh(event), reason)


def _event_submit(p):
    event = _draft(p)
    url = reverse("event-submit", args=[event.pk])
    return Form(p.nurse, url, {"version": event.version}, _fresh(event), "Event submitted")


def _event_void(p):
    event = _draft(p)
    reason = "Entered for the wrong patient"
    data = {"version": event.version, "reason": reason}
    return Form(p.director, reverse("event-void", args=[event.pk]), data, _fresh(event), reason)


def _event_assess(p):
    event = _submitted(p)
    data = {"version": event.version, "causality": "possible"}
    return Form(p.director, reverse("event-assess", args=[event.pk]), data, _fresh(event))


def _event_sign_off(p):
    event = _submitted(p, causality="probable")
    data = {"version": event.version, "password": p.password}
    return Form(p.director, reverse("event-sign-off", args=[event.pk]), data, _fresh(event))


def _site_thresholds(p):
    reason = "Committee decision"
    data = {name: getattr(p.north, name) for name in p.north.THRESHOLD_FIELDS}
    data |= {"systolic_high": 170, "version": p.north.version, "reason": reason}
    url = reverse("site-thresholds", args=[p.north.pk])
    return Form(p.director, url, data, _fresh(p.north), reason)


def _signal_review(p):
    from tests.reporting.dataset import make_series

    months = [f"2025-{m:02d}" for m in range(1, 13)]
    baseline = [(month, 10, index % 2) for index, month in enumerate(months)]
    recent = [("2026-01", 10, 4), ("2026-02", 10, 3), ("2026-03", 10, 5)]
    make_series(p.north, baseline + recent, term_code="hypertension")
    client = Client()
    client.force_login(p.director)
    # The months of the series only: the session in progress today would add empty months.
    query = "?date_from=2025-01-01&date_to=2026-03-31"
    [signal] = client.get(reverse("reports-overview") + query).context["summary"].signals
    reason = "Dose protocol reverted to 0.5 mg/kg."
    data = {"assessment": SignalAssessment.ACTION, "reason": reason}
    url = reverse("reports-signal", args=[signal.key]) + query
    return Form(p.director, url, data, _latest(SignalReview), reason)


def _question_new(p):
    event = _submitted(p)
    data = {"ask-form_token": "web-audit-ask", "ask-text": "Which rescue drug was given?"}
    data |= {"ask-addressed_to": "reporter"}
    url = reverse("question-new", args=[event.pk])
    return Form(p.director, url, data, _latest(Question), "Question asked")


def _question(p, *, answered: bool = False) -> Question:
    """An open question to the nurse (the reporter) on a submitted event; answered if asked."""
    event = _submitted(p)
    question = question_open(
        actor=p.director, event=event, text="Which rescue drug?", addressed_to="reporter"
    )
    if answered:
        question_answer(
            actor=p.nurse,
            question=question,
            text="Midazolam 2 mg IV.",
            expected_version=question.version,
        )
    return Question.objects.get(pk=question.pk)


def _question_answer(p):
    question = _question(p)
    prefix = f"q{question.pk}"
    data = {f"{prefix}-version": question.version, f"{prefix}-text": "Midazolam 2 mg IV."}
    url = reverse("question-answer", args=[question.pk])
    return Form(p.nurse, url, data, _fresh(question), "Question answered")


def _question_resolve(p):
    question = _question(p, answered=True)
    prefix, reason = f"q{question.pk}", "Dose confirmed in the chart"
    data = {f"{prefix}-version": question.version, f"{prefix}-reason": reason}
    url = reverse("question-resolve", args=[question.pk])
    return Form(p.director, url, data, _fresh(question), reason)


def _question_ask_again(p):
    question = _question(p, answered=True)
    prefix = f"q{question.pk}"
    data = {f"{prefix}-version": question.version, f"{prefix}-text": "And the time given?"}
    url = reverse("question-ask-again", args=[question.pk])
    return Form(p.director, url, data, _fresh(question), "Asked again")


def _question_close(p):
    question = _question(p)
    prefix, reason = f"q{question.pk}", "Answered by telephone"
    data = {f"{prefix}-version": question.version, f"{prefix}-reason": reason}
    url = reverse("question-close", args=[question.pk])
    return Form(p.director, url, data, _fresh(question), reason)


def _comment_new(p):
    event = _submitted(p)
    data = {"comment-form_token": "web-audit-comment", "comment-text": "Family informed."}
    url = reverse("comment-new", args=[event.pk])
    return Form(p.nurse, url, data, _latest(Comment), "Comment posted")


def _comment_void(p):
    comment = comment_post(actor=p.nurse, event=_submitted(p), text="Wrong patient's note.")
    reason = "Posted on the wrong event"
    data = {"version": comment.version, "reason": reason}
    url = reverse("comment-void", args=[comment.pk])
    return Form(p.nurse, url, data, _fresh(comment), reason)


def _attachment_new(p):
    from tests.inquiries.conftest import png_bytes

    event = _submitted(p)
    upload = SimpleUploadedFile("strip.png", png_bytes(), content_type="image/png")
    data = {"attach-form_token": "web-audit-attach", "attach-file": upload}
    url = reverse("attachment-new", args=[event.pk])
    return Form(p.nurse, url, data, _latest(Attachment))


def _pair(p) -> tuple[AdverseEvent, AdverseEvent]:
    """Nausea twice in the same session, both submitted: a likely duplicate."""
    onsets = (
        p.session.started_at + timedelta(minutes=15),
        p.session.started_at + timedelta(minutes=40),
    )
    nausea = EventTerm.objects.get(code="nausea")
    first, second = (_submitted(p, term=nausea, onset_at=onset) for onset in onsets)
    return first, second


def _duplicate_dismiss(p):
    first, second = _pair(p)
    reason = "Two separate episodes"
    data = {"first": first.pk, "second": second.pk, "reason": reason}
    return Form(p.director, reverse("duplicate-dismiss"), data, _latest(DuplicateDismissal), reason)


def _duplicate_void(p):
    first, second = _pair(p)
    data = {"void": second.pk, "keep": first.pk, "version": second.version}
    url = reverse("duplicate-void")
    return Form(p.director, url, data, _fresh(second), f"duplicate of #{first.pk}")


def _notification_choices(p):
    data = {"review_digest": "on", "suicidality_alert": "on", "question_opened": "on"}
    data |= {"answer_given": "on"}  # serious events turned off
    url = reverse("notification-choices")
    reason = "Notifications 'serious_event' turned off"
    return Form(p.director, url, data, _latest(NotificationPreference), reason)


def _phq9(p, token: str, item: int = 1) -> dict[str, str]:
    return {"form_token": token, **dict.fromkeys(PHQ9_ITEMS, str(item))}


def _measure_new(p):
    url = reverse("measure-new", args=[p.session.pk])
    return Form(p.nurse, url, _phq9(p, "web-audit-measure"), _latest(OutcomeMeasure))


def _measure(p) -> OutcomeMeasure:
    """A PHQ-9 recorded at the chair with item 9 answered 1: it raises a suicidality alert."""
    client = Client()
    client.force_login(p.nurse)
    client.post(reverse("measure-new", args=[p.session.pk]), _phq9(p, "web-audit-alert"))
    return OutcomeMeasure.objects.get(session=p.session)


def _measure_void(p):
    measure = _measure(p)
    reason = "Answers typed into the wrong session"
    data = {"version": measure.version, "reason": reason}
    url = reverse("measure-void", args=[measure.pk])
    return Form(p.nurse, url, data, _fresh(measure), reason)


def _alert_action(action: str, reason: str) -> Callable[[SimpleNamespace], Form]:
    def case(p):
        _measure(p)
        alert = SuicidalityAlert.objects.get(session=p.session)
        data = {"version": alert.version, "reason": reason}
        url = reverse(f"alert-{action}", args=[alert.pk])
        return Form(p.director, url, data, _fresh(alert), reason)

    return case


def _reference_data(term: EventTerm, reason: str, **overrides: Any) -> dict[str, Any]:
    data = {"term": term.pk, "published_term": term.name, "rate_percent": "30"}
    data |= {"denominator": "346", "unit": "patients", "citation": "Label table"}
    return {**data, "is_active": "on", "reason": reason, **overrides}


def _reference_rate_new(p):
    term = EventTerm.objects.exclude(pk__in=ReferenceRate.objects.values("term")).first()
    data = _reference_data(term, "")  # a new rate asks no reason: the service names the write
    url = reverse("reports-reference-rates")
    return Form(p.director, url, data, _latest(ReferenceRate), "Reference rate added")


def _reference_rate_edit(p):
    reference = ReferenceRate.objects.get(term__code="nausea")
    reason = "Corrected from the label"
    data = _reference_data(reference.term, reason, version=reference.version)
    url = reverse("reports-reference-rate", args=[reference.pk])
    return Form(p.director, url, data, _fresh(reference), reason)


def _import_file(header_of=lambda name: name) -> SimpleUploadedFile:
    """Three sessions of a clinic's history as CSV, its headers renamed by `header_of`."""
    from tests.imports.files import HEADER, history_rows, to_csv

    rows = [{header_of(k): v for k, v in row.items()} for row in history_rows(3)]
    return SimpleUploadedFile("history.csv", to_csv(rows, tuple(map(header_of, HEADER))))


def _import_home(p):
    data = {"site": p.north.pk, "file": _import_file()}
    reason = "File history.csv uploaded for import"
    return Form(p.director, reverse("import-home"), data, _latest(ImportJob), reason)


def _import_job_map(p):
    from tests.imports.files import HEADER

    def header_of(name: str) -> str:
        return "Chart No" if name == "patient_chart_number" else name

    client = Client()
    client.force_login(p.director)
    client.post(reverse("import-home"), {"site": p.north.pk, "file": _import_file(header_of)})
    job = ImportJob.objects.get(status="mapping")  # "Chart No" is not a column it knows
    data = {f"column_{index}": name for index, name in enumerate(HEADER)}
    url = reverse("import-job-map", args=[job.pk])
    return Form(p.director, url, data, _fresh(job), "Columns mapped")


def _import_job_commit(p):
    client = Client()
    client.force_login(p.director)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the dry run runs
        client.post(reverse("import-home"), {"site": p.north.pk, "file": _import_file()})
    dry_run = ImportJob.objects.get()
    url = reverse("import-job-commit", args=[dry_run.pk])
    reason = f"Import of dry run #{dry_run.pk} requested"
    return Form(p.director, url, {}, _latest(ImportJob), reason)


FORMS: dict[str, Callable[[SimpleNamespace], Form]] = {
    "patient-new": _patient_new,
    "patient-edit": _patient_edit,
    "session-new": _session_new,
    "session-finish": _session_finish,
    "session-discharge": _session_discharge,
    "session-void": _session_void,
    "vital-new": _vital_new,
    "vital-void": _vital_void,
    "suggestion-confirm": _suggestion_confirm,
    "suggestion-dismiss": _suggestion_dismiss,
    "event-new": _event_new,
    "event-edit": _event_edit,
    "event-submit": _event_submit,
    "event-void": _event_void,
    "event-assess": _event_assess,
    "event-sign-off": _event_sign_off,
    "site-thresholds": _site_thresholds,
    "reports-signal": _signal_review,
    "question-new": _question_new,
    "question-answer": _question_answer,
    "question-resolve": _question_resolve,
    "question-ask-again": _question_ask_again,
    "question-close": _question_close,
    "comment-new": _comment_new,
    "comment-void": _comment_void,
    "attachment-new": _attachment_new,
    "duplicate-dismiss": _duplicate_dismiss,
    "duplicate-void": _duplicate_void,
    "notification-choices": _notification_choices,
    "measure-new": _measure_new,
    "measure-void": _measure_void,
    "alert-confirm": _alert_action("confirm", "Spoke with the patient"),
    "alert-dismiss": _alert_action("dismiss", "Item tapped by mistake"),
    "reports-reference-rates": _reference_rate_new,
    "reports-reference-rate": _reference_rate_edit,
    "import-home": _import_home,
    "import-job-map": _import_job_map,
    "import-job-commit": _import_job_commit,
}


def _accepts_writes(view: Callable[..., Any]) -> bool:
    """Whether a view takes POST (or another write method), read from the view itself."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return any(hasattr(view_class, method) for method in ("post", "put", "patch", "delete"))
    layer: Any = view
    while True:
        # `require_POST` / `require_http_methods([...])` keep the allowed methods in a closure.
        for cell in layer.__closure__ or ():
            value = cell.cell_contents
            if isinstance(value, list | tuple | set | frozenset) and "POST" in value:
                return True
        if not hasattr(layer, "__wrapped__"):
            break
        layer = layer.__wrapped__
    source = inspect.getsource(layer)
    return "request.POST" in source or '"POST"' in source


def web_write_routes() -> set[str | None]:
    """The URL names of every web page that accepts a write."""
    routes: set[str | None] = set()

    def walk(patterns, namespace: str, prefix: str) -> None:
        for pattern in patterns:
            path = prefix + str(pattern.pattern)
            if path.startswith(NOT_WEB_FORMS):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, path)
            elif isinstance(pattern, URLPattern) and _accepts_writes(pattern.callback):
                routes.add(f"{namespace}{pattern.name}" if pattern.name else None)

    walk(get_resolver().url_patterns, "", "/")
    return routes


def test_every_web_form_has_a_case():
    routes = web_write_routes()
    assert routes - set(FORMS) - set(NOT_RECORDS) - set(WITHOUT_GENERIC_CASE) == set()
    assert set(WITHOUT_GENERIC_CASE) <= routes
    assert set(FORMS) <= routes  # no case for a form that is gone


@pytest.mark.parametrize("route", sorted(FORMS))
def test_a_valid_web_form_leaves_a_history_row_naming_who_why_and_the_request(route, people):
    form = FORMS[route](people)
    client = Client()
    client.force_login(form.user)

    response = client.post(form.url, form.data, headers=form.headers)

    assert response.status_code in (200, 302), response.content[:2000]
    row = form.record().history.order_by("-history_id").first()
    assert row.history_user == form.user
    assert row.source == "web"
    assert row.request_id == response["X-Request-ID"]
    if form.reason is not None:
        assert row.history_change_reason == form.reason
    assert row.history_change_reason  # every write says why
