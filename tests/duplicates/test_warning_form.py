"""Filing on the web form: a likely duplicate shows a warning with a link to the event on
file and a box to confirm; nothing is stored until it is ticked."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events.models import AdverseEvent, EventTerm
from tests.factories import AdverseEventFactory


def _form(session, **overrides) -> dict:
    onset = timezone.localtime(session.started_at + timedelta(minutes=20), session.site.zone)
    return {
        "form_token": "dup-1",
        "term": EventTerm.objects.get(code="nausea").pk,
        "onset_at": onset.strftime("%Y-%m-%d %H:%M"),
        "grade": "1",
        "outcome": "recovering",
        "action_taken": "dose_not_changed",
        "detected_by": "patient_report",
        "dechallenge": "does_not_apply",
        "rechallenge": "does_not_apply",
        "narrative": "Nausea after the bolus.",
        "intent": "submit",
        **overrides,
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_form_warns_with_a_link_to_the_event_on_file_and_stores_nothing(nurse, session):
    on_file = AdverseEventFactory(session=session, reported_by=nurse)

    response = _client(nurse).post(reverse("event-new", args=[session.pk]), _form(session))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="duplicate-warning"' in page
    assert f'href="{reverse("event-detail", args=[on_file.pk])}"' in page
    assert 'name="confirm_not_duplicate"' in page
    assert AdverseEvent.objects.count() == 1


def test_ticking_the_box_files_the_event_with_the_same_form_token(nurse, session):
    on_file = AdverseEventFactory(session=session, reported_by=nurse)
    client = _client(nurse)
    url = reverse("event-new", args=[session.pk])

    client.post(url, _form(session))
    response = client.post(url, _form(session, confirm_not_duplicate="on"))

    assert response.status_code == 302
    event = AdverseEvent.objects.exclude(pk=on_file.pk).get()
    assert response["Location"] == reverse("event-detail", args=[event.pk])
    assert event.history.get().history_change_reason == (
        f"Event submitted (confirmed not a duplicate of #{on_file.pk})"
    )


def test_a_form_without_a_look_alike_shows_no_warning(nurse, session):
    response = _client(nurse).post(reverse("event-new", args=[session.pk]), _form(session))

    assert response.status_code == 302
    assert AdverseEvent.objects.count() == 1


def test_a_ticked_box_survives_another_error_on_the_form(nurse, session):
    AdverseEventFactory(session=session, reported_by=nurse)

    response = _client(nurse).post(
        reverse("event-new", args=[session.pk]),
        _form(session, confirm_not_duplicate="on", grade="9"),
    )

    assert response.status_code == 200
    assert '<input type="hidden" name="confirm_not_duplicate" value="on">' in response.text
