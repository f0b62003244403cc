"""A signature is valid only while the live event still has the content it signed.

Seeded demo data must not raise false alarms, and an edit made behind the application's back
(a direct UPDATE of the live row) must show as "does not match" wherever a signature is shown:
the event page, the audit trail, the case report and the API.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit.triggers import maintenance_flush
from events.models import AdverseEvent, ElectronicSignature
from events.selectors import signature_is_valid
from tests.audit.test_signature_trail import signed_event
from tests.exports.helpers import read_pdf_text


@pytest.mark.django_db
def test_every_seeded_signature_verifies_on_untouched_demo_data(client):
    call_command("seed_demo", sessions=40, seed=7, stdout=StringIO())
    signatures = list(ElectronicSignature.objects.select_related("event"))
    assert len(signatures) > 10

    invalid = [s.pk for s in signatures if not signature_is_valid(s)]

    assert invalid == []
    # The event page says so too, for a signature the demo wrote.
    signature = signatures[0]
    client.force_login(signature.signed_by)
    page = client.get(f"/events/{signature.event_id}/").content.decode()
    assert f"Valid: matches version {signature.event_version}" in page
    assert "Does not match" not in page


def edit_behind_the_back(event: AdverseEvent) -> None:
    """What someone with database access could do. Past the maintenance switch, because on
    PostgreSQL the deferred live-row check refuses a plain UPDATE at commit (and when the
    test's constraints are checked at teardown)."""
    table = connection.ops.quote_name(AdverseEvent._meta.db_table)
    with maintenance_flush(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET grade = 3 WHERE id = %s", [event.pk])  # noqa: S608


def test_an_untouched_signed_event_shows_a_valid_signature_everywhere(
    client, api_client, auditor, session, nurse, director, password, tmp_path
):
    event = signed_event(session, nurse, director, password)

    assert_signature_shown(event, client, api_client, director, auditor, tmp_path, valid=True)


def test_a_behind_the_back_edit_shows_does_not_match_everywhere(
    client, api_client, auditor, session, nurse, director, password, tmp_path
):
    event = signed_event(session, nurse, director, password)

    edit_behind_the_back(event)

    assert_signature_shown(event, client, api_client, director, auditor, tmp_path, valid=False)


def assert_signature_shown(event, client, api_client, director, auditor, tmp_path, *, valid):
    version = event.signatures.get().event_version
    client.force_login(director)
    page = client.get(f"/events/{event.pk}/").content.decode()
    assert (f"Valid: matches version {version}" in page) is valid
    assert ("Does not match the signed content" in page) is not valid

    report = client.get(f"/exports/events/{event.pk}/case-report.pdf")
    assert report.status_code == 200
    text = " ".join(read_pdf_text(report.content, tmp_path).split())
    assert ("valid, matches the record" in text) is valid
    assert ("DOES NOT MATCH the signed content" in text) is not valid

    api_client.force_authenticate(director)
    body = api_client.get(f"/api/v1/events/{event.pk}/").json()
    (signature,) = body["signatures"]
    assert signature["integrity"] == ("valid" if valid else "does_not_match")

    client.force_login(auditor)
    trail = client.get(f"/audit/trail/events.adverseevent/{event.pk}/").content.decode()
    assert (f"Valid: matches version {version}" in trail) is valid
    assert ("Does not match the signed content" in trail) is not valid
