"""The free text of an E2B(R3) case: the case narrative (H.1), which FDA requires for every
case, and the sender's comment (H.4) recording the sign-off.

H.1 opens with a summary composed from the record (term, grade, when in the infusion, drug
and dose, outcome, action), so a case whose reporter wrote no narrative (a non-serious event
needs none) still has one, and continues with the reporter's own narrative.
"""

from datetime import tzinfo

from events.models import AdverseEvent
from exports.e2b.hl7 import plain_number

NARRATIVE_LIMIT = 100_000  # H.1 maximum length (FDA's data-element table)


def case_narrative(event: AdverseEvent, zone: tzinfo) -> str:
    session = event.session
    onset = event.onset_at.astimezone(zone)
    when = (
        f"{event.onset_minutes} minutes after the start of the infusion"
        if event.onset_minutes is not None and event.onset_minutes >= 0
        else "before the start of the infusion"
    )
    ctcae = f" (CTCAE v5 grade {event.grade})"
    summary = (
        f"{event.term_label}{ctcae}, onset {onset:%Y-%m-%d %H:%M} ({when}) during infusion "
        f"session {session.sequence_number} of {session.get_drug_display().lower()} "
        f"{plain_number(session.dose_mg_per_kg)} mg/kg ({plain_number(session.total_dose_mg)} mg), "
        f"{session.get_route_display().lower()}. "
        f"Outcome: {event.get_outcome_display().lower()}. "
        f"Action taken with the drug: {event.get_action_taken_display().lower()}."
    )
    if event.is_serious:
        summary += " Serious: " + "; ".join(event.seriousness_criteria).lower() + "."
    if event.rescue_medication:
        summary += f" Rescue medication: {event.rescue_medication}."
    text = summary
    if event.narrative.strip():
        text += "\n\n" + event.narrative.strip()
    return text[:NARRATIVE_LIMIT]


def sender_comment(event: AdverseEvent, zone: tzinfo) -> str:
    """H.4: who reviewed and approved the case, and when (the current signature)."""
    signature = next(iter(getattr(event, "current", [])), None)
    if signature is None:
        return ""
    signed_at = signature.signed_at.astimezone(zone)
    return (
        f"Reviewed and approved by {signature.signer_name} (medical director) on "
        f"{signed_at:%Y-%m-%d %H:%M %Z}, electronic signature of version "
        f"{signature.event_version}."
    )
