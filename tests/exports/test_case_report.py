"""The individual case report: MedWatch 3500 sections, site-local times, scoping, access log."""

from datetime import timedelta

from django.urls import reverse

from audit.models import AccessLog
from tests.exports.helpers import read_pdf_text
from tests.factories import VitalSignFactory


def test_the_case_report_shows_the_medwatch_sections_with_the_events_facts(
    client, director, dataset, tmp_path
):
    VitalSignFactory(
        session=dataset.s1,
        taken_at=dataset.s1.started_at + timedelta(minutes=29),
        systolic=190,
        diastolic=115,
    )
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[dataset.e2.pk]))
    text = " ".join(read_pdf_text(response.content, tmp_path).split())

    assert response["Content-Type"] == "application/pdf"
    for section in (
        "A. Patient information",
        "B. Adverse event",
        "C/D. Suspect product",
        "E. Reporter",
    ):
        assert section in text
    assert "N-1001" in text and "42 years / 1984" in text and "70.0 kg" in text
    assert "[X] Requires or prolongs inpatient hospitalisation" in text
    assert "[ ] Results in death" in text
    assert "2026-01-05 09:30 (UTC-06:00)" in text  # onset, Chicago time
    assert "190/115" in text  # the reading 1 minute before onset
    assert "<script>alert(1)</script>" in text  # the narrative, as text
    assert "Racemic ketamine" in text and "LOT-42" in text and "0.500 mg/kg" in text
    assert "Treatment-resistant depression" in text
    assert "Possible" in text and "Dana Director, Reviewed and approved" in text
    entry = AccessLog.objects.filter(action="export").latest("id")
    assert (entry.object_id, entry.row_count) == (str(dataset.e2.pk), 1)
    assert entry.detail["kind"] == "case_report_pdf"


def test_another_sites_event_has_no_case_report(client, director, dataset):
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[dataset.e7.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.filter(action="export").exists()
