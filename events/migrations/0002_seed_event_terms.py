"""Seed the event vocabulary, with a history row for each term so the trail starts here.

The term list is copied here as it stood when this migration was written, not imported from
`events.vocabulary`: a migration must run the same on a fresh database forever, and the live
list gains keys and terms that this frozen model does not know. Terms added later arrive in
migrations of their own.
"""

import uuid

from django.db import migrations
from django.utils import timezone

from audit.chain import GENESIS_HASH, link

TERMS = [
    {
        "code": "hypertension",
        "name": "Hypertension",
        "category": "cardiovascular",
        "ctcae_term": "Hypertension",
        "grade_1": "SBP 120-139 mmHg or DBP 80-89 mmHg",
        "grade_2": "SBP 140-159 or DBP 90-99 mmHg if previously normal; change in baseline treatment; "
        "recurrent or persistent (>= 24 h); symptomatic rise > 20 mmHg diastolic or to > "
        "140/90; monotherapy indicated",
        "grade_3": "SBP >= 160 or DBP >= 100 mmHg; medical intervention indicated; more than one drug or "
        "more intensive therapy than before",
        "grade_4": "Life-threatening (e.g. malignant hypertension, transient or permanent neurological "
        "deficit, hypertensive crisis); urgent intervention indicated",
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
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "hypoxia",
        "name": "Hypoxia",
        "category": "respiratory",
        "ctcae_term": "Hypoxia",
        "grade_1": "",
        "grade_2": "SpO2 decreased with exertion (e.g. pulse oximetry < 88%); intermittent supplemental "
        "oxygen",
        "grade_3": "SpO2 decreased at rest (e.g. pulse oximetry < 88% or PaO2 <= 55 mmHg)",
        "grade_4": "Life-threatening airway compromise; urgent intervention indicated (e.g. intubation "
        "or tracheotomy)",
        "grade_5": "Death",
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
        "grade_4": "Life-threatening respiratory or haemodynamic compromise; intubation or urgent "
        "intervention indicated",
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "respiratory_depression",
        "name": "Respiratory depression",
        "category": "respiratory",
        "ctcae_term": "",
        "grade_1": "Mild: asymptomatic or mild symptoms; clinical or diagnostic observation only; no "
        "intervention indicated",
        "grade_2": "Moderate: minimal, local or non-invasive intervention indicated; limits "
        "age-appropriate instrumental ADL",
        "grade_3": "Severe or medically significant but not immediately life-threatening; "
        "hospitalisation or longer hospitalisation indicated; disabling; limits self-care ADL",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death related to the adverse event",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "nausea",
        "name": "Nausea",
        "category": "gastrointestinal",
        "ctcae_term": "Nausea",
        "grade_1": "Loss of appetite without change in eating habits",
        "grade_2": "Oral intake reduced without significant weight loss, dehydration or malnutrition",
        "grade_3": "Inadequate oral calorie or fluid intake; tube feeding, TPN or hospitalisation "
        "indicated",
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
        "grade_2": "Symptomatic; moderate loss of acuity (best corrected 20/40 or better, or 3 lines or "
        "fewer below baseline); limits instrumental ADL",
        "grade_3": "Symptomatic; marked loss of acuity (best corrected worse than 20/40 or more than 3 "
        "lines below baseline, up to 20/200); limits self-care ADL",
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
    {
        "code": "dissociation",
        "name": "Dissociation (depersonalisation, derealisation)",
        "category": "psychiatric",
        "ctcae_term": "Psychiatric disorders - Other, specify",
        "grade_1": "Mild: asymptomatic or mild symptoms; clinical or diagnostic observation only; no "
        "intervention indicated",
        "grade_2": "Moderate: minimal, local or non-invasive intervention indicated; limits "
        "age-appropriate instrumental ADL",
        "grade_3": "Severe or medically significant but not immediately life-threatening; limits "
        "self-care ADL",
        "grade_4": "Life-threatening consequences; hospitalisation or urgent intervention indicated",
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
        "grade_4": "Life-threatening consequences; threat of harm to self or others; hospitalisation "
        "indicated",
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
        "grade_2": "Moderate psychotic symptoms (e.g. disorganised speech, impaired reality testing)",
        "grade_3": "Severe psychotic symptoms (e.g. paranoia, extreme disorganisation); hospitalisation "
        "not indicated; new onset",
        "grade_4": "Life-threatening consequences; threat of harm to self or others; hospitalisation "
        "indicated",
        "grade_5": "Death",
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
        "grade_3": "Specific plan to commit suicide without serious intent to die; hospitalisation may "
        "not be needed",
        "grade_4": "Specific plan to commit suicide with serious intent to die; hospitalisation needed",
        "grade_5": "",
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "cystitis_noninfective",
        "name": "Cystitis, non-infective",
        "category": "urological",
        "ctcae_term": "Cystitis noninfective",
        "grade_1": "Microscopic haematuria; minimal increase in frequency, urgency, dysuria or nocturia; "
        "new incontinence",
        "grade_2": "Moderate haematuria; moderate increase in frequency, urgency, dysuria, nocturia or "
        "incontinence; catheter or bladder irrigation; limits instrumental ADL",
        "grade_3": "Gross haematuria; transfusion, IV medication or hospitalisation indicated; elective "
        "invasive intervention indicated",
        "grade_4": "Life-threatening consequences; urgent invasive intervention indicated",
        "grade_5": "Death",
        "is_expected": True,
        "requires_text": False,
    },
    {
        "code": "infusion_site_reaction",
        "name": "Infusion site reaction",
        "category": "other",
        "ctcae_term": "Injection site reaction",
        "grade_1": "Tenderness, with or without warmth, redness or itching",
        "grade_2": "Pain; lipodystrophy; oedema; phlebitis",
        "grade_3": "Ulceration or necrosis; severe tissue damage; operative intervention indicated",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death",
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
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "fall",
        "name": "Fall",
        "category": "other",
        "ctcae_term": "Fall",
        "grade_1": "Minor, with no resulting injury; no intervention indicated",
        "grade_2": "Symptomatic; non-invasive intervention indicated",
        "grade_3": "Hospitalisation indicated; invasive intervention indicated",
        "grade_4": "",
        "grade_5": "",
        "is_expected": False,
        "requires_text": False,
    },
    {
        "code": "other",
        "name": "Other (specify)",
        "category": "other",
        "ctcae_term": "",
        "grade_1": "Mild: asymptomatic or mild symptoms; clinical or diagnostic observation only; no "
        "intervention indicated",
        "grade_2": "Moderate: minimal, local or non-invasive intervention indicated; limits "
        "age-appropriate instrumental ADL",
        "grade_3": "Severe or medically significant but not immediately life-threatening; "
        "hospitalisation or longer hospitalisation indicated; disabling; limits self-care ADL",
        "grade_4": "Life-threatening consequences; urgent intervention indicated",
        "grade_5": "Death related to the adverse event",
        "is_expected": False,
        "requires_text": True,
    },
]


def seed_terms(apps, schema_editor):
    EventTerm = apps.get_model("events", "EventTerm")
    HistoricalEventTerm = apps.get_model("events", "HistoricalEventTerm")
    using = schema_editor.connection.alias
    terms = EventTerm.objects.using(using).bulk_create(EventTerm(**term) for term in TERMS)
    now = timezone.now()
    request_id = str(uuid.uuid4())
    previous = (
        HistoricalEventTerm.objects.using(using)
        .order_by("-history_id")
        .values_list("hash", flat=True)
        .first()
    ) or GENESIS_HASH
    rows = []
    for term in EventTerm.objects.using(using).filter(pk__in=[t.pk for t in terms]):
        row = HistoricalEventTerm(
            **{f.attname: getattr(term, f.attname) for f in EventTerm._meta.concrete_fields},
            history_date=now,
            history_type="+",
            history_change_reason="Seeded from the CTCAE v5.0 vocabulary",
            history_user_name="system (migration)",
            request_id=request_id,
            source="command:migrate",
        )
        values = {f.attname: getattr(row, f.attname) for f in HistoricalEventTerm._meta.fields}
        row.hash = previous = link(previous, HistoricalEventTerm, values)
        rows.append(row)
    # The frozen model has no ledger manager, so the chain is sealed here by hand.
    HistoricalEventTerm.objects.using(using).bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(seed_terms, migrations.RunPython.noop)]
