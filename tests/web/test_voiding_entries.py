"""Staff void a session or a reading entered in error from its page: a reason is required,
the record is kept with its history, and it leaves the chart, the readings and the counts."""

from django.urls import reverse
from django.utils import timezone

from events.models import InfusionSession, VitalSign
from tests.audit_helpers import assert_audited
from tests.factories import AdverseEventFactory, VitalSignFactory


def test_a_nurse_voids_a_mistyped_reading_and_it_leaves_the_session_page(signed_in, nurse, session):
    kept = VitalSignFactory(session=session, systolic=131)
    mistyped = VitalSignFactory(session=session, systolic=231)
    client = signed_in(nurse)
    page = client.get(reverse("session-detail", args=[session.pk]))
    void_url = reverse("vital-void", args=[mistyped.pk])
    assert void_url in page.text and "231/80" in page.text

    form = client.get(void_url)
    taken = timezone.localtime(mistyped.taken_at, session.site.zone).strftime("%H:%M %Z")
    assert form.status_code == 200 and "leaves the session&#x27;s chart" in form.text
    assert f"taken at {taken} (minute {mistyped.minutes_from_start})" in form.text
    refused = client.post(void_url, {"version": mistyped.version, "reason": "  "})
    assert 'id="id_reason_error"' in refused.text
    assert "A reason is required to void a reading." in refused.text
    mistyped.refresh_from_db()
    assert not mistyped.is_voided

    done = client.post(void_url, {"version": mistyped.version, "reason": "Typed 231 for 131"})

    assert done.status_code == 302 and done["Location"] == page.request["PATH_INFO"]
    mistyped.refresh_from_db()
    assert mistyped.is_voided and mistyped.void_reason == "Typed 231 for 131"
    assert_audited(mistyped, actor=nurse, reason="Typed 231 for 131")
    after = client.get(reverse("session-detail", args=[session.pk])).text
    assert "231/80" not in after and "131/80" in after
    assert VitalSign.objects.filter(pk__in=[kept.pk, mistyped.pk]).count() == 2


def test_a_stale_version_is_refused_with_the_reason_kept(signed_in, nurse, session):
    vital = VitalSignFactory(session=session)
    response = signed_in(nurse).post(
        reverse("vital-void", args=[vital.pk]),
        {"version": vital.version - 1, "reason": "Wrong chair"},
    )
    assert response.status_code == 200
    assert "Wrong chair" in response.text  # what was typed is not lost
    vital.refresh_from_db()
    assert not vital.is_voided


def test_a_session_entered_for_the_wrong_patient_is_voided_with_its_reason(
    signed_in, nurse, session
):
    AdverseEventFactory(session=session)
    client = signed_in(nurse)
    assert (
        reverse("session-void", args=[session.pk])
        in client.get(reverse("session-detail", args=[session.pk])).text
    )
    url = reverse("session-void", args=[session.pk])

    client.post(url, {"version": session.version, "reason": "Charted on the wrong patient"})

    session.refresh_from_db()
    assert session.is_voided
    assert_audited(session, actor=nurse, reason="Charted on the wrong patient")
    page = client.get(reverse("session-detail", args=[session.pk])).text
    assert "Voided</span>" in page
    assert reverse("session-void", args=[session.pk]) not in page  # nothing left to write
    again = client.post(url, {"version": session.version, "reason": "Twice"})
    assert "This session is already voided." in again.text
    assert InfusionSession.objects.get(pk=session.pk).version == session.version


def test_staff_of_another_site_and_auditors_cannot_void(
    signed_in, other_site_nurse, auditor, session
):
    vital = VitalSignFactory(session=session)
    outsider, reader = signed_in(other_site_nurse), signed_in(auditor)
    assert outsider.get(reverse("session-void", args=[session.pk])).status_code == 404
    assert (
        outsider.post(
            reverse("vital-void", args=[vital.pk]), {"version": vital.version, "reason": "x"}
        ).status_code
        == 404
    )
    assert reader.get(reverse("session-void", args=[session.pk])).status_code == 403
    assert (
        reader.post(
            reverse("vital-void", args=[vital.pk]), {"version": vital.version, "reason": "x"}
        ).status_code
        == 403
    )
    vital.refresh_from_db()
    session.refresh_from_db()
    assert not vital.is_voided and not session.is_voided
