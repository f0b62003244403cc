"""Depression scores for the demo's sessions: a PHQ-9 before most infusions, following each
patient's course towards response, remission or little change (`specs.OUTCOMES`), with a few
positive item-9 and screen answers whose alerts the site's director has reviewed (the last
few days' still wait in the queue).

A random stream of its own, so adding scores leaves the rest of the demo (sessions, vitals,
events, the planted signal) exactly as it was for the same seed.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractUser

from events.choices import Drug
from events.demo.loader import Step, build, set_trail
from events.demo.specs import OUTCOMES
from events.models import AlertStatus, InfusionSession, OutcomeMeasure, SuicidalityAlert
from events.models.measures import PHQ9_ITEMS
from events.outcomes import EVALUATION_SESSION
from events.services.measures import alert_summary

MEASURES_RECORDED = "Outcome measures recorded"
ALERT_RAISED = "Alert raised by a positive suicidality screen"
ALERT_REVIEWED = "Patient assessed by the director; safety plan reviewed"


@dataclass(frozen=True)
class Trajectory:
    baseline: int
    target: float  # fraction of the baseline reached by session 6


class OutcomePlanner:
    def __init__(self, seed: int):
        self.rng = random.Random(seed * 7919 + 14)
        self.courses: dict[int, Trajectory] = {}  # id(patient) -> trajectory
        self.response = dict(OUTCOMES.response)

    def _trajectory(self, session: InfusionSession) -> Trajectory:
        key = id(session.patient)
        if key not in self.courses:
            rng = self.rng
            low, high, mode = OUTCOMES.baseline_range
            baseline = round(rng.triangular(low, high, mode))
            band = "esketamine" if session.drug == Drug.ESKETAMINE else session.dose_band
            if rng.random() < self.response.get(band, 0.45):
                remits = rng.random() < OUTCOMES.remission_among_responders
                target = rng.uniform(0.0, 3.5 / baseline) if remits else rng.uniform(0.3, 0.48)
            else:
                target = rng.uniform(0.62, 1.0)
            self.courses[key] = Trajectory(baseline, target)
        return self.courses[key]

    def measure(
        self, session: InfusionSession, *, director: AbstractUser, age_days: int
    ) -> tuple[OutcomeMeasure | None, SuicidalityAlert | None]:
        """The PHQ-9 taken before `session` (or None: not every session has one)."""
        rng, number = self.rng, session.sequence_number
        course = self._trajectory(session)
        if number > 1 and rng.random() > OUTCOMES.recorded_share:
            return None, None
        progress = min(1.0, (number - 1) / (EVALUATION_SESSION - 1))
        expected = course.baseline * (1 - (1 - course.target) * progress)
        total = max(0, min(27, round(expected + rng.gauss(0, 1.5 if number > 1 else 0))))
        if number == 1:
            total = course.baseline
        items = self._items(total)
        screen_positive = rng.random() < OUTCOMES.screen_ideation_share
        if total >= 14 and rng.random() < OUTCOMES.item9_share:
            items[8] = max(items[8], 1)
        assert session.started_at is not None  # the demo starts every session it plans
        measure = build(
            OutcomeMeasure,
            session=session,
            recorded_at=session.started_at - timedelta(minutes=rng.randint(4, 25)),
            **dict(zip(PHQ9_ITEMS, items, strict=True)),
            phq9_total=sum(items),
            screen_ideation=screen_positive,
            screen_behaviour=False,
            recorded_by=session.administered_by,
        )
        set_trail(measure, [Step(measure.recorded_at, measure.recorded_by, MEASURES_RECORDED)])
        if not measure.raises_alert:
            return measure, None
        return measure, self._alert(measure, director, age_days)

    def _items(self, total: int) -> list[int]:
        """Nine answers 0-3 adding up to `total` (item 9 stays 0 unless set apart)."""
        items = [0] * 9
        for _ in range(min(total, 24)):
            open_items = [i for i in range(8) if items[i] < 3]
            items[self.rng.choice(open_items)] += 1
        return items

    def _alert(
        self, measure: OutcomeMeasure, director: AbstractUser, age_days: int
    ) -> SuicidalityAlert:
        raised = measure.recorded_at + timedelta(seconds=5)
        alert = build(
            SuicidalityAlert,
            session=measure.session,
            measure=measure,
            summary=alert_summary(measure),
            raised_at=raised,
        )
        steps = [Step(raised, measure.recorded_by, ALERT_RAISED)]
        if age_days >= OUTCOMES.open_alert_days:
            decided = raised + timedelta(hours=self.rng.randint(1, 6))
            alert.status = AlertStatus.CONFIRMED
            alert.decision_reason = ALERT_REVIEWED
            alert.decided_by_id = director.pk
            alert.decided_at = decided
            # The raise step held the open alert; the review step holds the final values.
            open_values = {
                "status": AlertStatus.OPEN,
                "decision_reason": "",
                "decided_by_id": None,
                "decided_at": None,
            }
            steps = [
                Step(raised, measure.recorded_by, ALERT_RAISED, earlier=open_values),
                Step(decided, director, ALERT_REVIEWED),
            ]
        set_trail(alert, steps)
        return alert
