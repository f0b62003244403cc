"""Outcome measures as FHIR R4: the PHQ-9 total (LOINC 44261-6), GAD-7 total (LOINC 70274-6)
and MADRS total as Observations, and the nine PHQ-9 answers as a QuestionnaireResponse to
the LOINC PHQ-9 panel (44249-1) with LOINC item and answer codes.

They go into a bundle beside the Encounter of their session, referring to its Patient and
Encounter entries, so a receiver reads the scores next to the adverse events: inside an event
bundle (`exports.fhir`), or in a bundle of the scores alone (`scores_bundle_entries`, the
scores export job).
"""

from collections.abc import Iterable, Iterator
from typing import Any

from events.models import OutcomeMeasure
from events.models.measures import PHQ9_ANSWERS, PHQ9_WORDING
from exports.fhir import (
    SYSTEM_BASE,
    TERMINOLOGY,
    _coding,
    _instant,
    _r4_meta,
    _urn,
    session_context_entries,
)

LOINC = "http://loinc.org"
PHQ9_PANEL = "44249-1"
# LOINC codes of the nine PHQ-9 questions, in the order of the form.
PHQ9_ITEM_CODES = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)
PHQ9_ANSWER_CODES = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
# (field, system, code, display) of each total exported as an Observation.
TOTALS = (
    ("phq9_total", LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
    ("gad7_total", LOINC, "70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
    (
        "madrs_total",
        f"{SYSTEM_BASE}:measure",
        "madrs-total",
        "Montgomery-Asberg Depression Rating Scale (MADRS) total score",
    ),
)


def _references(measure: OutcomeMeasure) -> dict[str, Any]:
    session = measure.session
    return {
        "subject": {"reference": _urn("patient", session.patient_id)},
        "encounter": {"reference": _urn("encounter", session.pk)},
    }


def observation_resources(measure: OutcomeMeasure) -> Iterator[tuple[str, dict[str, Any]]]:
    for field, system, code, display in TOTALS:
        value = getattr(measure, field)
        if value is None:
            continue
        yield (
            _urn(f"observation-{field}", measure.pk),
            {
                "resourceType": "Observation",
                "meta": _r4_meta("Observation"),
                "status": "final",
                "category": [_coding(f"{TERMINOLOGY}/observation-category", "survey", "Survey")],
                "code": _coding(system, code, display),
                **_references(measure),
                "effectiveDateTime": _instant(measure.recorded_at),
                "valueInteger": value,
            },
        )


def questionnaire_response(measure: OutcomeMeasure) -> tuple[str, dict[str, Any]] | None:
    items = measure.items
    if None in items:
        return None
    labels = dict(PHQ9_ANSWERS)
    answers = [
        {
            "linkId": code,
            "text": wording,
            "answer": [
                {
                    "valueCoding": {
                        "system": LOINC,
                        "code": PHQ9_ANSWER_CODES[value],
                        "display": labels[value],
                    }
                }
            ],
        }
        for code, wording, value in zip(PHQ9_ITEM_CODES, PHQ9_WORDING, items, strict=True)
        if value is not None
    ]
    resource = {
        "resourceType": "QuestionnaireResponse",
        "meta": _r4_meta("QuestionnaireResponse"),
        "questionnaire": f"{LOINC}/q/{PHQ9_PANEL}",
        "status": "completed",
        **_references(measure),
        "authored": _instant(measure.recorded_at),
        "item": answers,
    }
    return _urn("questionnaire-response", measure.pk), resource


def measure_entries(measure: OutcomeMeasure) -> Iterator[dict[str, Any]]:
    for full_url, resource in observation_resources(measure):
        yield {"fullUrl": full_url, "resource": resource}
    response = questionnaire_response(measure)
    if response is not None:
        yield {"fullUrl": response[0], "resource": response[1]}


def scores_bundle_entries(measures: Iterable[OutcomeMeasure]) -> Iterator[dict[str, Any]]:
    """Bundle entries for a set of measures (their sessions and patients selected with them):
    each patient and session once, before the first of its scores, so the bundle reads like
    the event bundles."""
    seen: set[str] = set()
    for measure in measures:
        yield from session_context_entries(measure.session, seen)
        yield from measure_entries(measure)
