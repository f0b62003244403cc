"""A small clinic record whose figures the export tests work out by hand.

North (America/Chicago, UTC-6 in winter, UTC-5 in summer), seen by `director`:

| session | patient | status        | start (UTC)       | events counted          |
|---------|---------|---------------|-------------------|-------------------------|
| s1      | p1 (1)  | completed     | 2026-01-05 15:00  | e1 nausea G1, e2 hypertension G3 serious |
| s2      | p1 (2)  | completed     | 2026-01-12 15:00  | (e5 dizziness, voided)  |
| s3      | p2 (1)  | completed     | 2026-01-06 16:00  | e3 other G2, onset 5 min before start |
| s4      | p2 (2)  | stopped early | 2026-01-13 16:00  | none                    |
| s5      | p2 (3)  | in progress, voided | 2026-01-20 16:00 | (e6 nausea: session voided) |
| s6      | p1 (3)  | completed     | 2026-06-10 14:00  | e4 vomiting G2          |

So, for the director: 5 counted sessions, 2 patients, 4 events (1 serious), 3 sessions with an
event, 2 patients with an event. South has one session with one event (e7), which the
director must never see. Text fields carry spreadsheet-formula strings and non-ASCII text.
"""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction

from audit.services import audited_save
from events.choices import EventStatus, Outcome, SessionStatus
from events.models import ElectronicSignature, EventTerm
from tests.exports.helpers import INJECTIONS, NON_ASCII, at
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory


def _session(patient, start, status=SessionStatus.COMPLETED, **extra):
    return InfusionSessionFactory(
        patient=patient,
        status=status,
        started_at=start,
        ended_at=start + timedelta(minutes=40) if status != SessionStatus.IN_PROGRESS else None,
        lot_number="LOT-42",
        **extra,
    )


def _event(session, term_code, minutes, grade, reporter, **extra):
    return AdverseEventFactory(
        session=session,
        term=EventTerm.objects.get(code=term_code),
        onset_at=session.started_at + timedelta(minutes=minutes),
        grade=grade,
        reported_by=reporter,
        status=extra.pop("status", EventStatus.SUBMITTED),
        **extra,
    )


@pytest.fixture
def dataset(north, south, nurse, director, other_site_nurse):
    p1 = PatientFactory(site=north, chart_number="N-1001", birth_year=1984)
    p2 = PatientFactory(site=north, chart_number=INJECTIONS[1], birth_year=1990, sex="male")
    s1 = _session(p1, at(2026, 1, 5, 15, 0))
    s3 = _session(p2, at(2026, 1, 6, 16, 0), dose_mg_per_kg=Decimal("0.750"), weight_kg=80)
    s2 = _session(p1, at(2026, 1, 12, 15, 0))
    s4 = _session(p2, at(2026, 1, 13, 16, 0), status=SessionStatus.STOPPED_EARLY)
    s5 = _session(
        p2,
        at(2026, 1, 20, 16, 0),
        status=SessionStatus.IN_PROGRESS,
        is_voided=True,
        void_reason="Wrong patient",
    )
    s6 = _session(p1, at(2026, 6, 10, 14, 0))
    e1 = _event(s1, "nausea", 15, 1, nurse, outcome=Outcome.RECOVERED)
    e2 = _event(
        s1,
        "hypertension",
        30,
        3,
        nurse,
        is_hospitalisation=True,
        is_expected=False,
        outcome=Outcome.RECOVERING,
        causality="possible",
        action_taken="drug_withdrawn",
        rescue_medication=INJECTIONS[0],
        narrative=(
            'BP 190/115 at 30 min. <img src="http://127.0.0.1:1/"> '
            "<script>alert(1)</script> Labetalol given."
        ),
        submitted_at=at(2026, 1, 5, 16, 0),
        status=EventStatus.SIGNED_OFF,
        dechallenge="yes",
    )
    e3 = _event(
        s3,
        "other",
        -5,
        2,
        nurse,
        other_term_text=INJECTIONS[3] + " " + NON_ASCII,
        rescue_medication=INJECTIONS[4],
        outcome=Outcome.NOT_RECOVERED,
    )
    e4 = _event(s6, "vomiting", 20, 2, nurse, rescue_medication=INJECTIONS[5])
    e5 = _event(s2, "dizziness", 10, 1, nurse, status=EventStatus.VOIDED, void_reason="Duplicate")
    e6 = _event(s5, "nausea", 10, 1, nurse)
    with transaction.atomic():
        signature = ElectronicSignature(
            event=e2,
            signed_by=director,
            signer_name="Dana Director",
            signed_at=at(2026, 1, 7, 18, 30),
            event_version=e2.version,
            content_hash="0" * 64,
        )
        audited_save(signature, actor=director, reason="Reviewed and approved")
    south_patient = PatientFactory(site=south, chart_number="S-1")
    s7 = _session(south_patient, at(2026, 1, 8, 14, 0))
    e7 = _event(s7, "headache", 10, 1, other_site_nurse)
    for event in (e1, e2, e3, e4, e5, e6, e7):
        event.refresh_from_db()
    return SimpleNamespace(
        p1=p1,
        p2=p2,
        sessions=[s1, s2, s3, s4, s5, s6],
        s1=s1,
        s3=s3,
        s6=s6,
        e1=e1,
        e2=e2,
        e3=e3,
        e4=e4,
        e5=e5,
        e6=e6,
        e7=e7,
        counted_events=[e1, e2, e3, e4],
        signature=signature,
    )
