"""Scores in the exports: FHIR Observations (LOINC 44261-6) and a QuestionnaireResponse
that validate as R4 (in an event's bundle and in the scores bundle), the scores listing CSV,
the benefit-risk CSV (each of those three an export job, on the web and the API), and the
case report's scores around the event."""

import csv
import io
import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from audit.models import AccessLog
from events.models.measures import PHQ9_ITEMS
from events.services.measures import outcome_measure_record
from exports.models import ExportJob, ExportJobStatus, ExportKind
from tests.api.conftest import Api
from tests.exports.helpers import body, exported, read_pdf_text


def _record(session, nurse, items, **extra):
    data = {**dict(zip(PHQ9_ITEMS, items, strict=True)), "recorded_at": session.started_at}
    return outcome_measure_record(session=session, actor=nurse, data={**data, **extra})[0]


@pytest.fixture
def scored(dataset, nurse):
    """PHQ-9 at the two sessions of patient N-1001 around event e2 (session 1) and after."""
    _record(dataset.s1, nurse, [2, 2, 2, 2, 2, 2, 2, 2, 0], madrs_total=30, gad7_total=12)
    _record(dataset.sessions[1], nurse, [1, 1, 1, 1, 1, 0, 0, 0, 0])
    return dataset


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_event_bundle_carries_the_sessions_scores_as_valid_r4(client, director, scored):
    client.force_login(director)
    bundle = json.loads(client.get(reverse("event-fhir", args=[scored.e2.pk])).content)
    Bundle.model_validate(bundle)
    observations = {o["code"]["coding"][0]["code"]: o for o in resources(bundle, "Observation")}
    assert observations["44261-6"]["valueInteger"] == 16
    assert observations["44261-6"]["code"]["coding"][0]["system"] == "http://loinc.org"
    assert observations["70274-6"]["valueInteger"] == 12
    assert observations["madrs-total"]["valueInteger"] == 30
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert response["questionnaire"] == "http://loinc.org/q/44249-1"
    assert [i["answer"][0]["valueCoding"]["code"] for i in response["item"]][-1] == "LA6568-5"
    by_type = {e["resource"]["resourceType"]: e["fullUrl"] for e in bundle["entry"]}
    assert response["subject"]["reference"] == by_type["Patient"]
    assert response["encounter"]["reference"] == by_type["Encounter"]


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def test_the_scores_listing_is_a_job_with_one_row_per_measure_and_the_rules_applied(
    client, director, scored
):
    client.force_login(director)
    asked = client.get(reverse("scores-csv"))
    job = ExportJob.objects.get()
    assert asked.status_code == 302 and asked["Location"] == reverse("export-job", args=[job.pk])
    assert (job.kind, job.status) == (ExportKind.SCORES_CSV, ExportJobStatus.QUEUED)

    response = exported(client, reverse("scores-csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    by_session = {r["session_id"]: r for r in rows}
    first, second = by_session[str(scored.s1.pk)], by_session[str(scored.sessions[1].pk)]
    assert (first["phq9_total"], first["baseline_phq9"], first["response"]) == ("16", "16", "")
    assert (second["phq9_total"], second["response"], second["remission"]) == ("5", "True", "False")
    assert first["session_started_at"].endswith("-06:00")
    logged = AccessLog.objects.filter(action="export", object_type="exports.exportjob").latest("id")
    assert logged.user == director and logged.row_count == 2
    assert logged.detail["kind"] == "scores_csv"


def test_the_api_answers_the_scores_listing_with_a_job(director, scored):
    api = Api(director)
    response = api.get("/api/v1/exports/scores.csv")
    assert response.status_code == 202 and response.json()["kind"] == "scores_csv"
    assert response["Location"] == response.json()["status_url"]
    download = exported(api.client, "/api/v1/exports/scores.csv")
    assert len(_rows(download)) == 2
    created = api.post("/api/v1/exports/jobs/", {"kind": "scores_fhir", "filters": {}})
    assert created.status_code == 202 and created.json()["kind"] == "scores_fhir"


def test_staff_cannot_download_the_scores(client, nurse, scored):
    client.force_login(nurse)
    assert client.get(reverse("scores-csv")).status_code == 403
    assert client.get(reverse("scores-fhir")).status_code == 403
    assert Api(nurse).get("/api/v1/exports/scores-fhir/").status_code == 403
    assert not ExportJob.objects.exists()


def test_the_scores_bundle_is_valid_r4_with_each_patient_and_session_once(client, director, scored):
    client.force_login(director)
    response = exported(client, reverse("scores-fhir"))
    assert response["Content-Type"] == "application/fhir+json; fhirVersion=4.0"
    bundle = json.loads(body(response))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    assert len(resources(bundle, "Patient")) == 1 and len(resources(bundle, "Encounter")) == 2
    assert not resources(bundle, "AdverseEvent")
    phq9 = [
        o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "44261-6"
    ]
    assert sorted(o["valueInteger"] for o in phq9) == [5, 16]
    assert len(resources(bundle, "QuestionnaireResponse")) == 2
    urls = {e["fullUrl"] for e in bundle["entry"]}
    for resource in resources(bundle, "Observation") + resources(bundle, "QuestionnaireResponse"):
        assert resource["subject"]["reference"] in urls
        assert resource["encounter"]["reference"] in urls
    job = ExportJob.objects.get()
    assert (job.kind, job.row_count) == (ExportKind.SCORES_FHIR, 2)


def test_the_scores_bundle_keeps_to_the_filters_and_the_sites(
    client, director, scored, other_site_nurse, south
):
    from tests.factories import InfusionSessionFactory, PatientFactory

    elsewhere = InfusionSessionFactory(
        patient=PatientFactory(site=south), administered_by=other_site_nurse
    )
    _record(elsewhere, other_site_nurse, [3] * 9)
    client.force_login(director)
    everything = json.loads(body(exported(client, reverse("scores-fhir"))))
    assert len(resources(everything, "Encounter")) == 2  # never the other site's session
    january = json.loads(body(exported(client, reverse("scores-fhir"), {"date_to": "2026-01-06"})))
    (encounter,) = resources(january, "Encounter")
    assert encounter["identifier"][0]["value"] == str(scored.s1.pk)


def test_the_benefit_risk_csv_is_a_job_on_the_web_and_the_api(client, director, scored):
    client.force_login(director)
    asked = client.get(reverse("benefit-risk-csv"), {"by": "site"})
    job = ExportJob.objects.get()
    assert asked.status_code == 302 and job.kind == ExportKind.BENEFIT_RISK_BY_SITE
    rows = _rows(exported(client, reverse("benefit-risk-csv"), {"by": "site"}))
    assert {r["site_code"] for r in rows} == {"north"}
    across = _rows(exported(client, reverse("benefit-risk-csv")))
    assert "site_code" not in across[0] and sum(int(r["patients"]) for r in across) == 2
    api = Api(director)
    accepted = api.get("/api/v1/exports/benefit-risk.csv", {"by": "site"})
    assert accepted.status_code == 202 and accepted.json()["kind"] == "benefit_risk_by_site"
    assert api.get("/api/v1/exports/benefit-risk.csv", {"by": "month"}).status_code == 400
    assert client.get(reverse("benefit-risk-csv"), {"by": "month"}).status_code == 400
    kinds = set(AccessLog.objects.filter(action="export").values_list("detail__kind", flat=True))
    assert {"benefit_risk_csv", "benefit_risk_by_site"} <= kinds


def test_the_case_report_shows_scores_before_and_after_the_event(
    client, director, scored, tmp_path
):
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[scored.e2.pk]))
    text = " ".join(read_pdf_text(response.content, tmp_path).split())
    assert "depression scores before and after the event" in text
    assert "event session" in text and "after" in text
    assert "Baseline PHQ-9 (session 1): 16" in text
