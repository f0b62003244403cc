"""ICH E2B(R3) export of signed-off adverse events: `builder` writes the HL7 v3 messages,
`codes` maps the record's code lists onto the ICH and FDA ones, `narrative` writes the
case's free text. docs/exports.md says what is covered and what is not."""

from django.db.models import Prefetch, QuerySet

from events.models import AdverseEvent, ElectronicSignature

# HL7 v3 XML has no media type of its own.
E2B_MEDIA_TYPE = "application/xml; charset=utf-8"


def e2b_event_queryset(events: QuerySet[AdverseEvent]) -> QuerySet[AdverseEvent]:
    """The related rows the messages need, fetched in a fixed number of queries."""
    current = ElectronicSignature.objects.filter(superseded_at__isnull=True)
    return events.select_related(
        "term", "site", "reported_by", "session__patient", "session__site"
    ).prefetch_related(Prefetch("signatures", queryset=current, to_attr="current"))
