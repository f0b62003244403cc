"""The demo clinic as data: sites, logins, how often each event happens, and the one signal
planted in it. `events.demo.generator` turns these into records; nothing here runs.

The per-session rates are calibrated to published figures (shared DEMO-CALIBRATION): about
20-40% of sessions with a recorded event and 30-70 events per 100 sessions, led by
dissociation, dizziness, nausea and sedation; blood pressure past the alert threshold in a few
% of sessions; serious events under 1 per 1,000 sessions. The `stress` profile multiplies the
rates for the benchmark data set (about five events per session), and plants nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from events.choices import ActionTaken, Causality, Indication, Role, Sex

PASSWORD = "demo-password-2026"  # noqa: S105 - published demo login, printed by the command
CHANGE_REASON = "Demo data"
WINDOW_DAYS = 540  # about 18 months of sessions, up to today
PLANNED_MINUTES = 40
SPARSE_VITALS_ABOVE = 20_000  # sessions; larger runs record 3 readings per session


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    timezone: str
    chart_prefix: str
    share: float  # of all sessions
    thresholds: dict = field(default_factory=dict)


SITES = (
    SiteSpec("lakeshore", "Lakeshore Infusion Clinic", "America/Chicago", "LKS", 0.34),
    SiteSpec("harbor", "Harbor Ketamine Center", "America/New_York", "HBR", 0.28),
    SiteSpec("summit", "Summit Infusion Therapy", "America/Denver", "SMT", 0.22),
    SiteSpec(
        "bayside",
        "Bayside Mental Health Infusions",
        "America/Los_Angeles",
        "BAY",
        0.16,
        {"systolic_high": 170, "diastolic_high": 105},
    ),
)


@dataclass(frozen=True)
class AccountSpec:
    username: str
    first_name: str
    last_name: str
    title: str
    memberships: tuple[tuple[str | None, str], ...] = ()  # (site code or None = all, role)
    is_superuser: bool = False


ACCOUNTS = (
    AccountSpec("admin", "Ada", "Admin", "Administrator (Django admin)", is_superuser=True),
    AccountSpec("nurse", "Nora", "Lindqvist", "Nurse", (("lakeshore", Role.STAFF),)),
    AccountSpec("nurse2", "Sam", "Okafor", "Nurse", (("harbor", Role.STAFF),)),
    AccountSpec("nurse3", "Priya", "Raman", "Nurse", (("summit", Role.STAFF),)),
    AccountSpec("nurse4", "Luis", "Ortega", "Nurse", (("bayside", Role.STAFF),)),
    AccountSpec(
        "crna",
        "Casey",
        "Rivera",
        "Nurse anaesthetist",
        (("lakeshore", Role.STAFF), ("harbor", Role.STAFF)),
    ),
    AccountSpec(
        "director",
        "Dana",
        "Whitfield",
        "Medical director",
        (("lakeshore", Role.MEDICAL_DIRECTOR), ("harbor", Role.MEDICAL_DIRECTOR)),
    ),
    AccountSpec(
        "director2",
        "Marcus",
        "Feld",
        "Medical director",
        (("summit", Role.MEDICAL_DIRECTOR), ("bayside", Role.MEDICAL_DIRECTOR)),
    ),
    AccountSpec("auditor", "Aubrey", "Castillo", "Auditor", ((None, Role.AUDITOR),)),
)


@dataclass(frozen=True)
class TermSpec:
    """How often a term occurs in a 0.5 mg/kg IV session, when, for how long, how bad."""

    rate: float
    onset: tuple[int, int]  # minutes from start
    lasts: tuple[int, int]  # minutes
    grades: tuple[float, float, float] = (0.8, 0.18, 0.02)
    reported: float = 0.5  # share noticed by the patient rather than by staff
    rescue: tuple[str, float] = ("", 0.0)  # medication, probability (grade 2 and above)


# Chance per 0.5 mg/kg IV session that the term is recorded as an adverse event (a patient's
# per-course figures, e.g. dissociation in 41% of patients over 8 sessions, are higher).
# Blood pressure, heart rate, SpO2, respiration and deep sedation come from the readings
# instead (see `DemoGenerator._vital_events`).
TERM_SPECS = {
    "dissociation": TermSpec(0.077, (2, 15), (20, 60), (0.66, 0.30, 0.04), 0.3),
    "dizziness": TermSpec(0.049, (5, 45), (10, 60), (0.85, 0.14, 0.01), 0.8),
    "nausea": TermSpec(
        0.0455, (10, 55), (10, 90), (0.75, 0.23, 0.02), 0.9, ("Ondansetron 4 mg IV", 0.7)
    ),
    "vomiting": TermSpec(
        0.0084, (20, 60), (5, 30), (0.7, 0.28, 0.02), 0.2, ("Ondansetron 4 mg IV", 0.9)
    ),
    "headache": TermSpec(
        0.0245, (20, 70), (30, 240), (0.82, 0.17, 0.01), 0.95, ("Paracetamol 1 g PO", 0.6)
    ),
    "blurred_vision": TermSpec(0.0105, (5, 35), (15, 60), (0.9, 0.1, 0.0), 0.9),
    "nystagmus": TermSpec(0.0028, (5, 30), (10, 40), (0.0, 0.95, 0.05), 0.0),
    "dysarthria": TermSpec(0.0028, (10, 35), (10, 40), (0.8, 0.18, 0.02), 0.1),
    "somnolence": TermSpec(0.0385, (15, 50), (20, 90), (0.8, 0.18, 0.02), 0.2),
    "euphoria": TermSpec(0.0084, (5, 25), (10, 40), (0.9, 0.1, 0.0), 0.9),
    "anxiety": TermSpec(
        0.0175, (0, 30), (5, 40), (0.75, 0.22, 0.03), 0.7, ("Midazolam 1 mg IV", 0.3)
    ),
    "confusion": TermSpec(0.0042, (15, 45), (10, 45), (0.8, 0.18, 0.02), 0.1),
    "hallucinations": TermSpec(0.007, (10, 35), (10, 40), (0.8, 0.18, 0.02), 0.6),
    "agitation": TermSpec(
        0.0028, (10, 40), (10, 30), (0.6, 0.35, 0.05), 0.0, ("Midazolam 2 mg IV", 0.6)
    ),
    "infusion_site_reaction": TermSpec(0.0042, (0, 20), (30, 300), (0.9, 0.1, 0.0), 0.6),
    "cystitis_noninfective": TermSpec(0.00035, (0, 30), (1440, 10080), (0.7, 0.3, 0.0), 1.0),
    "other": TermSpec(0.0042, (0, 60), (10, 120), (0.9, 0.1, 0.0), 0.8),
}
OTHER_TEXTS = ("Metallic taste", "Tingling in both hands", "Hiccups", "Jaw tightness", "Tinnitus")
SHORT_NOTES = (
    "Settled with reassurance and dimmed lights.",
    "Resolved without intervention before discharge.",
    "Patient rested with eyes closed; resolved spontaneously.",
    "Discussed at the end of the session; patient comfortable.",
)
VOID_REASONS = (
    "Entered on the wrong session.",
    "Duplicate of another report for the same episode.",
    "Recorded in error: symptom was present before the session and unchanged.",
)
# Rare serious events outside the readings: code -> (probability per session, grade,
# criterion, onset range, narrative).
SERIOUS = {
    "psychosis": (
        0.0001,
        3,
        "is_hospitalisation",
        (15, 40),
        "Persecutory ideas and disorganised speech from {m} min that did not settle after the "
        "infusion was stopped. Transferred to the psychiatric emergency service and admitted "
        "for {days} days. No earlier psychotic episode recorded; ketamine suspended pending "
        "psychiatric review.",
    ),
    "suicidal_ideation": (
        0.0001,
        3,
        "is_hospitalisation",
        (30, 60),
        "During recovery at {m} min the patient disclosed active suicidal ideation with a plan. "
        "Safety plan started, crisis team contacted; voluntary admission for {days} days.",
    ),
    "fall": (
        0.0001,
        3,
        "is_hospitalisation",
        (45, 70),
        "Stood up unassisted during recovery at {m} min and fell, striking the forehead. "
        "Assessed in the emergency department (CT head normal) and kept overnight.",
    ),
}
HYPERTENSIVE_CRISIS = (
    "Blood pressure {bp} mmHg at {m} min with severe headache and blurred vision. Infusion "
    "stopped; labetalol 10 mg IV twice. Transferred to the emergency department; blood "
    "pressure normal within 6 hours; discharged the next day."
)
HYPERTENSION_REVIEWED = (
    "Blood pressure {bp} mmHg at {m} min persisted after the infusion was paused. Labetalol "
    "10 mg IV with response within 20 minutes. Dose to be reduced at the next session."
)
CAUSALITY = (
    (Causality.PROBABLE, 0.5), (Causality.POSSIBLE, 0.3), (Causality.CERTAIN, 0.1),
    (Causality.UNLIKELY, 0.08), (Causality.UNASSESSABLE, 0.02),
)  # fmt: skip
SEXES = ((Sex.FEMALE, 0.58), (Sex.MALE, 0.4), (Sex.OTHER, 0.01), (Sex.UNKNOWN, 0.01))
INDICATIONS = (
    (Indication.TRD, 0.4), (Indication.MDD, 0.15), (Indication.PTSD, 0.12),
    (Indication.BIPOLAR_DEPRESSION, 0.08), (Indication.CHRONIC_PAIN, 0.08),
    (Indication.ANXIETY, 0.06), (Indication.SUICIDAL_IDEATION, 0.06), (Indication.OCD, 0.03),
    (Indication.OTHER, 0.02),
)  # fmt: skip
IV_DOSES = ((Decimal("0.500"), 0.7), (Decimal("0.750"), 0.17), (Decimal("1.000"), 0.1),
            (Decimal("0.400"), 0.03))  # fmt: skip
MINUTE = timedelta(minutes=1)
DECHALLENGED = (
    ActionTaken.DRUG_WITHDRAWN,
    ActionTaken.DRUG_INTERRUPTED,
    ActionTaken.DOSE_RATE_REDUCED,
)


@dataclass(frozen=True)
class PlantedSignal:
    """A real change the signal engine should find: for the last `months` calendar months
    (this one included), one site's IV ketamine patients are on a higher dose protocol, and
    their blood pressure more often passes the site's alert threshold."""

    site: str
    months: int
    dose: Decimal
    spike_chance: float  # per session, against about 1-2% before


PLANTED_SIGNAL = PlantedSignal("lakeshore", months=3, dose=Decimal("1.200"), spike_chance=0.3)


@dataclass(frozen=True)
class DataProfile:
    """How a data set is generated: `clinic` is the calibrated demo, `stress` the benchmark
    set (the same clinic with every event rate multiplied, and no planted signal)."""

    name: str
    event_rate_scale: float
    planted: PlantedSignal | None


PROFILES = {
    "clinic": DataProfile("clinic", 1.0, PLANTED_SIGNAL),
    "stress": DataProfile("stress", 14.0, None),
}


@dataclass(frozen=True)
class OutcomeSpec:
    """How the demo's depression scores behave (DEMO-CALIBRATION.md, "Outcomes"): about half
    the patients respond by session 6 and a third remit; higher dose bands do a little better
    (and, through `dose_factor`, carry more side effects)."""

    # P(response by session 6) by dose band; esketamine courses use "esketamine".
    response: tuple[tuple[str, float], ...] = (
        ("<0.5", 0.38),
        ("0.5-0.75", 0.48),
        ("0.75-1.0", 0.56),
        (">1.0", 0.60),
        ("esketamine", 0.50),
    )
    remission_among_responders: float = 0.66
    recorded_share: float = 0.9  # sessions after the first with a PHQ-9
    baseline_range: tuple[int, int, int] = (11, 26, 18)  # triangular low, high, mode
    item9_share: float = 0.025  # measures with item 9 >= 1 among those with a total >= 14
    screen_ideation_share: float = 0.004
    open_alert_days: int = 3  # alerts raised in the last days are still waiting for review


OUTCOMES = OutcomeSpec()
