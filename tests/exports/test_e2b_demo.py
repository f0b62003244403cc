"""Every signed-off event of a seeded demo exports as an E2B(R3) case report that passes the
validator of FDA's data-element table, one by one and as a batch."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from events.choices import EventStatus, Role
from events.models import AdverseEvent
from exports.models import ExportJob
from tests.exports.e2b_validator import E2bValidator
from tests.exports.helpers import body, exported
from tests.exports.test_e2b_export import MEDDRA, code_terms, values
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def demo(db):
    call_command("seed_demo", sessions=60, seed=7, stdout=StringIO())
    director = UserFactory(username="e2b-director", first_name="Erin", last_name="Director")
    MembershipFactory(user=director, site=None, role=Role.MEDICAL_DIRECTOR)
    signed_off = list(AdverseEvent.objects.filter(status=EventStatus.SIGNED_OFF).order_by("pk"))
    assert len(signed_off) >= 5
    return director, signed_off


@MEDDRA
def test_every_signed_off_demo_event_exports_and_passes_the_validator(
    client, demo, django_capture_on_commit_callbacks
):
    director, signed_off = demo
    code_terms(director)
    client.force_login(director)
    validator = E2bValidator()

    findings = {}
    for event in signed_off:
        response = client.get(reverse("event-e2b", args=[event.pk]))
        assert response.status_code == 200
        findings[event.pk] = [str(finding) for finding in validator.validate(response.content)]

    assert findings == {event.pk: [] for event in signed_off}
    with django_capture_on_commit_callbacks(execute=True):
        document = body(exported(client, reverse("events-e2b"), {"date_from": "2020-01-01"}))
    assert validator.validate(document) == []
    batched = {int(case.rsplit("-", 1)[1]) for case in values(document, "C.1.1")}
    counted = {event.pk for event in signed_off if not event.session.is_voided}
    assert batched == counted and ExportJob.objects.get().row_count == len(counted)


def test_without_meddra_codes_demo_events_miss_only_the_meddra_elements(client, demo):
    director, signed_off = demo
    client.force_login(director)
    validator = E2bValidator()

    findings = {
        str(finding)
        for event in signed_off
        for finding in validator.validate(client.get(reverse("event-e2b", args=[event.pk])).content)
    }

    assert findings == {
        "E.i.2.1a: Data value required for tag",
        "E.i.2.1b: Data value required for tag",
    }
