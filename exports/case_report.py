"""The individual case report of one adverse event, laid out like FDA MedWatch form 3500.

Sections follow the form: A patient, B adverse event (with relevant tests: the vital signs
around onset), C/D suspect product (dose, route, dates, lot, indication, dechallenge and
rechallenge, causality), E reporter. Times are site-local with their UTC offset. Everything
typed by a person reaches the page as text (Django autoescaping; see exports.pdf).

Like the paper form, the form pages hold the start of a long narrative and the first readings;
the rest follows on continuation pages, each headed with the item it continues, so nothing is
cut however long the narrative or however many the readings.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from events.choices import SERIOUSNESS_CRITERIA
from events.inquiries.models import Attachment
from events.models import AdverseEvent, ElectronicSignature, VitalSign
from events.selectors import signature_is_valid
from exports.pdf import render_pdf
from exports.pdf import site_time as local_time

# Readings shown as "relevant tests": from this long before onset to this long after.
VITALS_BEFORE = timedelta(minutes=30)
VITALS_AFTER = timedelta(minutes=60)

# How much of the narrative and how many readings the form pages hold; the rest goes to the
# continuation pages. Chosen so that sections A-E of a worst-case event fit on two pages.
NARRATIVE_ON_FORM = 1500
VITALS_ON_FORM = 12

PRE_SESSION_SCREEN = {
    "takes_benzodiazepines": "Benzodiazepines",
    "takes_psychostimulants": "Psychostimulants",
    "takes_maois": "MAOIs",
    "takes_other_sedatives": "Other sedating drugs",
}


@dataclass(frozen=True)
class Criterion:
    label: str
    is_checked: bool


def split_text(text: str, limit: int) -> tuple[str, str]:
    """`text` cut at the last space or line break before `limit` characters (or at `limit` if
    a single word is longer), and the rest."""
    if len(text) <= limit:
        return text, ""
    cut = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip(), text[cut:].lstrip()


def relevant_vitals(event: AdverseEvent) -> list[VitalSign]:
    """The session's readings from 30 minutes before onset to an hour after."""
    return list(
        VitalSign.objects.filter(
            session_id=event.session_id,
            is_voided=False,
            taken_at__gte=event.onset_at - VITALS_BEFORE,
            taken_at__lte=event.onset_at + VITALS_AFTER,
        ).order_by("taken_at", "id")
    )


def case_report_context(event: AdverseEvent, *, generated_by, generated_at: datetime) -> dict:
    session, patient, site = event.session, event.session.patient, event.site
    zone = site.zone
    onset_year = timezone.localtime(event.onset_at, zone).year
    signature = (
        ElectronicSignature.objects.filter(event=event, superseded_at__isnull=True)
        .order_by("-signed_at")
        .first()
    )
    vitals = [
        {"reading": reading, "taken_at": local_time(reading.taken_at, zone)}
        for reading in relevant_vitals(event)
    ]
    narrative, narrative_rest = split_text(event.narrative, NARRATIVE_ON_FORM)
    return {
        "event": event,
        "session": session,
        "patient": patient,
        "site": site,
        "age_at_event": onset_year - patient.birth_year,
        "criteria": [
            Criterion(label, bool(getattr(event, name)))
            for name, label in SERIOUSNESS_CRITERIA.items()
        ],
        "onset_at": local_time(event.onset_at, zone),
        "resolved_at": local_time(event.resolved_at, zone),
        "submitted_at": local_time(event.submitted_at, zone),
        "session_started_at": local_time(session.started_at, zone),
        "session_ended_at": local_time(session.ended_at, zone),
        "grade_text": event.term.grade_text(event.grade),
        "vitals": vitals[:VITALS_ON_FORM],
        "vitals_rest": vitals[VITALS_ON_FORM:],
        "vitals_count": len(vitals),
        "narrative": narrative,
        "narrative_rest": narrative_rest,
        "zone_name": site.timezone,
        "screen": [label for name, label in PRE_SESSION_SCREEN.items() if getattr(session, name)],
        "attachments": list(Attachment.objects.filter(event=event).order_by("created_at", "id")),
        "signature": signature,
        "signature_is_valid": signature is not None and signature_is_valid(signature),
        "signed_at": local_time(signature.signed_at, zone) if signature else "",
        "generated_by": generated_by.get_full_name() or generated_by.get_username(),
        "generated_at": local_time(generated_at, zone),
    }


def case_report_pdf(event: AdverseEvent, *, generated_by, generated_at: datetime) -> bytes:
    context = case_report_context(event, generated_by=generated_by, generated_at=generated_at)
    return render_pdf("exports/case_report.html", context)
