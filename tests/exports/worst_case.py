"""The largest case report the record allows: every free-text field at its maximum length,
all six seriousness criteria, and 40 readings around onset. Used by the PDF layout tests and
by scripts/render_visuals.py."""

from datetime import timedelta

from events.choices import ActionTaken, EventStatus, Outcome
from events.models import AdverseEvent, EventTerm
from events.rules import review_due_at
from tests.factories import (
    AdverseEventFactory,
    InfusionSessionFactory,
    PatientFactory,
    VitalSignFactory,
)

LONG_WORD = "Hydroxyzine-pamoate-and-ondansetron-orally-disintegrating-" * 3


def _sentences(length: int) -> str:
    """Plain prose of exactly `length` characters, in paragraphs, with one very long word."""
    sentence = (
        "Patient reported increasing pressure behind the eyes and nausea; blood pressure was "
        "rechecked every two minutes and the infusion rate was halved while staff stayed at "
        "the chair. "
    )
    text = f"{LONG_WORD} "
    paragraph = 0
    while len(text) < length:
        text += sentence
        paragraph += 1
        if paragraph % 6 == 0:
            text += "\n\n"
    return text[:length]


def worst_case_event(*, site, reporter) -> AdverseEvent:
    patient = PatientFactory(site=site, chart_number="WC-0001")
    session = InfusionSessionFactory(
        patient=patient,
        lot_number="LOT-" + "9" * 36,
        status="completed",
    )
    session.refresh_from_db()
    onset = session.started_at + timedelta(minutes=30)
    for i in range(40):
        VitalSignFactory(
            session=session,
            taken_at=onset - timedelta(minutes=28) + timedelta(minutes=2 * i),
            systolic=150 + i,
            diastolic=95 + i // 2,
            heart_rate=90 + i,
            spo2=99 - i % 5,
            respiratory_rate=14,
            moaas=3,
            cadss6=12,
        )
    submitted_at = onset + timedelta(hours=2)
    return AdverseEventFactory(
        session=session,
        term=EventTerm.objects.get(code="other"),
        other_term_text=("Prolonged dissociative state with " + LONG_WORD)[:200],
        onset_at=onset,
        grade=5,
        reported_by=reporter,
        status=EventStatus.SUBMITTED,
        submitted_at=submitted_at,
        # As the submit service sets it: the queue orders and pages by it.
        review_due_at=review_due_at(
            submitted_at, is_serious=True, is_expected=False, is_fatal_or_lt=True
        ),
        is_death=True,
        is_life_threatening=True,
        is_hospitalisation=True,
        is_disability=True,
        is_congenital_anomaly=True,
        is_other_medically_important=True,
        outcome=Outcome.FATAL,
        action_taken=ActionTaken.DRUG_WITHDRAWN,
        rescue_medication=("Midazolam 2 mg IV, then " + LONG_WORD * 2)[:300],
        narrative=_sentences(20_000),
    )
