"""The review lifecycle of a demo event: draft, submitted, voided or signed off, with the
clocks, causality, trail and signature a clinic's record shows."""

import random
from datetime import datetime, timedelta

from events.choices import EventStatus, Outcome, YesNoNA
from events.demo.loader import Step, set_trail
from events.demo.plan import DemoBatch, DemoCast, Plan, pick
from events.demo.specs import CAUSALITY, DECHALLENGED, MINUTE, VOID_REASONS
from events.models import AdverseEvent, ElectronicSignature
from events.rules import review_due_at


class Review:
    """Draws each event's review from the generator's random stream (shared, so the order of
    draws, and with it the record, stays the same for a seed)."""

    def __init__(self, *, rng: random.Random, cast: DemoCast, now: datetime):
        self.rng = rng
        self.cast = cast
        self.now = now

    def lifecycle(self, plan: Plan, event: AdverseEvent, batch: DemoBatch) -> None:
        """Status, clocks, causality and signature as a clinic keeps them: today's events
        are drafts or just submitted; events not yet due wait in the review queue or are
        signed off already (more often the nearer their due date); past their due date,
        nearly all are signed off, most of them in time, and a few from the last days are
        still waiting (overdue by days, never by months)."""
        rng, now, age = self.rng, self.now, plan.age_days
        if event.resolved_at and event.resolved_at > now:
            event.resolved_at = None
            event.outcome = Outcome.RECOVERING if event.is_serious else Outcome.NOT_RECOVERED
        if event.resolved_at and event.action_taken in DECHALLENGED:
            event.dechallenge = YesNoNA.YES  # it abated once the drug was stopped or slowed
        r = rng.random()
        if age == 0:
            status = EventStatus.DRAFT if r < 0.5 else EventStatus.SUBMITTED
        elif r < 0.008:
            status = EventStatus.VOIDED
        else:
            status = EventStatus.DRAFT if age <= 2 and r < 0.1 else EventStatus.SUBMITTED
        if status == EventStatus.DRAFT and event.is_serious:
            status = EventStatus.SUBMITTED  # serious events are reported at once
        event.status = status
        reporter = event.reported_by
        if status == EventStatus.DRAFT:
            drafted = min(event.onset_at + timedelta(minutes=rng.randint(5, 60)), now - MINUTE)
            steps = [Step(drafted, reporter, "Event drafted")]
            if rng.random() < 0.2:
                steps.append(
                    Step(min(drafted + 5 * MINUTE, now - MINUTE), reporter, "Draft edited")
                )
            set_trail(event, steps)
            return
        session_end = plan.discharged_at or now
        filed = max(event.onset_at, session_end) + timedelta(minutes=rng.randint(0, 240))
        submitted_at = event.submitted_at = max(event.onset_at, min(filed, now - MINUTE))
        due_at = event.review_due_at = review_due_at(
            submitted_at,
            is_serious=event.is_serious,
            is_expected=event.is_expected,
            is_fatal_or_lt=event.is_death or event.is_life_threatening,
        )
        director = self.cast.directors[event.site_id]
        submitted = {"status": EventStatus.SUBMITTED, "causality": "", "void_reason": ""}
        steps = [Step(submitted_at, reporter, "Event submitted", submitted)]
        if status == EventStatus.VOIDED:
            event.void_reason = rng.choice(VOID_REASONS)
            voided = min(submitted_at + timedelta(hours=rng.randint(1, 48)), now - MINUTE)
            set_trail(event, [*steps, Step(voided, director, event.void_reason)])
            return
        allowed = due_at - submitted_at
        if age > 0 and self._signed_off_by_now(submitted_at, due_at, allowed):
            status = event.status = EventStatus.SIGNED_OFF
        if status == EventStatus.SUBMITTED:
            if rng.random() < 0.35:
                event.causality = pick(rng, CAUSALITY)
                assessed = submitted_at + (now - submitted_at) * rng.uniform(0.1, 0.9)
                steps.append(Step(assessed, director, "Causality assessed"))
            set_trail(event, steps)
            return
        event.causality = pick(rng, CAUSALITY)
        share = rng.uniform(0.05, 0.9) if rng.random() > 0.06 else rng.uniform(1.0, 1.2)
        signed_at = max(min(submitted_at + allowed * share, now - MINUTE), submitted_at)
        assessed = submitted_at + (signed_at - submitted_at) * rng.uniform(0.2, 0.9)
        steps += [
            Step(assessed, director, "Causality assessed", {"status": EventStatus.SUBMITTED}),
            Step(signed_at, director, ElectronicSignature.MEANING),
        ]
        set_trail(event, steps)
        batch.sign_offs.append((event, director, signed_at))

    def _signed_off_by_now(
        self, submitted_at: datetime, due_at: datetime, allowed: timedelta
    ) -> bool:
        elapsed = (self.now - submitted_at) / allowed
        if elapsed < 1:
            return self.rng.random() < 0.2 + 0.7 * elapsed
        overdue = self.now - due_at
        return overdue > timedelta(days=8) or self.rng.random() > 0.1
