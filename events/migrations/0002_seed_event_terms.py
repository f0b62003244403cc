"""Seed the event vocabulary, with a history row for each term so the trail starts here."""

import uuid

from django.db import migrations
from django.utils import timezone

from audit.chain import GENESIS_HASH, link


def seed_terms(apps, schema_editor):
    from events.vocabulary import TERMS

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
