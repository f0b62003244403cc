"""Code lists and object identifiers of the E2B(R3) export: the record's choices
(events/choices.py) mapped onto the ICH and FDA code lists of FDA's data-element table.

Each OID names the code system of one element, as FDA's table and example instances give it.
"""

from events.choices import ActionTaken, Causality, Drug, Outcome, Role, Route, Sex

HL7_NAMESPACE = "urn:hl7-org:v3"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"

# Object identifiers (ICH E2B(R3) IG appendix; FDA regional technical specification).
ICH = "2.16.840.1.113883.3.989.2.1"
OID_BATCH_NUMBER = f"{ICH}.3.22"  # N.1.2
OID_BATCH_SENDER = f"{ICH}.3.13"  # N.1.3
OID_BATCH_RECEIVER = f"{ICH}.3.14"  # N.1.4
OID_MESSAGE_ID = f"{ICH}.3.1"  # N.2.r.1 and C.1.1
OID_MESSAGE_SENDER = f"{ICH}.3.11"  # N.2.r.2
OID_MESSAGE_RECEIVER = f"{ICH}.3.12"  # N.2.r.3
OID_WORLDWIDE_CASE_ID = f"{ICH}.3.2"  # C.1.8.1
OID_MESSAGE_TYPE = f"{ICH}.1.1"  # N.1.1
OID_REPORT_TYPE = f"{ICH}.1.2"  # C.1.3
OID_FIRST_SENDER = f"{ICH}.1.3"  # C.1.8.2
OID_QUALIFICATION = f"{ICH}.1.6"  # C.2.r.4
OID_SENDER_TYPE = f"{ICH}.1.7"  # C.3.1
OID_AGE_GROUP = f"{ICH}.1.9"  # D.2.3
OID_OUTCOME = f"{ICH}.1.11"  # E.i.7
OID_DRUG_ROLE = f"{ICH}.1.13"  # G.k.1
OID_ACTION_TAKEN = f"{ICH}.1.15"  # G.k.8
OID_OBSERVATION = f"{ICH}.1.19"  # observation codes (reaction, outcome, age, ...)
OID_ORGANIZER = f"{ICH}.1.20"  # organizer codes (medical history, drug information)
OID_AUTHOR_ROLE = f"{ICH}.1.21"  # sender / reporter as author of a comment
OID_RELATED_REPORT = f"{ICH}.1.22"  # initial report / source report
OID_CHARACTERISTIC = f"{ICH}.1.23"  # report characteristics
OID_COUNTRY = "1.0.3166.1.2.2"  # ISO 3166-1 alpha-2
OID_SEX = "1.0.5218"  # ISO 5218
OID_LANGUAGE = "1.0.639.2"
OID_MEDDRA = "2.16.840.1.113883.6.163"
OID_NCI = "2.16.840.1.113883.3.26.1.1"  # NCI Thesaurus: FDA race, ethnicity, SPL routes
OID_FDA_REPORT_TYPE = "2.16.840.1.113883.3.989.5.1.2.2.1.1.1"  # FDA.C.1.7.1
OID_FDA_REQUIRED_INTERVENTION = "2.16.840.1.113883.3.989.5.1.2.2.1.3"  # FDA.E.i.3.2h
OID_TRIGGER_EVENT = "2.16.840.1.113883.1.18"
OID_INTERACTION = "2.16.840.1.113883.1.6"
OID_ACT_CODE = "2.16.840.1.113883.5.4"

# C.1.3 Type of report: events seen at the clinic, not in a study.
REPORT_TYPE_SPONTANEOUS = "1"
# C.1.8.2 First sender of this case: 2 = other (not a regulator).
FIRST_SENDER_OTHER = "2"
# C.3.1 Sender type: 3 = health professional (the clinic).
SENDER_TYPE_HEALTH_PROFESSIONAL = "3"
# FDA.C.1.7.1 Local criteria report type.
FDA_REPORT_15_DAY = "1"
FDA_REPORT_NON_EXPEDITED = "2"

# C.2.r.4 Qualification of the reporter, from their role: a medical director is a physician;
# the clinic's staff (nurses, clinicians) are other health professionals.
QUALIFICATION_BY_ROLE: dict[str, tuple[str, str]] = {
    Role.MEDICAL_DIRECTOR: ("1", "Physician"),
    Role.STAFF: ("3", "Other health professional"),
}

# D.5 Sex (ISO 5218); "other" and "unknown" have no code there and go as nullFlavor UNK.
SEX_CODES: dict[str, tuple[str, str]] = {Sex.MALE: ("1", "Male"), Sex.FEMALE: ("2", "Female")}


def age_group(years: int) -> tuple[str, str]:
    """D.2.3 Patient age group (ICH E2B(R3) IG: adolescent 12-17 years, adult 18-64,
    elderly 65 and over)."""
    if years >= 65:
        return "6", "Elderly"
    if years >= 18:
        return "5", "Adult"
    if years >= 12:
        return "4", "Adolescent"
    return "3", "Child"


# E.i.7 Outcome of reaction / event at the time of last observation.
OUTCOME_CODES: dict[str, tuple[str, str]] = {
    Outcome.RECOVERED: ("1", "recovered/resolved"),
    Outcome.RECOVERING: ("2", "recovering/resolving"),
    Outcome.NOT_RECOVERED: ("3", "not recovered/not resolved/ongoing"),
    Outcome.RECOVERED_WITH_SEQUELAE: ("4", "recovered/resolved with sequelae"),
    Outcome.FATAL: ("5", "fatal"),
    Outcome.UNKNOWN: ("0", "unknown"),
}

# E.i.3.2a-f: the record's seriousness criteria, in the order of the table, with their
# observation codes.
SERIOUSNESS_CODES = (
    ("is_death", "34", "resultsInDeath"),
    ("is_life_threatening", "21", "isLifeThreatening"),
    ("is_hospitalisation", "33", "requiresInpatientHospitalization"),
    ("is_disability", "35", "resultsInPersistentOrSignificantDisability"),
    ("is_congenital_anomaly", "12", "congenitalAnomalyBirthDefect"),
    ("is_other_medically_important", "26", "otherMedicallyImportantCondition"),
)

# G.k.8 Action taken with the drug. E2B(R3) has no "interrupted" or "rate reduced": an
# infusion paused is the drug withdrawn (for a time), a slower rate a reduced dose; the exact
# action goes with the drug as additional information (G.k.11).
ACTION_CODES: dict[str, str] = {
    ActionTaken.DRUG_WITHDRAWN: "1",
    ActionTaken.DRUG_INTERRUPTED: "1",
    ActionTaken.DOSE_RATE_REDUCED: "2",
    ActionTaken.DOSE_REDUCED: "2",
    ActionTaken.DOSE_NOT_CHANGED: "4",
    ActionTaken.UNKNOWN: "0",
    ActionTaken.NOT_APPLICABLE: "9",
}
ACTIONS_NEEDING_DETAIL: set[str] = {ActionTaken.DRUG_INTERRUPTED, ActionTaken.DOSE_RATE_REDUCED}

# G.k.2.2 product name and G.k.2.3.r.1 substance name of the suspect drug.
DRUG_NAMES: dict[str, tuple[str, str]] = {
    Drug.KETAMINE: ("Ketamine hydrochloride", "KETAMINE"),
    Drug.ESKETAMINE: ("Esketamine", "ESKETAMINE"),
}

# G.k.4.r.10 Route of administration: FDA SPL route codes (NCI Thesaurus), one of the code
# systems FDA's table allows for G.k.4.r.10.2b. "Oral / sublingual" is two SPL routes, so it
# goes as free text alone.
ROUTE_CODES: dict[str, str | None] = {
    Route.IV: "C38276",  # INTRAVENOUS
    Route.IM: "C28161",  # INTRAMUSCULAR
    Route.INTRANASAL: "C38284",  # NASAL
    Route.ORAL: None,
}

# G.k.9.i.2.r Assessment of relatedness: WHO-UMC, as free text (E2B(R3) has no code list).
CAUSALITY_METHOD = "WHO-UMC"
CAUSALITY_SOURCE = "Medical director"
CAUSALITY_RESULTS: dict[str, str] = {
    Causality.CERTAIN: "Certain",
    Causality.PROBABLE: "Probable/likely",
    Causality.POSSIBLE: "Possible",
    Causality.UNLIKELY: "Unlikely",
    Causality.CONDITIONAL: "Conditional/unclassified",
    Causality.UNASSESSABLE: "Unassessable/unclassifiable",
}
