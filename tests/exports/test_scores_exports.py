"""Scores in the exports: FHIR Observations (LOINC 44261-6) and a QuestionnaireResponse
that validate as R4, the scores listing CSV, and the case report's scores around the event."""

import csv
import io
import json

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from events.models.measures import PHQ9_ITEMS
from events.services.measures import outcome_measure_record
from tests.exports.helpers import read_pdf_text


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


def test_the_scores_listing_has_one_row_per_measure_with_the_rules_applied(
    client, director, scored
):
    client.force_login(director)
    response = client.get(reverse("scores-csv"))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_session = {r["session_id"]: r for r in rows}
    first, second = by_session[str(scored.s1.pk)], by_session[str(scored.sessions[1].pk)]
    assert (first["phq9_total"], first["baseline_phq9"], first["response"]) == ("16", "16", "")
    assert (second["phq9_total"], second["response"], second["remission"]) == ("5", "True", "False")
    assert first["session_started_at"].endswith("-06:00")


def test_staff_cannot_download_the_scores(client, nurse, scored):
    client.force_login(nurse)
    assert client.get(reverse("scores-csv")).status_code == 403


def test_the_case_report_shows_scores_before_and_after_the_event(
    client, director, scored, tmp_path
):
    client.force_login(director)
    response = client.get(reverse("event-case-report", args=[scored.e2.pk]))
    text = " ".join(read_pdf_text(response.content, tmp_path).split())
    assert "depression scores before and after the event" in text
    assert "event session" in text and "after" in text
    assert "Baseline PHQ-9 (session 1): 16" in text
