"""Every write through a door (web page, API, command) leaves exactly one history row that
names who, why, from where, and the request it came with; and the chain stores exactly what
it hashed, whatever Python type a value was set with."""

import sys
from datetime import datetime
from decimal import Decimal

import pytest
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.chain import verify_chain
from audit.models import AccessLog
from audit.services import access_log_record, audited_save
from config.urls import urlpatterns as project_urls
from events.models import InfusionSession, Patient
from events.services.patients import patient_update
from tests.audit_helpers import assert_audited
from tests.factories import InfusionSessionFactory


@require_POST
def correct_birth_year(request, pk):
    patient = Patient.objects.get(pk=pk)
    patient_update(
        patient=patient,
        actor=request.user,
        data={"birth_year": int(request.POST["birth_year"])},
        expected_version=int(request.POST["version"]),
        reason=request.POST["reason"],
    )
    return HttpResponse("saved")


class CorrectBirthYearApi(APIView):
    def post(self, request, pk):
        patient = Patient.objects.get(pk=pk)
        patient = patient_update(
            patient=patient,
            actor=request.user,
            data={"birth_year": request.data["birth_year"]},
            expected_version=request.data["version"],
            reason=request.data["reason"],
        )
        return Response({"version": patient.version})


# The ledger's contract, checked through the real middleware stack with the real service; the
# record's own pages and API are tested by their owners.
urlpatterns = [
    path("patients/<int:pk>/birth-year/", correct_birth_year),
    path("api/v1/patients/<int:pk>/birth-year/", CorrectBirthYearApi.as_view()),
    *project_urls,
]


@pytest.fixture
def write_urls(settings):
    settings.ROOT_URLCONF = sys.modules[__name__]


def test_a_web_write_leaves_one_history_row_with_the_response_request_id(
    client, write_urls, nurse, patient
):
    client.force_login(nurse)
    before = patient.history.count()

    response = client.post(
        f"/patients/{patient.pk}/birth-year/",
        {"birth_year": 1979, "version": 1, "reason": "Typo in intake form"},
    )

    assert response.status_code == 200
    assert patient.history.count() == before + 1
    patient.refresh_from_db()
    row = assert_audited(patient, actor=nurse, reason="Typo in intake form", history_type="~")
    assert row.request_id == response["X-Request-ID"]
    assert row.source == "web"


def test_an_api_write_is_labelled_api_with_its_request_id(api_client, write_urls, nurse, patient):
    api_client.force_authenticate(nurse)
    before = patient.history.count()

    response = api_client.post(
        f"/api/v1/patients/{patient.pk}/birth-year/",
        {"birth_year": 1979, "version": 1, "reason": "Chart reconciled"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert patient.history.count() == before + 1
    patient.refresh_from_db()
    row = assert_audited(patient, actor=nurse, reason="Chart reconciled")
    assert (row.request_id, row.source) == (response["X-Request-ID"], "api")


def test_a_refused_write_leaves_no_history(client, write_urls, auditor, patient):
    client.force_login(auditor)
    before = patient.history.count()

    response = client.post(
        f"/patients/{patient.pk}/birth-year/",
        {"birth_year": 1979, "version": 1, "reason": "Auditors change nothing"},
    )

    assert response.status_code == 403
    assert patient.history.count() == before


def test_every_response_carries_a_fresh_request_id(client, nurse):
    client.force_login(nurse)
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/accounts/login/")["X-Request-ID"]
    assert first and second and first != second


def test_the_access_log_row_of_a_request_carries_its_request_id(client, auditor, patient):
    client.force_login(auditor)

    response = client.get(f"/audit/trail/events.patient/{patient.pk}/")

    entry = AccessLog.objects.order_by("-pk").first()
    assert (entry.request_id, entry.source) == (response["X-Request-ID"], "web")


def test_a_patient_page_view_writes_exactly_one_access_log_row(client, nurse, patient):
    client.force_login(nurse)
    before = AccessLog.objects.count()

    response = client.get(f"/patients/{patient.pk}/")

    assert response.status_code == 200
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.order_by("-pk").first()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "view",
        "events.patient",
        str(patient.pk),
    )
    assert entry.request_id == response["X-Request-ID"]
    assert "N-1001" not in str(entry.detail)  # ids only, never the chart number


def test_a_lockout_is_recorded_against_the_account(nurse, rf):
    from audit.services import access_log_lockout

    entry = access_log_lockout(username="alice", request=rf.get("/"), ip_address="10.0.0.7")

    assert (entry.action, entry.user_id, entry.ip_address) == ("lockout", nurse.pk, "10.0.0.7")


def test_values_set_as_text_floats_or_naive_times_chain_as_stored(patient, nurse):
    session = InfusionSessionFactory(patient=patient)
    session.weight_kg = 70.25  # a float with one decimal place too many
    session.total_dose_mg = Decimal("35.125")
    session.started_at = "2026-03-01T09:15:00"  # text without a zone: the default, UTC
    session.version += 1
    audited_save(session, actor=nurse, reason="Values as a client might send them")

    assert verify_chain(InfusionSession.history.model).is_intact
    stored = session.history.order_by("-history_id").first()
    assert stored.weight_kg == Decimal("70.3")
    assert stored.started_at == datetime.fromisoformat("2026-03-01T09:15:00+00:00")


def test_unnormalised_ipv6_addresses_chain_as_stored(nurse):
    access_log_record(user=nurse, action="view", ip_address="2001:0db8:0000:0000::0001")
    access_log_record(user=nurse, action="view", ip_address="::ffff:10.0.0.1")

    assert verify_chain(AccessLog).is_intact


def test_json_details_with_numbers_and_unicode_chain_as_stored(nurse):
    access_log_record(
        user=nurse,
        action="search",
        detail={"filters": {"grade": 3, "ratio": 0.1, "term": "nausée"}, 2: "int key"},
    )

    assert verify_chain(AccessLog).is_intact


def test_a_celery_task_labels_its_writes_with_its_name(nurse, patient):
    from celery import shared_task

    @shared_task(name="audit_tests.correct_birth_year")
    def correct_birth_year_task(patient_id: int) -> None:
        current = Patient.objects.get(pk=patient_id)
        patient_update(
            patient=current,
            actor=nurse,
            data={"birth_year": 1977},
            expected_version=current.version,
            reason="Nightly reconciliation",
        )

    correct_birth_year_task.apply(args=[patient.pk])  # eager, as without a broker

    row = patient.history.order_by("-history_id").first()
    assert (row.source, row.history_change_reason) == (
        "task:audit_tests.correct_birth_year",
        "Nightly reconciliation",
    )
