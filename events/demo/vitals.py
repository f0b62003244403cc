"""Vital signs of a demo session: the readings, the worst threshold crossing per term, and the
suggestions still open for sessions in the chair."""

import math
import random
from datetime import timedelta

from events.choices import Route
from events.demo.loader import Step, build, set_trail
from events.demo.plan import DemoCast, Plan
from events.demo.specs import DataProfile
from events.models import AlertSuggestion, EventTerm, VitalSign
from events.rules import Alert, Reading, Thresholds, check_thresholds, minutes_between

VITALS_RECORDED = "Vital signs recorded"
SUGGESTION_RAISED = "Suggestion raised by a reading past a threshold"


class VitalSigns:
    """Draws a session's readings from the generator's random stream (shared, so the order
    of draws, and with it the record, stays the same for a seed)."""

    def __init__(
        self,
        *,
        rng: random.Random,
        cast: DemoCast,
        profile: DataProfile,
        dense_vitals: bool,
        limits: dict[int, Thresholds],
    ):
        self.rng = rng
        self.cast = cast
        self.profile = profile
        self.dense_vitals = dense_vitals
        self.limits = limits

    def readings(self, plan: Plan, *, alert: bool) -> None:
        """Readings every 10-15 min from before the start to about an hour, with the blood
        pressure rise of ketamine peaking near 40 min."""
        rng, p, session = self.rng, plan.profile, plan.session
        if self.dense_vitals:
            minutes = [-rng.randint(3, 8)]
            while (step := minutes[-1] + rng.randint(10, 15)) <= 66:
                minutes.append(step)
        else:
            minutes = [-rng.randint(3, 8), rng.randint(36, 44), rng.randint(56, 64)]
        if plan.elapsed is not None:
            minutes = [m for m in minutes if m <= plan.elapsed]
        factor = plan.dose_factor
        # The mean rise at the 30-40 min peak is about +7/+6 mmHg, more at 50 or over.
        sbp_rise = max(0.0, rng.gauss(p.bp_rise, 4)) * factor
        spike = 0.011 * factor * p.sensitivity * (1.6 if p.is_older else 1.0)
        planted = self.profile.planted
        if planted and plan.under_planted_protocol and p.route == Route.IV:
            spike = planted.spike_chance
        if rng.random() < min(0.9, spike * self.profile.event_rate_scale):
            sbp_rise = rng.randint(182, 210) - p.sbp  # a spike past the alert threshold
        dbp_rise = sbp_rise * rng.uniform(0.6, 0.9)
        hr_rise = max(0.0, rng.gauss(3, 3)) * factor
        if rng.random() < 0.008 * p.sensitivity * self.profile.event_rate_scale:
            hr_rise = rng.randint(112, 128) - p.heart_rate
        low = rng.random()
        low /= self.profile.event_rate_scale
        dip = "spo2" if low < 0.004 else "rr" if low < 0.006 else "moaas" if low < 0.01 else ""
        dip_at = rng.choice([i for i, m in enumerate(minutes) if m > 0] or [None])
        moaas_at = _nearest(minutes, 35) if dip == "moaas" or rng.random() < 0.35 else None
        cadss_at = _nearest(minutes, 40) if rng.random() < 0.4 else None
        for index, minute in enumerate(minutes):
            shape = math.exp(-(((minute - 40) / 22) ** 2)) if minute > 0 else 0.0
            sbp = round(p.sbp + sbp_rise * shape + rng.gauss(0, 4))
            dbp = round(p.dbp + dbp_rise * shape + rng.gauss(0, 3))
            dbp = max(45, min(dbp, sbp - 20, 150))
            reading = build(
                VitalSign,
                session=session,
                taken_at=plan.started_at + timedelta(minutes=minute),
                minutes_from_start=minute,
                systolic=min(250, sbp),
                diastolic=dbp,
                heart_rate=max(45, round(p.heart_rate + hr_rise * shape + rng.gauss(0, 3))),
                spo2=rng.choice((96, 97, 97, 98, 98, 99)),
                respiratory_rate=rng.randint(12, 18),
                recorded_by=session.administered_by,
            )
            if index == dip_at and dip == "spo2":
                reading.spo2 = rng.randint(86, 92)
            elif index == dip_at and dip == "rr":
                reading.respiratory_rate = rng.randint(7, 10)
            if index == moaas_at:
                reading.moaas = rng.randint(1, 2) if dip == "moaas" else _moaas(rng)
            if index == cadss_at:
                reading.cadss6 = min(24, max(0, round(rng.gauss(8, 4) * factor)))
            plan.readings.append(reading)
        if alert and plan.readings:
            # Today's sessions in the chair: the latest reading crosses a threshold, so the
            # staff screen shows an open suggestion to confirm or dismiss.
            last = plan.readings[-1]
            last.systolic, last.diastolic = rng.randint(182, 196), rng.randint(104, 116)

    def alerts(self, plan: Plan) -> dict[str, tuple[Alert, VitalSign]]:
        """The worst threshold crossing per term, as the open suggestion would keep it."""
        limits = self.limits[plan.session.site_id]
        worst: dict[str, tuple[Alert, VitalSign]] = {}
        for reading in plan.readings:
            values = Reading(
                systolic=reading.systolic,
                diastolic=reading.diastolic,
                heart_rate=reading.heart_rate,
                spo2=reading.spo2,
                respiratory_rate=reading.respiratory_rate,
                moaas=reading.moaas,
            )
            for alert in check_thresholds(values, limits):
                if (
                    alert.term_code not in worst
                    or alert.severity > worst[alert.term_code][0].severity
                ):
                    worst[alert.term_code] = (alert, reading)
        return worst

    def open_suggestions(self, plan: Plan) -> list[AlertSuggestion]:
        suggestions = []
        for code, (alert, reading) in plan.alerts.items():
            if code not in self.cast.terms:
                continue
            suggestion = build(
                AlertSuggestion,
                session=plan.session,
                term=self.cast.terms[code],
                vital_sign=reading,
                grade=alert.grade,
                summary=alert_summary(alert, self.cast.terms[code], reading),
            )
            set_trail(suggestion, [Step(reading.taken_at, reading.recorded_by, SUGGESTION_RAISED)])
            suggestions.append(suggestion)
        return suggestions


def alert_summary(alert: Alert, term: EventTerm, reading: VitalSign) -> str:
    """The text `events.services.vitals` gives a suggestion."""
    minutes = minutes_between(reading.session.started_at, reading.taken_at)
    return f"{term.name}, grade {alert.grade}: {alert.description} at {minutes} min"


def _nearest(minutes: list[int], target: int) -> int | None:
    if not minutes or max(minutes) <= 0:
        return None
    return min(range(len(minutes)), key=lambda i: abs(minutes[i] - target))


def _moaas(rng: random.Random) -> int:
    return rng.choices((5, 4, 3, 2), (0.4, 0.45, 0.13, 0.02))[0]
