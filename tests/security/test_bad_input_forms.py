"""Bad input through the web forms a nurse uses at the chair: every case re-renders the form
with the message on the field, and stores nothing (no record, no history row, no form token).

The API's side of the same battery is tests/api/test_bad_input.py."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import AdverseEvent, IdempotencyRecord


@pytest.fixture
def event_form(client, nurse, session):
    client.force_login(nurse)
    url = reverse("event-new", kwargs={"session_pk": session.pk})
    onset = timezone.localtime(session.started_at + timedelta(minutes=15), session.site.zone)

    def post(**overrides):
        body = {
            "form_token": uuid.uuid4().hex,
            "term": "",
            "onset_at": onset.strftime("%Y-%m-%dT%H:%M"),
            "grade": "1",
            "outcome": "unknown",
            "action_taken": "dose_not_changed",
            "detected_by": "staff_observation",
            "dechallenge": "does_not_apply",
            "rechallenge": "does_not_apply",
            "narrative": "",
        }
        body.update(overrides)
        return client.post(url, body)

    return post, onset


def _nausea_id():
    from events.models import EventTerm

    return str(EventTerm.objects.get(code="nausea").pk)


def test_a_valid_form_files_the_event(event_form):
    post, _ = event_form
    response = post(term=_nausea_id())
    assert response.status_code == 302, response.context["form"].errors
    assert AdverseEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"onset_at": "2026-02-30T10:00"}, "onset_at"),  # no such day
        ({"onset_at": "2026-03-08T02:30"}, "onset_at"),  # DST gap in America/Chicago
        ({"onset_at": "2099-01-01T10:00"}, "onset_at"),  # in the future
        ({"onset_at": "1999-01-01T10:00"}, "onset_at"),  # long before the session
        ({"onset_at": "yesterday"}, "onset_at"),
        ({"resolved_at": "ONSET-1h"}, "resolved_at"),  # ends before it starts
        ({"grade": "9"}, "grade"),
        ({"grade": "NaN"}, "grade"),
        ({"term": "999999"}, "term"),
        ({"term": "OTHER", "other_term_text": ""}, "other_term_text"),
        ({"is_hospitalisation": "on", "narrative": ""}, "narrative"),
        ({"narrative": "n" * 1_000_000}, "narrative"),  # 1 MB
        ({"narrative": "nul \x00 byte"}, "narrative"),
        ({"rescue_medication": "r" * 301}, "rescue_medication"),
        ({"outcome": "<script>alert(1)</script>"}, "outcome"),
        ({"outcome": "{{ settings.SECRET_KEY }}"}, "outcome"),
        ({"detected_by": ["staff_observation", "patient_report", "x"]}, "detected_by"),
    ],
)
def test_bad_input_is_refused_on_the_field_and_stores_nothing(event_form, overrides, field):
    post, onset = event_form
    body = {"term": _nausea_id(), **overrides}
    if body.get("term") == "OTHER":
        from events.models import EventTerm

        body["term"] = str(EventTerm.objects.get(code="other").pk)
    if body.get("resolved_at") == "ONSET-1h":
        body["resolved_at"] = (onset - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    history = AdverseEvent.history.count()

    response = post(**body)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert AdverseEvent.objects.count() == 0
    assert AdverseEvent.history.count() == history
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "narrative",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "{{ 7|add:1 }}",
        "{% debug %}",
        "Patient said \u202eexe.txt",
    ],
)
def test_markup_template_syntax_and_direction_overrides_are_refused(client, event_form, narrative):
    post, _ = event_form
    history = AdverseEvent.history.count()
    response = post(term=_nausea_id(), narrative=narrative)
    assert response.status_code == 200
    assert "narrative" in response.context["form"].errors
    assert response.context["form"].data["narrative"] == narrative  # what was typed is kept
    assert AdverseEvent.objects.count() == 0
    assert AdverseEvent.history.count() == history


def test_a_less_than_sign_in_clinical_text_is_plain_text(client, event_form):
    post, _ = event_form
    response = post(term=_nausea_id(), narrative="SpO2 <88% for 2 min; BP <90 systolic.")
    assert response.status_code == 302
    assert AdverseEvent.objects.get().narrative.startswith("SpO2 <88%")
