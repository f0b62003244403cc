"""A nurse's day through the Django test client: patients, sessions, vitals, suggestions,
filing and submitting an event."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from events.choices import DetectedBy, EventStatus, SessionStatus, SuggestionStatus
from events.models import AdverseEvent, AlertSuggestion, EventTerm, InfusionSession, Patient
from tests.audit_helpers import assert_audited
from tests.factories import PatientFactory


def _site_minute(moment, site) -> str:
    """What the 24-hour date-time box at the site shows for `moment`."""
    return timezone.localtime(moment, site.zone).strftime("%Y-%m-%d %H:%M")


def _event_post(**overrides) -> dict:
    data = {
        "term": EventTerm.objects.get(code="nausea").pk,
        "grade": "1",
        "outcome": "recovered",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "narrative": "Mild nausea at 20 minutes, settled without treatment.",
        "intent": "draft",
    }
    data.update(overrides)
    return data


def test_staff_home_lists_todays_sessions_with_a_way_to_start_one(signed_in, nurse, session):
    response = signed_in(nurse).get("/")
    assert response.status_code == 200
    assert session.patient.chart_number in response.text
    assert reverse("session-detail", args=[session.pk]) in response.text
    assert "Start a session" in response.text


def test_director_home_summarises_the_review_queue(signed_in, director, submitted_event):
    response = signed_in(director).get("/")
    assert "1</strong> submitted event waiting for review" in response.text
    assert reverse("review-queue") in response.text


def test_auditor_home_links_to_the_audit_views(signed_in, auditor):
    response = signed_in(auditor).get("/")
    assert 'href="/audit/"' in response.text
    assert "Start a session" not in response.text


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_logs_a_nurse_in_and_out(client, nurse, password):
    response = client.post("/accounts/login/", {"username": "alice", "password": password})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_nurse_registers_a_patient_and_it_is_audited(signed_in, nurse, north):
    client = signed_in(nurse)
    form = client.get(reverse("patient-new"))
    token = form.context["form"]["form_token"].value()
    response = client.post(
        reverse("patient-new"),
        {
            "form_token": token,
            "site": north.pk,
            "chart_number": "N-2001",
            "birth_year": "1985",
            "sex": "male",
            "indication": "ptsd",
        },
    )
    patient = Patient.objects.get(chart_number="N-2001")
    assert response["Location"] == reverse("patient-detail", args=[patient.pk])
    assert_audited(patient, actor=nurse, reason="Patient registered")


def test_nurse_finds_a_patient_by_chart_number(signed_in, nurse, patient, north):
    PatientFactory(site=north, chart_number="N-9999")
    response = signed_in(nurse).post(reverse("patient-list"), {"chart_number": "1001"})
    assert patient.chart_number in response.text
    assert "N-9999" not in response.text


def test_nurse_corrects_a_patient_with_a_reason(signed_in, nurse, patient):
    response = signed_in(nurse).post(
        reverse("patient-edit", args=[patient.pk]),
        {
            "version": patient.version,
            "chart_number": patient.chart_number,
            "birth_year": "1979",
            "sex": patient.sex,
            "indication": patient.indication,
            "reason": "Year of birth mistyped",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.birth_year == 1979
    assert_audited(patient, actor=nurse, reason="Year of birth mistyped")


def test_nurse_starts_a_session_for_a_patient(signed_in, nurse, patient):
    client = signed_in(nurse)
    token = (
        client.get(reverse("session-new", args=[patient.pk])).context["form"]["form_token"].value()
    )
    response = client.post(
        reverse("session-new", args=[patient.pk]),
        {
            "form_token": token,
            "drug": "ketamine",
            "route": "iv",
            "dose_mg_per_kg": "0.5",
            "weight_kg": "80",
            "planned_duration_min": "40",
            "lot_number": "LOT-77",
            "baseline_bp_acceptable": "on",
            "is_fasting": "on",
        },
    )
    session = InfusionSession.objects.get(patient=patient)
    assert response["Location"] == reverse("session-detail", args=[session.pk])
    assert session.total_dose_mg == 40
    assert session.status == SessionStatus.IN_PROGRESS
    assert_audited(session, actor=nurse, reason="Session started")


def test_session_page_shows_dose_readings_grades_chart_and_events(
    signed_in, nurse, session, draft_event
):
    from tests.factories import VitalSignFactory

    VitalSignFactory(session=session, systolic=150, diastolic=92)
    response = signed_in(nurse).get(reverse("session-detail", args=[session.pk]))
    text = response.text
    assert "0.5 mg/kg" in text and "America/Chicago" in text
    # Below the site's thresholds and with no pre-infusion baseline: the grade is information.
    assert "150/92" in text and "BP grade 2 (no baseline)" in text
    assert "Hypertension G2" not in text
    assert '<svg class="chart"' in text and "Dashed lines are the site&#x27;s alert" in text
    assert draft_event.term.name in text


def test_a_reading_past_a_threshold_shows_the_suggestion_in_the_htmx_panel(
    signed_in, nurse, session
):
    client = signed_in(nurse)
    response = client.post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "t-1", "minutes_from_start": "32", "systolic": "186", "diastolic": "112"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="vitals-panel"')
    assert "Hypertension, grade 3: BP 186/112 mmHg at 32 min" in response.text
    assert "Hypertension G3" in response.text
    suggestion = AlertSuggestion.objects.get(session=session)
    assert_audited(suggestion, actor=nurse)
    assert_audited(suggestion.vital_sign, actor=nurse, reason="Vital signs recorded")


def test_without_htmx_the_vitals_form_redirects_back_to_the_session(signed_in, nurse, session):
    response = signed_in(nurse).post(
        reverse("vital-new", args=[session.pk]), {"form_token": "t-2", "heart_rate": "82"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("session-detail", args=[session.pk])
    assert session.vital_signs.get().heart_rate == 82


def test_confirming_a_suggestion_opens_a_draft_event_from_the_reading(signed_in, nurse, session):
    client = signed_in(nurse)
    client.post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "t-3", "minutes_from_start": "32", "systolic": "186", "diastolic": "112"},
    )
    suggestion = AlertSuggestion.objects.get(session=session)
    response = client.post(
        reverse("suggestion-confirm", args=[suggestion.pk]), {"version": suggestion.version}
    )
    event = AdverseEvent.objects.get(session=session)
    assert response["Location"] == reverse("event-edit", args=[event.pk])
    assert (event.term.code, event.grade, event.detected_by) == (
        "hypertension",
        3,
        DetectedBy.VITAL_SIGN_ALERT,
    )
    assert event.onset_minutes == 32
    assert_audited(event, actor=nurse, reason="Event drafted")
    form_page = client.get(response["Location"])
    assert "Severe" in form_page.text  # CTCAE wording of the chosen term is on screen
    assert "32 min</strong> from the start" in form_page.text


def test_dismissing_a_suggestion_needs_a_reason(signed_in, nurse, session):
    client = signed_in(nurse)
    client.post(
        reverse("vital-new", args=[session.pk]),
        {"form_token": "t-4", "heart_rate": "125"},
    )
    suggestion = AlertSuggestion.objects.get(session=session)
    prefix = f"dismiss-{suggestion.pk}"
    refused = client.post(
        reverse("suggestion-dismiss", args=[suggestion.pk]),
        {f"{prefix}-version": suggestion.version, f"{prefix}-reason": ""},
        headers={"HX-Request": "true"},
    )
    assert "A reason is required to dismiss a suggestion." in refused.text
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.OPEN
    client.post(
        reverse("suggestion-dismiss", args=[suggestion.pk]),
        {f"{prefix}-version": suggestion.version, f"{prefix}-reason": "Patient anxious, settled"},
        headers={"HX-Request": "true"},
    )
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED
    assert_audited(suggestion, actor=nurse, reason="Patient anxious, settled")


def test_nurse_files_an_event_and_submits_it(signed_in, nurse, session):
    client = signed_in(nurse)
    token = (
        client.get(reverse("event-new", args=[session.pk])).context["form"]["form_token"].value()
    )
    response = client.post(
        reverse("event-new", args=[session.pk]),
        _event_post(
            form_token=token, intent="submit", onset_at=_site_minute(timezone.now(), session.site)
        ),
    )
    event = AdverseEvent.objects.get(session=session)
    assert response["Location"] == reverse("event-detail", args=[event.pk])
    assert event.status == EventStatus.SUBMITTED and event.review_due_at
    assert_audited(event, actor=nurse, reason="Event submitted")


def test_nurse_completes_a_draft_then_submits_it_from_the_event_page(signed_in, nurse, draft_event):
    client = signed_in(nurse)
    client.post(
        reverse("event-edit", args=[draft_event.pk]),
        _event_post(
            version=draft_event.version,
            outcome="recovering",
            onset_at=_site_minute(draft_event.onset_at, draft_event.site),
        ),
    )
    draft_event.refresh_from_db()
    assert draft_event.outcome == "recovering" and draft_event.status == EventStatus.DRAFT
    client.post(reverse("event-submit", args=[draft_event.pk]), {"version": draft_event.version})
    draft_event.refresh_from_db()
    assert draft_event.status == EventStatus.SUBMITTED
    assert_audited(draft_event, actor=nurse, reason="Event submitted")


def test_amending_a_submitted_event_needs_a_reason(signed_in, nurse, submitted_event):
    client = signed_in(nurse)
    url = reverse("event-edit", args=[submitted_event.pk])
    data = _event_post(
        version=submitted_event.version,
        term=submitted_event.term_id,
        grade="3",
        onset_at=_site_minute(submitted_event.onset_at, submitted_event.site),
        outcome="recovered",
        intent="amend",
    )
    refused = client.post(url, data)
    assert "A reason is required to amend a submitted event." in refused.text
    client.post(url, {**data, "reason": "Recovered the next day"})
    submitted_event.refresh_from_db()
    assert submitted_event.outcome == "recovered"
    assert_audited(submitted_event, actor=nurse, reason="Recovered the next day")


def test_the_grade_partial_shows_the_ctcae_wording_of_the_chosen_term(signed_in, nurse):
    term = EventTerm.objects.get(code="hypertension")
    response = signed_in(nurse).get(
        reverse("term-grades"), {"term": term.pk, "grade": "3"}, headers={"HX-Request": "true"}
    )
    assert escape(term.grade_3) in response.text
    assert 'value="3" checked' in response.text


def test_the_term_filter_narrows_the_options_and_keeps_the_choice(signed_in, nurse):
    nausea = EventTerm.objects.get(code="nausea")
    response = signed_in(nurse).get(reverse("term-options"), {"q": "hyper", "term": nausea.pk})
    assert "Hypertension" in response.text and "Headache" not in response.text
    assert f'value="{nausea.pk}" selected' in response.text


def test_nurse_completes_and_discharges_a_session(signed_in, nurse, session):
    client = signed_in(nurse)
    client.post(
        reverse("session-finish", args=[session.pk]),
        {"version": session.version, "outcome": "completed"},
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    client.post(reverse("session-discharge", args=[session.pk]), {"version": session.version})
    session.refresh_from_db()
    assert session.discharged_at is not None
    assert_audited(session, actor=nurse, reason="Patient discharged")


def test_stopping_a_session_early_needs_a_reason(signed_in, nurse, session):
    client = signed_in(nurse)
    url = reverse("session-finish", args=[session.pk])
    refused = client.post(url, {"version": session.version, "outcome": "stopped_early"})
    assert "A reason is required to stop a session early." in refused.text
    client.post(
        url,
        {"version": session.version, "outcome": "stopped_early", "reason": "Severe nausea"},
    )
    session.refresh_from_db()
    assert session.status == SessionStatus.STOPPED_EARLY
    assert session.ended_at <= timezone.now() + timedelta(seconds=1)
    assert_audited(session, actor=nurse, reason="Severe nausea")


def test_discharging_a_session_still_in_progress_is_refused_with_a_message(
    signed_in, nurse, session
):
    client = signed_in(nurse)
    response = client.post(
        reverse("session-discharge", args=[session.pk]), {"version": session.version}, follow=True
    )
    assert "Finish the session before discharge." in response.text
    session.refresh_from_db()
    assert session.discharged_at is None
