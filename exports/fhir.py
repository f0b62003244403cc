"""FHIR R4 AdverseEvent export: a `collection` Bundle of AdverseEvent resources with the
Patients and Encounters (infusion sessions) they point to.

Mappings (events/choices.py -> FHIR R4 code systems):
- seriousness: any seriousness criterion -> `Serious`, else `Non-serious`
  (terminology.hl7.org/CodeSystem/adverse-event-seriousness);
- severity: CTCAE grade 1 mild, 2 moderate, 3-5 severe (adverse-event-severity), with the
  grade itself in the `ctcae-grade` extension;
- outcome (E2B E.i.7): recovered -> resolved, recovering -> recovering, not recovered ->
  ongoing, recovered with sequelae -> resolvedWithSequelae, fatal -> fatal, unknown -> unknown;
- causality (WHO-UMC) -> adverse-event-causality-assess codes;
- suspect product: a contained Medication (ATC code) and MedicationAdministration (dose,
  route, infusion period) referenced from `suspectEntity.instance`.

Resources get stable `urn:uuid:` full URLs derived from the record ids, so exporting the same
event twice gives the same identifiers. The bundle and every resource declare FHIR R4 (4.0.1)
in `meta.profile`, the response says so in its media type (`FHIR_MEDIA_TYPE`), and our two
extensions are canonical URLs under `settings.FHIR_CANONICAL_BASE`, which a validator can
resolve once the deployment publishes its StructureDefinitions there.
"""

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeAlias

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Prefetch, QuerySet

from events.choices import Causality, Drug, Outcome, Route, SessionStatus
from events.models import (
    AdverseEvent,
    ElectronicSignature,
    InfusionSession,
    OutcomeMeasure,
    Patient,
)

# A FHIR resource, bundle or bundle entry as JSON.
Resource: TypeAlias = dict[str, Any]

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
SYSTEM_BASE = "urn:safety-ledger"
FHIR_VERSION = "4.0.1"
# The media type names the FHIR version (FHIR R4 http.html#mime), so a client can tell.
FHIR_MEDIA_TYPE = "application/fhir+json; fhirVersion=4.0"
_NAMESPACE = uuid.UUID("6f1c9a52-4a1e-4d0f-9c8e-2d3b7f5a8e11")

SEVERITY_BY_GRADE = {1: "mild", 2: "moderate", 3: "severe", 4: "severe", 5: "severe"}
OUTCOME_CODES: dict[str, tuple[str, str]] = {
    Outcome.RECOVERED: ("resolved", "Resolved"),
    Outcome.RECOVERING: ("recovering", "Recovering"),
    Outcome.NOT_RECOVERED: ("ongoing", "Ongoing"),
    Outcome.RECOVERED_WITH_SEQUELAE: ("resolvedWithSequelae", "Resolved with Sequelae"),
    Outcome.FATAL: ("fatal", "Fatal"),
    Outcome.UNKNOWN: ("unknown", "Unknown"),
}
CAUSALITY_CODES: dict[str, tuple[str, str]] = {
    Causality.CERTAIN: ("Certain", "Certain"),
    Causality.PROBABLE: ("Probably-Likely", "Probably/Likely"),
    Causality.POSSIBLE: ("Possible", "Possible"),
    Causality.UNLIKELY: ("Unlikely", "Unlikely"),
    Causality.CONDITIONAL: ("Conditional-Classified", "Conditional/Classified"),
    Causality.UNASSESSABLE: ("Unassessable-Unclassifiable", "Unassessable/Unclassifiable"),
}
# WHO ATC codes of the suspect products.
DRUG_CODES: dict[str, tuple[str, str]] = {
    Drug.KETAMINE: ("N01AX03", "ketamine"),
    Drug.ESKETAMINE: ("N06AX27", "esketamine"),
}
# SNOMED CT route of administration codes.
ROUTE_CODES: dict[str, tuple[str, str]] = {
    Route.IV: ("47625008", "Intravenous route"),
    Route.IM: ("78421000", "Intramuscular route"),
    Route.INTRANASAL: ("46713006", "Nasal route"),
    Route.ORAL: ("26643006", "Oral route"),
}
ENCOUNTER_STATUS: dict[str, str] = {
    SessionStatus.PLANNED: "planned",
    SessionStatus.IN_PROGRESS: "in-progress",
    SessionStatus.COMPLETED: "finished",
    SessionStatus.STOPPED_EARLY: "finished",
}
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}


def fhir_event_queryset(events: QuerySet[AdverseEvent]) -> QuerySet[AdverseEvent]:
    """The related rows one bundle needs, fetched in a fixed number of queries."""
    current_signatures = ElectronicSignature.objects.filter(superseded_at__isnull=True)
    return (
        events.select_related("term", "site", "reported_by", "session__patient", "session__site")
        .prefetch_related(Prefetch("signatures", queryset=current_signatures, to_attr="current"))
        .prefetch_related(
            Prefetch(
                "session__measures",
                queryset=OutcomeMeasure.objects.filter(is_voided=False),
                to_attr="current_measures",
            ),
        )
    )


def extension_url(name: str) -> str:
    """The canonical URL of one of our StructureDefinitions (`ctcae-grade`, `infusion-session`)."""
    return f"{settings.FHIR_CANONICAL_BASE.rstrip('/')}/StructureDefinition/{name}"


def _r4_meta(resource_type: str) -> Resource:
    """`meta.profile` naming the base R4 definition, version included, of a resource."""
    return {"profile": [f"http://hl7.org/fhir/StructureDefinition/{resource_type}|{FHIR_VERSION}"]}


def _urn(kind: str, pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{pk}')}"


def _instant(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _coding(system: str, code: str, display: str) -> Resource:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _user_reference(user: User) -> Resource:
    return {
        "identifier": {"system": f"{SYSTEM_BASE}:user", "value": user.get_username()},
        "display": user.get_full_name() or user.get_username(),
    }


def patient_resource(patient: Patient) -> Resource:
    return {
        "resourceType": "Patient",
        "meta": _r4_meta("Patient"),
        "identifier": [
            {
                "system": f"{SYSTEM_BASE}:site:{patient.site.code}:chart-number",
                "value": patient.chart_number,
            }
        ],
        "gender": GENDER.get(patient.sex, "unknown"),
        "birthDate": f"{patient.birth_year:04d}",
    }


def encounter_resource(session: InfusionSession) -> Resource:
    resource: Resource = {
        "resourceType": "Encounter",
        "meta": _r4_meta("Encounter"),
        "identifier": [{"system": f"{SYSTEM_BASE}:infusion-session", "value": str(session.pk)}],
        "status": ENCOUNTER_STATUS.get(session.status, "unknown"),
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "AMB",
            "display": "ambulatory",
        },
        "type": [{"text": f"Ketamine infusion session {session.sequence_number}"}],
        "subject": {"reference": _urn("patient", session.patient_id)},
    }
    if session.started_at:
        resource["period"] = {"start": _instant(session.started_at)}
        if session.ended_at:
            resource["period"]["end"] = _instant(session.ended_at)
    return resource


def _suspect_product(event: AdverseEvent) -> list[Resource]:
    session = event.session
    atc, drug_name = DRUG_CODES[session.drug]
    route_code, route_name = ROUTE_CODES[session.route]
    medication: Resource = {
        "resourceType": "Medication",
        "id": "suspect-medication",
        "code": _coding("http://www.whocc.no/atc", atc, drug_name),
    }
    if session.lot_number:
        medication["batch"] = {"lotNumber": session.lot_number}
    administration: Resource = {
        "resourceType": "MedicationAdministration",
        "id": "suspect-administration",
        "status": "completed" if session.status != SessionStatus.IN_PROGRESS else "in-progress",
        "medicationReference": {"reference": "#suspect-medication"},
        "subject": {"reference": _urn("patient", session.patient_id)},
        "context": {"reference": _urn("encounter", session.pk)},
        "effectivePeriod": {"start": _instant(session.started_at)},
        "dosage": {
            "text": f"{session.dose_mg_per_kg} mg/kg ({session.total_dose_mg} mg) {route_name}",
            "route": _coding("http://snomed.info/sct", route_code, route_name),
            "dose": {
                "value": float(session.total_dose_mg),
                "unit": "mg",
                "system": "http://unitsofmeasure.org",
                "code": "mg",
            },
        },
    }
    if session.ended_at:
        administration["effectivePeriod"]["end"] = _instant(session.ended_at)
    return [medication, administration]


def _causality(event: AdverseEvent) -> list[Resource]:
    if not event.causality:
        return []
    code, display = CAUSALITY_CODES[event.causality]
    causality: Resource = {
        "assessment": _coding(f"{TERMINOLOGY}/adverse-event-causality-assess", code, display),
        "productRelatedness": event.get_causality_display(),
        "method": {"text": "WHO-UMC system for standardised case causality assessment"},
    }
    signature = next(iter(getattr(event, "current", [])), None)
    if signature is not None:
        causality["author"] = _user_reference(signature.signed_by)
    return [causality]


def adverse_event_resource(event: AdverseEvent) -> Resource:
    """One FHIR R4 AdverseEvent for a recorded event (with its suspect product contained)."""
    seriousness = ("Serious", "Serious") if event.is_serious else ("Non-serious", "Non-serious")
    severity = SEVERITY_BY_GRADE[event.grade]
    outcome_code, outcome_display = OUTCOME_CODES[event.outcome]
    code = {"system": f"{SYSTEM_BASE}:event-term", "code": event.term.code}
    event_codings = [{**code, "display": event.term.name}]
    if event.term.meddra_code:
        event_codings.append(
            {"system": "http://terminology.hl7.org/CodeSystem/mdr", "code": event.term.meddra_code}
        )
    return {
        "resourceType": "AdverseEvent",
        "id": str(event.pk),
        "meta": _r4_meta("AdverseEvent"),
        "contained": _suspect_product(event),
        "extension": [
            {"url": extension_url("ctcae-grade"), "valueInteger": event.grade},
            {
                "url": extension_url("infusion-session"),
                "valueReference": {"reference": _urn("encounter", event.session_id)},
            },
        ],
        "identifier": {"system": f"{SYSTEM_BASE}:adverse-event", "value": str(event.pk)},
        "actuality": "actual",
        "category": [
            _coding(f"{SYSTEM_BASE}:term-category", event.term.category, event.term.category)
        ],
        "event": {"coding": event_codings, "text": event.term_label},
        "subject": {
            "reference": _urn("patient", event.session.patient_id),
            "display": event.session.patient.chart_number,
        },
        "encounter": {"reference": _urn("encounter", event.session_id)},
        "date": _instant(event.onset_at),
        "recordedDate": _instant(event.created_at),
        "recorder": _user_reference(event.reported_by),
        "seriousness": _coding(f"{TERMINOLOGY}/adverse-event-seriousness", *seriousness),
        "severity": _coding(
            f"{TERMINOLOGY}/adverse-event-severity", severity, severity.capitalize()
        ),
        "outcome": _coding(f"{TERMINOLOGY}/adverse-event-outcome", outcome_code, outcome_display),
        "suspectEntity": [
            {
                "instance": {
                    "reference": "#suspect-administration",
                    "display": DRUG_CODES[event.session.drug][1],
                },
                "causality": _causality(event),
            }
        ],
    }


def bundle_entries(events: Iterable[AdverseEvent]) -> Iterator[Resource]:
    """Bundle entries for the events, each patient and session once, before its events."""
    seen: set[str] = set()
    for event in events:
        session = event.session
        new_session = _urn("encounter", session.pk) not in seen
        yield from session_context_entries(session, seen)
        if new_session:
            yield from _session_measures(session)
        yield {
            "fullUrl": _urn("adverse-event", event.pk),
            "resource": adverse_event_resource(event),
        }


def session_context_entries(session: InfusionSession, seen: set[str]) -> Iterator[Resource]:
    """The session's patient and encounter entries, each only the first time a bundle meets
    it (`seen` holds the full URLs already in the bundle)."""
    patient_url = _urn("patient", session.patient_id)
    if patient_url not in seen:
        seen.add(patient_url)
        yield {"fullUrl": patient_url, "resource": patient_resource(session.patient)}
    encounter_url = _urn("encounter", session.pk)
    if encounter_url not in seen:
        seen.add(encounter_url)
        yield {"fullUrl": encounter_url, "resource": encounter_resource(session)}


def _session_measures(session: InfusionSession) -> Iterator[Resource]:
    """The session's current outcome measures (Observations, QuestionnaireResponse)."""
    from exports.fhir_measures import measure_entries

    measures = getattr(session, "current_measures", None)
    if measures is None:
        measures = list(session.measures.filter(is_voided=False))
    for measure in measures:
        measure.session = session
        yield from measure_entries(measure)


def bundle_header(*, generated_at: datetime) -> Resource:
    return {
        "resourceType": "Bundle",
        "meta": _r4_meta("Bundle"),
        "type": "collection",
        "timestamp": _instant(generated_at),
    }


def adverse_event_bundle(events: Iterable[AdverseEvent], *, generated_at: datetime) -> Resource:
    """A complete Bundle (held in memory: for one event or a set under the job threshold)."""
    return {**bundle_header(generated_at=generated_at), "entry": list(bundle_entries(events))}
