"""Code lists of the clinical record. Values are stable lower_snake codes; each list maps onto
E2B(R3), MedWatch 3500 and FHIR R4 (see exports for the mappings)."""

from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "Staff"
    MEDICAL_DIRECTOR = "medical_director", "Medical director"
    AUDITOR = "auditor", "Auditor"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Indication(models.TextChoices):
    TRD = "trd", "Treatment-resistant depression"
    MDD = "mdd", "Major depressive disorder"
    BIPOLAR_DEPRESSION = "bipolar_depression", "Bipolar depression"
    PTSD = "ptsd", "PTSD"
    ANXIETY = "anxiety", "Anxiety"
    OCD = "ocd", "OCD"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain"
    SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal ideation"
    OTHER = "other", "Other"


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Racemic ketamine"
    ESKETAMINE = "esketamine", "Esketamine"


class Route(models.TextChoices):
    IV = "iv", "Intravenous"
    IM = "im", "Intramuscular"
    INTRANASAL = "intranasal", "Intranasal"
    ORAL = "oral", "Oral / sublingual"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    STOPPED_EARLY = "stopped_early", "Stopped early"


class TermCategory(models.TextChoices):
    CARDIOVASCULAR = "cardiovascular", "Cardiovascular"
    RESPIRATORY = "respiratory", "Respiratory"
    PSYCHIATRIC = "psychiatric", "Psychiatric"
    NEUROLOGICAL = "neurological", "Neurological"
    GASTROINTESTINAL = "gastrointestinal", "Gastrointestinal"
    UROLOGICAL = "urological", "Urological"
    OTHER = "other", "Other"


class Grade(models.IntegerChoices):
    MILD = 1, "1 - Mild"
    MODERATE = 2, "2 - Moderate"
    SEVERE = 3, "3 - Severe"
    LIFE_THREATENING = 4, "4 - Life-threatening"
    DEATH = 5, "5 - Death"


class Outcome(models.TextChoices):
    """E2B(R3) E.i.7."""

    RECOVERED = "recovered", "Recovered/resolved"
    RECOVERING = "recovering", "Recovering/resolving"
    NOT_RECOVERED = "not_recovered", "Not recovered/ongoing"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", "Recovered with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class ActionTaken(models.TextChoices):
    """E2B(R3) G.k.8 with CDISC AEACN's interrupted and rate-reduced."""

    DRUG_WITHDRAWN = "drug_withdrawn", "Drug withdrawn (infusion stopped)"
    DRUG_INTERRUPTED = "drug_interrupted", "Drug interrupted (paused)"
    DOSE_RATE_REDUCED = "dose_rate_reduced", "Dose rate reduced"
    DOSE_REDUCED = "dose_reduced", "Dose reduced"
    DOSE_NOT_CHANGED = "dose_not_changed", "Dose not changed"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    UNKNOWN = "unknown", "Unknown"


class Causality(models.TextChoices):
    """WHO-UMC causality categories."""

    CERTAIN = "certain", "Certain"
    PROBABLE = "probable", "Probable/likely"
    POSSIBLE = "possible", "Possible"
    UNLIKELY = "unlikely", "Unlikely"
    CONDITIONAL = "conditional", "Conditional/unclassified"
    UNASSESSABLE = "unassessable", "Unassessable/unclassifiable"


class DetectedBy(models.TextChoices):
    VITAL_SIGN_ALERT = "vital_sign_alert", "Vital-sign alert"
    STAFF_OBSERVATION = "staff_observation", "Staff observation"
    PATIENT_REPORT = "patient_report", "Patient report"
    FOLLOW_UP_CONTACT = "follow_up_contact", "Follow-up contact"


class YesNoNA(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    DOES_NOT_APPLY = "does_not_apply", "Does not apply"


class EventStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    SIGNED_OFF = "signed_off", "Signed off"
    VOIDED = "voided", "Voided"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


SERIOUSNESS_CRITERIA = {
    "is_death": "Results in death",
    "is_life_threatening": "Life-threatening",
    "is_hospitalisation": "Requires or prolongs inpatient hospitalisation",
    "is_disability": "Persistent or significant disability or incapacity",
    "is_congenital_anomaly": "Congenital anomaly or birth defect",
    "is_other_medically_important": "Other medically important event",
}
