"""A medical director's work through the Django test client: the review queue, the review
page, causality, the electronic signature, amendments after sign-off, voids, thresholds."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from events.choices import EventStatus
from events.models import ElectronicSignature, EventTerm
from tests.audit_helpers import assert_audited
from tests.factories import AdverseEventFactory


def _sign_off(client, event, password):
    event.refresh_from_db()
    return client.post(
        reverse("event-sign-off", args=[event.pk]),
        {"version": event.version, "password": password},
    )


def _assess(client, event, causality="possible"):
    event.refresh_from_db()
    return client.post(
        reverse("event-assess", args=[event.pk]),
        {"version": event.version, "causality": causality},
    )


def test_review_queue_puts_serious_unexpected_first_and_highlights_overdue(
    frozen_clock, signed_in, director, session, nurse, submitted_event
):
    now = timezone.now()
    serious = AdverseEventFactory(
        session=session,
        reported_by=nurse,
        term=EventTerm.objects.get(code="hypoxia"),
        grade=3,
        is_other_medically_important=True,
        is_expected=False,
        narrative="SpO2 84% for two minutes, jaw thrust and oxygen.",
        status=EventStatus.SUBMITTED,
        submitted_at=now - timedelta(days=20),
        review_due_at=now - timedelta(days=5),
    )
    frozen_clock.shift(60)  # the director opens the queue a minute after the filing
    response = signed_in(director).get(reverse("review-queue"))
    text = response.text
    assert text.index("Hypoxia") < text.index("Hypertension")
    assert 'class="overdue"' in text and "overdue by 5 d" in text
    assert "29 d 23 h left" in text
    assert serious.session.patient.chart_number in text


def test_review_page_shows_timeline_history_and_signature_form(
    signed_in, director, submitted_event
):
    from tests.factories import VitalSignFactory

    VitalSignFactory(session=submitted_event.session, systolic=186, diastolic=112)
    response = signed_in(director).get(reverse("event-detail", args=[submitted_event.pk]))
    text = response.text
    assert '<svg class="chart"' in text and "186/112" in text
    assert "Version 1" in text and "Test data" in text
    assert "Electronic signature" in text and "Reviewed and approved" in text
    assert "Dana Director" in text


def test_director_assesses_causality_and_signs_off_with_the_password(
    signed_in, director, submitted_event, password
):
    client = signed_in(director)
    _assess(client, submitted_event, "probable")
    submitted_event.refresh_from_db()
    assert submitted_event.causality == "probable"
    assert_audited(submitted_event, actor=director, reason="Causality assessed")

    response = _sign_off(client, submitted_event, password)
    assert response.status_code == 302
    submitted_event.refresh_from_db()
    assert submitted_event.status == EventStatus.SIGNED_OFF
    signature = ElectronicSignature.objects.get(event=submitted_event)
    assert signature.signer_name == "Dana Director"
    assert_audited(signature, actor=director, reason="Reviewed and approved")
    page = client.get(reverse("event-detail", args=[submitted_event.pk])).text
    assert "Current" in page and "Valid: matches version" in page


def test_a_wrong_password_is_shown_next_to_the_password_field(signed_in, director, submitted_event):
    client = signed_in(director)
    _assess(client, submitted_event)
    response = _sign_off(client, submitted_event, "not my password")
    assert response.status_code == 200
    assert 'id="id_password_error">The password is not correct.' in response.text
    assert not ElectronicSignature.objects.exists()


def test_signing_off_before_causality_is_refused_with_a_message(
    signed_in, director, submitted_event, password
):
    response = _sign_off(signed_in(director), submitted_event, password)
    assert "Assess causality before signing off." in response.text
    assert not ElectronicSignature.objects.exists()


def test_a_director_cannot_sign_off_an_event_they_reported(signed_in, director, session, password):
    now = timezone.now()
    own = AdverseEventFactory(
        session=session,
        reported_by=director,
        status=EventStatus.SUBMITTED,
        submitted_at=now,
        review_due_at=now + timedelta(days=30),
        causality="possible",
    )
    client = signed_in(director)
    page = client.get(reverse("event-detail", args=[own.pk])).text
    assert "another director signs it off" in page
    assert _sign_off(client, own, password).status_code == 403
    assert not ElectronicSignature.objects.exists()


def test_an_amendment_after_sign_off_supersedes_the_signature(
    signed_in, director, nurse, submitted_event, password
):
    client = signed_in(director)
    _assess(client, submitted_event)
    _sign_off(client, submitted_event, password)
    submitted_event.refresh_from_db()
    site = submitted_event.site
    signed_in(nurse).post(
        reverse("event-edit", args=[submitted_event.pk]),
        {
            "version": submitted_event.version,
            "term": submitted_event.term_id,
            "onset_at": timezone.localtime(submitted_event.onset_at, site.zone).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "grade": "3",
            "outcome": "recovered",
            "action_taken": "dose_not_changed",
            "detected_by": "vital_sign_alert",
            "dechallenge": "does_not_apply",
            "rechallenge": "does_not_apply",
            "reason": "Follow-up call: recovered",
            "intent": "amend",
        },
    )
    submitted_event.refresh_from_db()
    assert submitted_event.status == EventStatus.SUBMITTED
    signature = ElectronicSignature.objects.get(event=submitted_event)
    assert signature.superseded_at is not None
    page = client.get(reverse("event-detail", args=[submitted_event.pk])).text
    assert "Superseded" in page
    assert "Follow-up call: recovered" in page  # the history names why
    assert "<td>Outcome</td><td>Unknown</td><td>Recovered/resolved</td>" in page


def test_director_voids_an_event_with_a_reason(signed_in, director, draft_event):
    client = signed_in(director)
    url = reverse("event-void", args=[draft_event.pk])
    refused = client.post(url, {"version": draft_event.version, "reason": ""})
    assert "A reason is required to void an event." in refused.text
    client.post(url, {"version": draft_event.version, "reason": "Entered for the wrong patient"})
    draft_event.refresh_from_db()
    assert draft_event.status == EventStatus.VOIDED
    assert_audited(draft_event, actor=director, reason="Entered for the wrong patient")


def test_director_changes_their_sites_thresholds(signed_in, director, north):
    client = signed_in(director)
    data = {name: getattr(north, name) for name in north.THRESHOLD_FIELDS}
    response = client.post(
        reverse("site-thresholds", args=[north.pk]),
        {**data, "systolic_high": 170, "version": north.version, "reason": "Committee decision"},
    )
    assert response.status_code == 302
    north.refresh_from_db()
    assert north.systolic_high == 170
    assert_audited(north, actor=director, reason="Committee decision")


def test_a_threshold_out_of_range_is_shown_next_to_its_field(signed_in, director, north):
    data = {name: getattr(north, name) for name in north.THRESHOLD_FIELDS}
    response = signed_in(director).post(
        reverse("site-thresholds", args=[north.pk]),
        {**data, "spo2_low": 60, "version": north.version},
    )
    assert 'id="id_spo2_low_error"' in response.text
    assert 'value="60"' in response.text
    north.refresh_from_db()
    assert north.spo2_low == 92
