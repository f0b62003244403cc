"""An event's trail shows its signatures: whether each verifies, and whether it is current."""

from datetime import timedelta

from events.models import EventTerm
from events.services.adverse_events import (
    adverse_event_assess,
    adverse_event_create,
    adverse_event_sign_off,
    adverse_event_update,
)


def signed_event(session, nurse, director, password):
    event = adverse_event_create(
        actor=nurse,
        session=session,
        data={
            "term": EventTerm.objects.get(code="nausea"),
            "onset_at": session.started_at + timedelta(minutes=5),
            "grade": 1,
        },
        submit=True,
    )
    event = adverse_event_assess(
        event=event, actor=director, causality="possible", expected_version=event.version
    )
    adverse_event_sign_off(
        event=event, actor=director, password=password, expected_version=event.version
    )
    event.refresh_from_db()
    return event


def signatures_on_trail(client, event):
    response = client.get(f"/audit/trail/events.adverseevent/{event.pk}/")
    assert response.status_code == 200
    (section,) = [s for s in response.context["sections"] if s.title == "Signatures"]
    return section.context["signatures"], response.content.decode()


def test_a_signed_event_shows_a_current_signature_that_verifies(
    client, auditor, session, nurse, director, password
):
    event = signed_event(session, nurse, director, password)
    client.force_login(auditor)

    (signature,), html = signatures_on_trail(client, event)

    assert signature["is_valid"] and signature["is_current"]
    assert signature["signer_name"] == "Dana Director"
    assert "Valid: matches version 2" in html and "Current" in html


def test_an_amendment_supersedes_the_signature_which_still_verifies_its_version(
    client, auditor, session, nurse, director, password
):
    event = signed_event(session, nurse, director, password)
    adverse_event_update(
        event=event,
        actor=nurse,
        data={"grade": 2},
        expected_version=event.version,
        reason="Follow-up call: worse than recorded",
    )
    client.force_login(auditor)

    (signature,), html = signatures_on_trail(client, event)

    assert signature["is_valid"] and not signature["is_current"]
    assert "Superseded" in html
    assert "Follow-up call: worse than recorded" in html
