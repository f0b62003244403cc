"""Adverse events of a demo session: those confirmed from vital-sign alerts, those staff
record below the alert threshold, and those drawn at the calibrated rate of each term, with
the grade, action and rescue medication a clinic records."""

import random
from datetime import datetime, timedelta

from events.choices import ActionTaken, DetectedBy, Outcome, Route
from events.demo.loader import build
from events.demo.plan import DemoCast, Plan
from events.demo.specs import (
    HYPERTENSION_REVIEWED,
    HYPERTENSIVE_CRISIS,
    OTHER_TEXTS,
    SERIOUS,
    SHORT_NOTES,
    TERM_SPECS,
    DataProfile,
)
from events.demo.vitals import alert_summary
from events.models import AdverseEvent
from events.rules import hypertension_grade, minutes_between


class AdverseEvents:
    """Draws a session's events from the generator's random stream (shared, so the order of
    draws, and with it the record, stays the same for a seed)."""

    def __init__(self, *, rng: random.Random, cast: DemoCast, profile: DataProfile, now: datetime):
        self.rng = rng
        self.cast = cast
        self.profile = profile
        self.now = now
        self.defined_grades = {
            code: [g for g in range(1, 5) if term.grade_text(g)]
            for code, term in cast.terms.items()
        }

    def events(self, plan: Plan) -> list[AdverseEvent]:
        rng, p = self.rng, plan.profile
        # In the chair, crossings are still open suggestions; afterwards most were confirmed.
        events = [] if plan.elapsed is not None else self._vital_events(plan)
        events += self._staff_observed_hypertension(plan)
        number = plan.session.sequence_number
        course = 1.15 if number <= 2 else 0.85 if number >= 7 else 1.0
        for code, spec in TERM_SPECS.items():
            if code == "infusion_site_reaction" and p.route != Route.IV:
                continue
            weight = p.sensitivity * plan.dose_factor * course
            if code == "somnolence" and p.screen["takes_benzodiazepines"]:
                weight *= 1.5
            if rng.random() >= min(0.97, spec.rate * weight * self.profile.event_rate_scale):
                continue
            grade = self._grade(code, spec.grades)
            onset = rng.randint(*spec.onset)
            event = self._event(plan, code, onset, grade, spec.reported)
            event.action_taken = self._action(code, grade)
            medication, chance = spec.rescue
            if medication and grade >= 2 and rng.random() < chance:
                event.rescue_medication = medication
            if code == "other":
                event.other_term_text = rng.choice(OTHER_TEXTS)
            event.resolved_at = event.onset_at + timedelta(minutes=rng.randint(*spec.lasts))
            events.append(event)
        for code, (chance, grade, criterion, window, narrative) in SERIOUS.items():
            if rng.random() < chance * self.profile.event_rate_scale:
                m = rng.randint(*window)
                event = self._event(plan, code, m, grade, 0.3)
                setattr(event, criterion, True)
                event.is_expected = False
                days = rng.randint(2, 9)
                event.narrative = narrative.format(m=m, days=days)
                event.action_taken = ActionTaken.DRUG_WITHDRAWN
                event.resolved_at = event.onset_at + timedelta(days=days)
                event.outcome = Outcome.RECOVERING if rng.random() < 0.2 else Outcome.RECOVERED
                events.append(event)
        if plan.elapsed is not None:
            events = [e for e in events if e.onset_at <= self.now]
        for event in events:
            event.derive()
            # derive() leaves these to a saved session; this one gets its id on insert.
            event.onset_minutes = minutes_between(plan.started_at, event.onset_at)
        return events

    def _vital_events(self, plan: Plan) -> list[AdverseEvent]:
        """Events confirmed from alert suggestions: onset, grade and narrative come from the
        worst reading, as `suggestion_confirm` fills them."""
        rng, events = self.rng, []
        for code, (alert, reading) in plan.alerts.items():
            if code not in self.cast.terms or rng.random() > 0.92:
                continue  # a few suggestions are dismissed (e.g. a cuff artefact)
            term = self.cast.terms[code]
            minute = reading.minutes_from_start or 0  # set on every demo reading
            event = self._event(plan, code, minute, alert.grade, 0.0)
            event.detected_by = DetectedBy.VITAL_SIGN_ALERT
            event.source_vital = reading
            event.narrative = alert_summary(alert, term, reading)
            event.resolved_at = event.onset_at + timedelta(minutes=rng.randint(10, 60))
            event.action_taken = self._action(code, alert.grade)
            if code == "hypertension" and alert.grade >= 3:
                event.rescue_medication = "Labetalol 10 mg IV" if rng.random() < 0.6 else ""
                crisis = rng.random()
                bp, m = f"{reading.systolic}/{reading.diastolic}", reading.minutes_from_start
                if crisis < 0.003:
                    event.grade, event.is_expected = 4, False
                    event.is_life_threatening = event.is_hospitalisation = True
                    event.action_taken = ActionTaken.DRUG_WITHDRAWN
                    event.narrative = HYPERTENSIVE_CRISIS.format(bp=bp, m=m)
                    event.resolved_at = event.onset_at + timedelta(hours=rng.randint(6, 20))
                elif crisis < 0.01:
                    event.is_other_medically_important = True
                    event.narrative = HYPERTENSION_REVIEWED.format(bp=bp, m=m)
            if code in ("hypoxia", "respiratory_depression"):
                event.rescue_medication = "Oxygen 2 L/min by nasal cannula"
            events.append(event)
        return events

    def _staff_observed_hypertension(self, plan: Plan) -> list[AdverseEvent]:
        """A rise below the alert threshold that staff still record: at least one CTCAE
        grade above the pre-infusion reading, to grade 3 (160/100 or more). A reading at the
        patient's own baseline (e.g. 132/69, grade 1) is never an event."""
        if "hypertension" in plan.alerts or not plan.readings:
            return []
        grades = [hypertension_grade(v.systolic, v.diastolic) or 0 for v in plan.readings]
        grade, baseline = max(grades), grades[0]
        if grade < 3 or grade <= baseline:
            return []
        if self.rng.random() >= min(0.9, 0.2 * self.profile.event_rate_scale):
            return []
        first = plan.readings[grades.index(grade)]
        minute = first.minutes_from_start or 0  # set on every demo reading
        event = self._event(plan, "hypertension", minute, grade, 0.0)
        event.resolved_at = event.onset_at + timedelta(minutes=self.rng.randint(15, 45))
        event.action_taken = self._action("hypertension", grade)
        return [event]

    def _event(
        self, plan: Plan, code: str, minute: int, grade: int, reported: float
    ) -> AdverseEvent:
        rng, session = self.rng, plan.session
        term = self.cast.terms[code]
        staff = self.cast.staff[session.site_id]
        patient_noticed = rng.random() < reported
        return build(
            AdverseEvent,
            session=session,
            site_id=session.site_id,
            term=term,
            onset_at=plan.started_at + timedelta(minutes=minute, seconds=rng.randint(0, 59)),
            grade=grade,
            is_expected=term.is_expected,
            outcome=Outcome.RECOVERED,
            detected_by=(
                DetectedBy.PATIENT_REPORT if patient_noticed else DetectedBy.STAFF_OBSERVATION
            ),
            narrative=rng.choice(SHORT_NOTES) if rng.random() < 0.1 else "",
            reported_by=session.administered_by if rng.random() < 0.75 else rng.choice(staff),
        )

    def _grade(self, code: str, weights: tuple[float, float, float]) -> int:
        grade = self.rng.choices((1, 2, 3), weights)[0]
        defined = self.defined_grades[code]
        return min(defined, key=lambda g: (abs(g - grade), g))

    def _action(self, code: str, grade: int) -> str:
        r = self.rng.random()
        if code in ("hypoxia", "respiratory_depression", "depressed_level_of_consciousness"):
            return ActionTaken.DRUG_INTERRUPTED if r < 0.6 else ActionTaken.DRUG_WITHDRAWN
        if grade >= 3 and code in ("hypertension", "dissociation", "agitation", "vomiting"):
            if r < 0.25:
                return ActionTaken.DRUG_WITHDRAWN
            return ActionTaken.DRUG_INTERRUPTED if r < 0.65 else ActionTaken.DOSE_RATE_REDUCED
        if grade == 2 and code in ("hypertension", "dissociation", "anxiety", "hallucinations"):
            if r < 0.15:
                return ActionTaken.DOSE_RATE_REDUCED
            return ActionTaken.DRUG_INTERRUPTED if r < 0.22 else ActionTaken.DOSE_NOT_CHANGED
        return ActionTaken.DOSE_NOT_CHANGED
