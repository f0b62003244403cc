"""EventTerm seed vocabulary.

Each entry is one adverse-event term a clinic can record. Grade texts follow the grading of
CTCAE v5.0 (NCI Common Terminology Criteria for Adverse Events, published 27 November 2017),
written in the project's own concise words rather than quoted. An empty string stands for
CTCAE's dash: that grade is not defined for the term and must not be offered.

Terms that have no CTCAE v5.0 term of their own (respiratory depression, "other") use the
generic CTCAE grade descriptions in GENERIC_GRADES; dissociation is recorded under
"Psychiatric disorders - Other, specify", whose grades are the generic ones with that
category's own wording for grades 3 and 4.

``is_expected`` is the default expectedness of the term with ketamine or esketamine, judged
against the product labelling (Ketalar and Spravato prescribing information). It is only a
starting value: expectedness is assessed again on every AdverseEvent, and an event that is
more severe than the labelling describes is unexpected even when its term is listed.

Codes are stable identifiers: never rename or reuse one once data refers to it.
"""

GENERIC_GRADES: dict[int, str] = {
    1: (
        "Mild: asymptomatic or mild symptoms; clinical or diagnostic observation only; "
        "no intervention indicated"
    ),
    2: (
        "Moderate: minimal, local or non-invasive intervention indicated; "
        "limits age-appropriate instrumental ADL"
    ),
    3: (
        "Severe or medically significant but not immediately life-threatening; hospitalisation "
        "or longer hospitalisation indicated; disabling; limits self-care ADL"
    ),
    4: "Life-threatening consequences; urgent intervention indicated",
    5: "Death related to the adverse event",
}

TERMS: list[dict] = [
    # --- Cardiovascular ------------------------------------------------------------------
    {
        "code": "hypertension",
        "name": "Hypertension",
        "category": "cardiovascular",
        "ctcae_term": "Hypertension",
        # Adult bands. A reading grades by the worse of the two pressures.
        "grade_1": "SBP 120-139 mmHg or DBP 80-89 mmHg",
        "grade_2": (
            "SBP 140-159 or DBP 90-99 mmHg if previously normal; change in baseline treatment; "
            "recurrent or persistent (>= 24 h); symptomatic rise > 20 mmHg diastolic or to "
            "> 140/90; monotherapy indicated"
        ),
        "grade_3": (
            "SBP >= 160 or DBP >= 100 mmHg; medical intervention indicated; more than one drug "
            "or more intensive therapy than before"
        ),
        "grade_4": (
            "Life-threatening (e.g. malignant hypertension, transient or permanent neurological "
            "deficit, hypertensive crisis); urgent intervention indicated"
        ),
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "hypotension",
        "name": "Hypotension",
        "category": "cardiovascular",
        "ctcae_term": "Hypotension",
        "grade_1": "Asymptomatic; no intervention indicated",
        "grade_2": "Non-urgent medical intervention indicated",
        "grade_3": "Medical intervention and hospitalisation indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
        # Listed in the ketamine (Ketalar) labelling as observed, although blood pressure
        # usually rises at the doses used in these clinics.
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "sinus_tachycardia",
        "name": "Sinus tachycardia",
        "category": "cardiovascular",
        "ctcae_term": "Sinus tachycardia",
        "grade_1": "Asymptomatic; no intervention indicated",
        "grade_2": "Symptomatic; non-urgent medical intervention indicated",
        "grade_3": "Urgent medical intervention indicated",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "sinus_bradycardia",
        "name": "Sinus bradycardia",
        "category": "cardiovascular",
        "ctcae_term": "Sinus bradycardia",
        "grade_1": "Asymptomatic; no intervention indicated",
        "grade_2": "Symptomatic; no intervention indicated, but a change in medication started",
        "grade_3": "Symptomatic; intervention indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
        # Listed in the Ketalar labelling as observed (with hypotension); uncommon at
        # subanaesthetic doses.
        "is_expected": True,
        "requires_text": False,
    },
    # --- Respiratory ---------------------------------------------------------------------
    {
        "code": "hypoxia",
        "name": "Hypoxia",
        "category": "respiratory",
        "ctcae_term": "Hypoxia",
        "grade_1": "",
        "grade_2": (
            "SpO2 decreased with exertion (e.g. pulse oximetry < 88%); intermittent "
            "supplemental oxygen"
        ),
        "grade_3": "SpO2 decreased at rest (e.g. pulse oximetry < 88% or PaO2 <= 55 mmHg)",
        "grade_4": (
            "Life-threatening airway compromise; urgent intervention indicated (e.g. intubation "
            "or tracheotomy)"
        ),
        "grade_5": "Death",
        # Not itself a labelled reaction; default to unexpected so each case is reviewed.
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "apnea",
        "name": "Apnoea",
        "category": "respiratory",
        "ctcae_term": "Apnea",
        "grade_1": "",
        "grade_2": "",
        "grade_3": "Present; medical intervention indicated",
        "grade_4": (
            "Life-threatening respiratory or haemodynamic compromise; intubation or urgent "
            "intervention indicated"
        ),
        "grade_5": "Death",
        # Labelled for ketamine (rapid IV injection, high doses). Still medically important
        # at clinic doses: review every case.
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "respiratory_depression",
        "name": "Respiratory depression",
        "category": "respiratory",
        # No CTCAE v5.0 term: generic grades. Also record Hypoxia or Apnoea when present.
        "ctcae_term": "",
        "grade_1": GENERIC_GRADES[1],
        "grade_2": GENERIC_GRADES[2],
        "grade_3": GENERIC_GRADES[3],
        "grade_4": GENERIC_GRADES[4],
        "grade_5": GENERIC_GRADES[5],
        # Labelled for both ketamine and esketamine.
        "is_expected": True,
        "requires_text": False,
    },
    # --- Gastrointestinal ----------------------------------------------------------------
    {
        "code": "nausea",
        "name": "Nausea",
        "category": "gastrointestinal",
        "ctcae_term": "Nausea",
        "grade_1": "Loss of appetite without change in eating habits",
        "grade_2": (
            "Oral intake reduced without significant weight loss, dehydration or malnutrition"
        ),
        "grade_3": (
            "Inadequate oral calorie or fluid intake; tube feeding, TPN or hospitalisation "
            "indicated"
        ),
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "vomiting",
        "name": "Vomiting",
        "category": "gastrointestinal",
        "ctcae_term": "Vomiting",
        "grade_1": "No intervention indicated",
        "grade_2": "Outpatient IV hydration; medical intervention indicated",
        "grade_3": "Tube feeding, TPN or hospitalisation indicated",
        "grade_4": "Life-threatening consequences",
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    # --- Neurological --------------------------------------------------------------------
    {
        "code": "dizziness",
        "name": "Dizziness",
        "category": "neurological",
        "ctcae_term": "Dizziness",
        "grade_1": "Mild unsteadiness or sensation of movement",
        "grade_2": "Moderate unsteadiness or sensation of movement; limits instrumental ADL",
        "grade_3": "Severe unsteadiness or sensation of movement; limits self-care ADL",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "headache",
        "name": "Headache",
        "category": "neurological",
        "ctcae_term": "Headache",
        "grade_1": "Mild pain",
        "grade_2": "Moderate pain; limits instrumental ADL",
        "grade_3": "Severe pain; limits self-care ADL",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "blurred_vision",
        "name": "Blurred vision",
        "category": "neurological",
        "ctcae_term": "Blurred vision",
        "grade_1": "No intervention indicated",
        "grade_2": (
            "Symptomatic; moderate loss of acuity (best corrected 20/40 or better, or 3 lines "
            "or fewer below baseline); limits instrumental ADL"
        ),
        "grade_3": (
            "Symptomatic; marked loss of acuity (best corrected worse than 20/40 or more than "
            "3 lines below baseline, up to 20/200); limits self-care ADL"
        ),
        "grade_4": "Best corrected acuity 20/200 or worse in the affected eye",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "nystagmus",
        "name": "Nystagmus",
        "category": "neurological",
        "ctcae_term": "Nystagmus",
        "grade_1": "",
        "grade_2": "Moderate symptoms; limits instrumental ADL",
        "grade_3": "Severe symptoms; limits self-care ADL",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "dysarthria",
        "name": "Dysarthria",
        "category": "neurological",
        "ctcae_term": "Dysarthria",
        "grade_1": "Mild slurred speech",
        "grade_2": "Moderate impairment of articulation or slurred speech",
        "grade_3": "Severe impairment of articulation or slurred speech",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "depressed_level_of_consciousness",
        "name": "Depressed level of consciousness",
        "category": "neurological",
        "ctcae_term": "Depressed level of consciousness",
        "grade_1": "Decreased level of alertness",
        "grade_2": "Sedation; slow response to stimuli; limits instrumental ADL",
        "grade_3": "Difficult to arouse",
        "grade_4": "Life-threatening consequences; coma; urgent intervention indicated",
        "grade_5": "Death",
        # Sedation is a labelled effect (ketamine is an anaesthetic; esketamine sedation warning).
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "somnolence",
        "name": "Somnolence / sedation",
        "category": "neurological",
        "ctcae_term": "Somnolence",
        "grade_1": "Mild but more than usual drowsiness or sleepiness",
        "grade_2": "Moderate sedation; limits instrumental ADL",
        "grade_3": "Obtundation or stupor",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    # --- Psychiatric ---------------------------------------------------------------------
    {
        "code": "dissociation",
        "name": "Dissociation (depersonalisation, derealisation)",
        "category": "psychiatric",
        # No CTCAE v5.0 term; score with CADSS or CADSS-6. Transient dissociation is expected:
        # record it as an adverse event when it is distressing, needs treatment or persists.
        "ctcae_term": "Psychiatric disorders - Other, specify",
        "grade_1": GENERIC_GRADES[1],
        "grade_2": GENERIC_GRADES[2],
        "grade_3": (
            "Severe or medically significant but not immediately life-threatening; "
            "limits self-care ADL"
        ),
        "grade_4": (
            "Life-threatening consequences; hospitalisation or urgent intervention indicated"
        ),
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "hallucinations",
        "name": "Hallucinations",
        "category": "psychiatric",
        "ctcae_term": "Hallucinations",
        "grade_1": "Mild hallucinations (e.g. perceptual distortions)",
        "grade_2": "Moderate hallucinations",
        "grade_3": "Severe hallucinations; hospitalisation not indicated",
        "grade_4": (
            "Life-threatening consequences; threat of harm to self or others; hospitalisation "
            "indicated"
        ),
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "confusion",
        "name": "Confusion",
        "category": "psychiatric",
        "ctcae_term": "Confusion",
        "grade_1": "Mild disorientation",
        "grade_2": "Moderate disorientation; limits instrumental ADL",
        "grade_3": "Severe disorientation; limits self-care ADL",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "agitation",
        "name": "Agitation",
        "category": "psychiatric",
        "ctcae_term": "Agitation",
        "grade_1": "Mild mood alteration",
        "grade_2": "Moderate mood alteration",
        "grade_3": "Severe agitation; hospitalisation not indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "",
        # Labelled as part of ketamine emergence reactions (excitement, irrational behaviour).
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "anxiety",
        "name": "Anxiety",
        "category": "psychiatric",
        "ctcae_term": "Anxiety",
        "grade_1": "Mild symptoms; no intervention indicated",
        "grade_2": "Moderate symptoms; limits instrumental ADL",
        "grade_3": "Severe symptoms; limits self-care ADL; hospitalisation indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "euphoria",
        "name": "Euphoria",
        "category": "psychiatric",
        "ctcae_term": "Euphoria",
        "grade_1": "Mild mood elevation",
        "grade_2": "Moderate mood elevation",
        "grade_3": "Severe mood elevation (e.g. hypomania)",
        "grade_4": "",
        "grade_5": "",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "psychosis",
        "name": "Psychosis",
        "category": "psychiatric",
        "ctcae_term": "Psychosis",
        "grade_1": "Mild psychotic symptoms",
        "grade_2": (
            "Moderate psychotic symptoms (e.g. disorganised speech, impaired reality testing)"
        ),
        "grade_3": (
            "Severe psychotic symptoms (e.g. paranoia, extreme disorganisation); "
            "hospitalisation not indicated; new onset"
        ),
        "grade_4": (
            "Life-threatening consequences; threat of harm to self or others; hospitalisation "
            "indicated"
        ),
        "grade_5": "Death",
        # Beyond the transient perceptual effects in the labelling; may also reflect the
        # underlying illness. Default to unexpected so each case is reviewed.
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "suicidal_ideation",
        "name": "Suicidal ideation",
        "category": "psychiatric",
        "ctcae_term": "Suicidal ideation",
        "grade_1": "Increased thoughts of death but no wish to kill oneself",
        "grade_2": "Suicidal ideation without a specific plan or intent",
        "grade_3": (
            "Specific plan to commit suicide without serious intent to die; hospitalisation "
            "may not be needed"
        ),
        "grade_4": (
            "Specific plan to commit suicide with serious intent to die; hospitalisation needed"
        ),
        "grade_5": "",
        # Esketamine carries the antidepressant class warning, but in this population new or
        # worse ideation usually reflects the illness and off-label IV ketamine has no such
        # labelling. Default to unexpected so every case reaches the medical director.
        "is_expected": False,
        "requires_text": False,
    },
    # --- Urological ----------------------------------------------------------------------
    {
        "code": "cystitis_noninfective",
        "name": "Cystitis, non-infective",
        "category": "urological",
        "ctcae_term": "Cystitis noninfective",
        "grade_1": (
            "Microscopic haematuria; minimal increase in frequency, urgency, dysuria or "
            "nocturia; new incontinence"
        ),
        "grade_2": (
            "Moderate haematuria; moderate increase in frequency, urgency, dysuria, nocturia or "
            "incontinence; catheter or bladder irrigation; limits instrumental ADL"
        ),
        "grade_3": (
            "Gross haematuria; transfusion, IV medication or hospitalisation indicated; "
            "elective invasive intervention indicated"
        ),
        "grade_4": "Life-threatening consequences; urgent invasive intervention indicated",
        "grade_5": "Death",
        # Labelled for esketamine (ulcerative or interstitial cystitis) and a recognised
        # effect of repeated ketamine exposure.
        "is_expected": True,
        "requires_text": False,
    },
    # --- Other ---------------------------------------------------------------------------
    {
        "code": "infusion_site_reaction",
        "name": "Infusion site reaction",
        "category": "other",
        # CTCAE v5.0 has no infusion-site reaction term: local reactions at the cannula are
        # graded as "Injection site reaction". Leakage into tissue: infusion_site_extravasation.
        "ctcae_term": "Injection site reaction",
        "grade_1": "Tenderness, with or without warmth, redness or itching",
        "grade_2": "Pain; lipodystrophy; oedema; phlebitis",
        "grade_3": "Ulceration or necrosis; severe tissue damage; operative intervention indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
        # Pain and rash at the injection site are listed in the Ketalar labelling.
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "infusion_site_extravasation",
        "name": "Infusion site extravasation",
        "category": "other",
        "ctcae_term": "Infusion site extravasation",
        "grade_1": "Painless oedema",
        "grade_2": "Erythema with associated symptoms (e.g. oedema, pain, induration, phlebitis)",
        "grade_3": "Ulceration or necrosis; severe tissue damage; operative intervention indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
        # A complication of the IV line rather than of the drug; not in the labelling.
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "fall",
        "name": "Fall",
        "category": "other",
        "ctcae_term": "Fall",
        # CTCAE defines no grade 4 or 5 for a fall: grade resulting injuries under their own
        # terms (e.g. fracture) as separate events.
        "grade_1": "Minor, with no resulting injury; no intervention indicated",
        "grade_2": "Symptomatic; non-invasive intervention indicated",
        "grade_3": "Hospitalisation indicated; invasive intervention indicated",
        "grade_4": "",
        "grade_5": "",
        # Not labelled as such; usually secondary to dizziness or sedation, which are.
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "other",
        "name": "Other (specify)",
        "category": "other",
        "ctcae_term": "",
        "grade_1": GENERIC_GRADES[1],
        "grade_2": GENERIC_GRADES[2],
        "grade_3": GENERIC_GRADES[3],
        "grade_4": GENERIC_GRADES[4],
        "grade_5": GENERIC_GRADES[5],
        # Unknown in advance: default to unexpected; the reporter judges each event.
        "is_expected": False,
        "requires_text": True,
    },
]
