"""The demo clinic's record (patients, sessions, vitals, adverse events, sign-offs, open
suggestions) built in memory from the specs in `events.demo.specs`.

Nothing here touches the database: `DemoGenerator` turns a seed and a size into batches of
unsaved model instances, filled exactly as the services would fill them (sequence number,
dose band, month, derived event fields, review clocks, signature hashes). The command saves
each batch with history. The same seed gives the same record; only the absolute times move
with the day the command runs, because sessions run up to "now".

This module draws the patients, their courses and sessions; `vitals`, `adverse_events` and
`lifecycle` draw each session's readings, events and reviews from the same random stream,
and `plan` holds the shapes they fill.
"""

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from events.choices import ActionTaken, Drug, Route, SessionStatus
from events.demo.adverse_events import AdverseEvents
from events.demo.lifecycle import Review
from events.demo.loader import Step, build, set_trail
from events.demo.outcomes import OutcomePlanner
from events.demo.plan import DemoBatch, DemoCast, Plan, Profile, pick, today_count
from events.demo.specs import (
    DECHALLENGED,
    INDICATIONS,
    IV_DOSES,
    PLANNED_MINUTES,
    PROFILES,
    SEXES,
    SITES,
    WINDOW_DAYS,
    DataProfile,
)
from events.demo.vitals import VITALS_RECORDED, VitalSigns
from events.models import AdverseEvent, InfusionSession, Patient, Site
from events.rules import Thresholds, dose_band


class DemoGenerator:
    """Patients with an induction course of six sessions over two to three weeks, then
    boosters every two to six weeks, spread over the last 18 months up to today."""

    def __init__(
        self,
        *,
        cast: DemoCast,
        seed: int,
        sessions: int,
        now: datetime,
        dense_vitals: bool,
        profile: DataProfile = PROFILES["clinic"],
    ):
        self.cast = cast
        self.profile = profile
        self.planted = profile.planted
        self.rng = random.Random(seed)
        self.outcomes = OutcomePlanner(seed)
        self.total = sessions
        self.now = now
        self.today = {site.pk: now.astimezone(site.zone).date() for site in cast.sites}
        # Days from today back to the first day of the planted protocol, per site.
        self.planted_days = {
            site.pk: (today - _months_back(today, self.planted.months - 1)).days
            for site, today in ((s, self.today[s.pk]) for s in cast.sites)
            if self.planted and site.code == self.planted.site
        }
        self.charts = {site.pk: 0 for site in cast.sites}
        limits = {
            site.pk: Thresholds(**{name: getattr(site, name) for name in Site.THRESHOLD_FIELDS})
            for site in cast.sites
        }
        # One random stream for every part of the record: the order of draws is the record.
        self.vitals = VitalSigns(
            rng=self.rng, cast=cast, profile=profile, dense_vitals=dense_vitals, limits=limits
        )
        self.adverse_events = AdverseEvents(rng=self.rng, cast=cast, profile=profile, now=now)
        self.review = Review(rng=self.rng, cast=cast, now=now)
        shares = {spec.code: spec.share for spec in SITES}
        self.site_weights = [shares.get(site.code, 0.1) for site in cast.sites]
        self.chart_prefixes = {spec.code: spec.chart_prefix for spec in SITES}

    # --- patients and courses ------------------------------------------------------------

    def batches(self, batch_size: int) -> Iterator[DemoBatch]:
        batch = DemoBatch()
        for profile, offsets, today_mode in self._courses():
            batch.patients.append(profile.patient)
            first = len(batch.sessions)
            starts = []
            for number, offset in enumerate(offsets, start=1):
                is_today = today_mode and offset == 0
                mode = today_mode if is_today else ""
                starts.append(self._session(batch, profile, number, offset, mode))
            if starts:  # registered by the nurse of the first session, shortly before it
                nurse = batch.sessions[first].administered_by
                registered = starts[0] - timedelta(minutes=self.rng.randint(15, 90))
                set_trail(profile.patient, [Step(registered, nurse, "Patient registered")])
            if len(batch.sessions) >= batch_size:
                yield batch
                batch = DemoBatch()
        if batch.patients:
            yield batch

    def _courses(self) -> Iterator[tuple[Profile, list[int], str]]:
        rng, remaining = self.rng, self.total
        todays = today_count(self.total)
        for index in range(todays):
            # The first sites come first, so the demo nurses both have patients in the chair.
            site = self.cast.sites[index % len(self.cast.sites)]
            days = self._course_days()
            offsets = [d - days[-1] for d in days if d - days[-1] >= -WINDOW_DAYS]
            keep = min(len(offsets), remaining - (todays - index - 1), max(1, self.total // 10))
            remaining -= keep
            # Most are still in the chair; every other one has a reading past a threshold.
            mode = "completed" if index % 5 == 3 else "live-alert" if index % 2 == 0 else "live"
            yield self._profile(site), offsets[-keep:], mode
        while remaining > 0:
            site = rng.choices(self.cast.sites, self.site_weights)[0]
            start = -rng.randint(1, WINDOW_DAYS)
            offsets = [start + d for d in self._course_days() if start + d <= -1][:remaining]
            remaining -= len(offsets)
            yield self._profile(site), offsets, ""

    def _course_days(self) -> list[int]:
        rng = self.rng
        induction = 6 if rng.random() > 0.08 else rng.randint(1, 5)
        days = [0]
        for _ in range(induction - 1):
            days.append(days[-1] + rng.choice((2, 2, 3, 3, 4)))
        if induction == 6 and rng.random() < 0.75:
            while len(days) < 40 and rng.random() > 0.07:
                days.append(days[-1] + rng.randint(14, 42))
        return days

    def _profile(self, site: Site) -> Profile:
        rng = self.rng
        self.charts[site.pk] += 1
        prefix = self.chart_prefixes.get(site.code, site.code[:3].upper())
        patient = build(
            Patient,
            site=site,
            chart_number=f"{prefix}-{self.charts[site.pk]:06d}",
            birth_year=self.now.year - int(rng.triangular(19, 78, 42)),
            sex=pick(rng, SEXES),
            indication=pick(rng, INDICATIONS),
        )
        form = rng.random()
        if form < 0.85:
            drug, route, dose = Drug.KETAMINE, Route.IV, pick(rng, IV_DOSES)
        elif form < 0.93:
            drug, route, dose = Drug.KETAMINE, Route.IM, Decimal(rng.choice(("0.500", "0.750")))
        else:
            drug, route, dose = Drug.ESKETAMINE, Route.INTRANASAL, Decimal(rng.choice((56, 84)))
        sbp = min(150.0, max(100.0, rng.gauss(124, 11)))
        birth_year = patient.birth_year
        return Profile(
            patient=patient,
            site=site,
            drug=drug,
            route=route,
            dose=dose,
            escalates=rng.random() < 0.2,
            weight=min(120.0, max(50.0, rng.gauss(80, 15))),
            sbp=sbp,
            dbp=min(sbp - 30, 92.0, max(60.0, rng.gauss(78, 7))),
            heart_rate=min(100.0, max(55.0, rng.gauss(74, 9))),
            bp_rise=min(
                25.0, max(2.0, rng.gauss(7.5 if self.now.year - birth_year < 50 else 11, 3))
            ),
            is_older=self.now.year - birth_year >= 50,
            sensitivity=rng.lognormvariate(-0.05, 0.3),
            screen={
                "takes_benzodiazepines": rng.random() < 0.15,
                "takes_psychostimulants": rng.random() < 0.07,
                "takes_maois": rng.random() < 0.01,
                "takes_other_sedatives": rng.random() < 0.1,
            },
        )

    # --- sessions ------------------------------------------------------------------------

    def _session(
        self, batch: DemoBatch, p: Profile, number: int, offset: int, mode: str
    ) -> datetime:
        """Build one session with its readings, events and reviews into `batch`; return
        its start."""
        rng, site = self.rng, p.site
        weight = Decimal(str(round(min(120.0, max(50.0, p.weight + rng.gauss(0, 1))), 1)))
        if p.drug == Drug.ESKETAMINE:
            device_mg = Decimal(84) if p.escalates and number > 2 else p.dose
            dose = (device_mg / weight).quantize(Decimal("0.001"))
            total = device_mg.quantize(Decimal("0.01"))  # the device dose, within 1 mg
        else:
            dose = p.dose
            if p.escalates and number > 3:
                dose = min(Decimal("1.000"), dose + Decimal("0.250"))
            if self.planted and self._under_planted_protocol(p, offset) and p.route == Route.IV:
                dose = self.planted.dose
            total = (dose * weight).quantize(Decimal("0.01"))
        elapsed: int | None = None
        if mode.startswith("live"):
            elapsed = rng.randint(22, 48)
            started = self.now - timedelta(minutes=elapsed, seconds=rng.randint(0, 59))
        elif mode == "completed":
            started = self.now - timedelta(minutes=rng.randint(150, 300))
        else:
            day = self.today[site.pk] + timedelta(days=offset)
            minute = rng.randrange(8 * 60, 16 * 60 + 31, 5)
            local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=site.zone)
            started = local.astimezone(UTC)
        staff = self.cast.staff[site.pk]
        session = build(
            InfusionSession,
            patient=p.patient,
            site=site,
            sequence_number=number,
            drug=p.drug,
            route=p.route,
            dose_mg_per_kg=dose,
            weight_kg=weight,
            total_dose_mg=total,
            dose_band=dose_band(dose),
            planned_duration_min=PLANNED_MINUTES,
            lot_number=f"{'KET' if p.drug == Drug.KETAMINE else 'ESK'}-{started:%y%m}-{site.pk}",
            status=SessionStatus.IN_PROGRESS,
            started_at=started,
            month=started.astimezone(site.zone).strftime("%Y-%m"),
            administered_by=rng.choice(staff),
            baseline_bp_acceptable=rng.random() > 0.02,
            is_fasting=rng.random() > 0.06,
            **p.screen,
        )
        # The planted protocol change raises blood pressure alone (see `VitalSigns.readings`),
        # so the demo shows one clear signal rather than a rise of every dose-related event.
        planted = self._under_planted_protocol(p, offset)
        base_dose = p.dose if planted else dose
        ketamine_dose = float(base_dose) if p.drug == Drug.KETAMINE else 0.5
        factor = (ketamine_dose / 0.5) ** 0.5 * (1.1 if p.route == Route.IM else 1.0)
        plan = Plan(
            session,
            p,
            started_at=started,
            age_days=-offset,
            elapsed=elapsed,
            dose_factor=factor,
            under_planted_protocol=planted,
        )
        self.vitals.readings(plan, alert=mode == "live-alert")
        plan.alerts = self.vitals.alerts(plan)
        events = self.adverse_events.events(plan)
        self._finish(plan, events)
        set_trail(session, self._session_steps(plan))
        for reading in plan.readings:
            set_trail(reading, [Step(reading.taken_at, reading.recorded_by, VITALS_RECORDED)])
        batch.sessions.append(session)
        measure, alert = self.outcomes.measure(
            session, director=self.cast.directors[site.pk], age_days=plan.age_days
        )
        batch.measures.extend([measure] if measure else [])
        batch.suicidality_alerts.extend([alert] if alert else [])
        batch.vitals.extend(plan.readings)
        for event in events:
            self.review.lifecycle(plan, event, batch)
            batch.events.append(event)
        if elapsed is not None:
            batch.suggestions.extend(self.vitals.open_suggestions(plan))
        return started

    @staticmethod
    def _session_steps(plan: Plan) -> list[Step]:
        """Started, then finished (completed or stopped early), then discharged."""
        session = plan.session
        nurse = session.administered_by
        started = Step(
            plan.started_at,
            nurse,
            "Session started",
            {
                "status": SessionStatus.IN_PROGRESS,
                "ended_at": None,
                "discharged_at": None,
                "minutes_to_discharge_ready": None,
                "notes": "",
            },
        )
        if plan.ended_at is None or plan.discharged_at is None:
            return [started]  # still in progress
        stopped = session.status == SessionStatus.STOPPED_EARLY
        finished = Step(
            plan.ended_at,
            nurse,
            (session.notes or "Stopped early for an adverse event")
            if stopped
            else "Session completed",
            {"discharged_at": None, "minutes_to_discharge_ready": None},
        )
        return [started, finished, Step(plan.discharged_at, nurse, "Patient discharged")]

    def _under_planted_protocol(self, p: Profile, offset: int) -> bool:
        """Sessions of the planted signal's site and period (offset: days from today)."""
        return p.site.pk in self.planted_days and -offset <= self.planted_days[p.site.pk]

    def _finish(self, plan: Plan, events: list[AdverseEvent]) -> None:
        """End and discharge times; a withdrawn drug during the infusion stops it early."""
        rng, session = self.rng, plan.session
        if plan.elapsed is not None:
            return  # still in the chair
        start = plan.started_at
        planned_end = start + timedelta(minutes=PLANNED_MINUTES + rng.randint(-2, 6))
        stops = [
            e.onset_at
            for e in events
            if e.action_taken == ActionTaken.DRUG_WITHDRAWN and e.onset_at < planned_end
        ]
        if stops:
            session.status = SessionStatus.STOPPED_EARLY
            # A reading before the start can stop the session before any drug is given.
            ended = max(min(stops), start) + timedelta(minutes=rng.randint(1, 4))
        elif rng.random() < 0.01:
            session.status = SessionStatus.STOPPED_EARLY
            ended = start + timedelta(minutes=rng.randint(10, 30))
            session.notes = "Stopped at the patient's request; no adverse event."
        else:
            session.status = SessionStatus.COMPLETED
            ended = planned_end
        session.ended_at = plan.ended_at = ended
        for event in events:
            if event.onset_at > ended and event.action_taken in DECHALLENGED:
                event.action_taken = ActionTaken.NOT_APPLICABLE
        latest = max(
            [ended + timedelta(minutes=rng.randint(20, 75))]
            + [v.taken_at + timedelta(minutes=rng.randint(3, 10)) for v in plan.readings[-1:]]
            + [e.onset_at + timedelta(minutes=2) for e in events]
        )
        discharged = session.discharged_at = plan.discharged_at = min(latest, self.now)
        elapsed = discharged - ended
        session.minutes_to_discharge_ready = max(0, int(elapsed.total_seconds() // 60))


def _months_back(day: date, months: int) -> date:
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)
