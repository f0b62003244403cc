"""Seed the reference rates with the published figures directors compare against, with a
history row for each so the trail starts here.

The figures are frozen here as published (not imported from live code): a migration must
run the same on a fresh database forever. Only terms of the vocabulary are seeded; reactions
the vocabulary has no term for (vertigo, dysgeusia, hypoesthesia, lethargy, feeling drunk)
are left out. Directors edit, add or retire rates on the reference-rates page.
"""

import uuid
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

from audit.chain import GENESIS_HASH, link

ESKETAMINE_LABEL = (
    "Esketamine nasal spray (Spravato), US prescribing information, adverse reactions table: "
    "TRD short-term trials, N = 346 patients over a 4-week induction of 8 sessions, % of "
    "patients with the reaction at least once"
)

# (term code, published term, rate, denominator, citation)
RATES = [
    ("dissociation", "Dissociation", "0.41", 346, ESKETAMINE_LABEL),
    ("dizziness", "Dizziness", "0.29", 346, ESKETAMINE_LABEL),
    ("nausea", "Nausea", "0.28", 346, ESKETAMINE_LABEL),
    ("somnolence", "Sedation", "0.23", 346, ESKETAMINE_LABEL),
    ("headache", "Headache", "0.20", 346, ESKETAMINE_LABEL),
    ("anxiety", "Anxiety", "0.13", 346, ESKETAMINE_LABEL),
    ("hypertension", "Blood pressure increased", "0.10", 346, ESKETAMINE_LABEL),
    ("vomiting", "Vomiting", "0.09", 346, ESKETAMINE_LABEL),
    ("euphoria", "Euphoric mood", "0.04", 346, ESKETAMINE_LABEL),
    ("sinus_tachycardia", "Tachycardia", "0.02", 346, ESKETAMINE_LABEL),
]


def seed_reference_rates(apps, schema_editor):
    EventTerm = apps.get_model("events", "EventTerm")
    ReferenceRate = apps.get_model("reporting", "ReferenceRate")
    History = apps.get_model("reporting", "HistoricalReferenceRate")
    using = schema_editor.connection.alias
    terms = dict(EventTerm.objects.using(using).values_list("code", "pk"))
    rates = ReferenceRate.objects.using(using).bulk_create(
        ReferenceRate(
            term_id=terms[code],
            published_term=published,
            rate=Decimal(rate).quantize(Decimal("0.0001")),
            denominator=denominator,
            unit="patients",
            citation=citation,
        )
        for code, published, rate, denominator, citation in RATES
        if code in terms
    )
    now = timezone.now()
    request_id = str(uuid.uuid4())
    previous = (
        History.objects.using(using).order_by("-history_id").values_list("hash", flat=True).first()
    ) or GENESIS_HASH
    rows = []
    for rate in ReferenceRate.objects.using(using).filter(pk__in=[r.pk for r in rates]):
        row = History(
            **{f.attname: getattr(rate, f.attname) for f in ReferenceRate._meta.concrete_fields},
            history_date=now,
            history_type="+",
            history_change_reason="Seeded from published reference rates",
            history_user_name="system (migration)",
            request_id=request_id,
            source="command:migrate",
        )
        values = {f.attname: getattr(row, f.attname) for f in History._meta.fields}
        row.hash = previous = link(previous, History, values)
        rows.append(row)
    # The frozen model has no ledger manager, so the chain is sealed here by hand.
    History.objects.using(using).bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0006_reference_rates"), ("events", "0002_seed_event_terms")]

    operations = [migrations.RunPython(seed_reference_rates, migrations.RunPython.noop)]
