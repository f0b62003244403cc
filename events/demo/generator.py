"""The demo clinic's record (patients, sessions, vitals, adverse events, sign-offs, open
suggestions) built in memory from the specs in `events.demo.specs`.

Nothing here touches the database: `DemoGenerator` turns a seed and a size into batches of
unsaved model instances, filled exactly as the services would fill them (sequence number,
dose band, month, derived event fields, review clocks, signature hashes). The command saves
each batch with history. The same seed gives the same record; only the absolute times move
with the day the command runs, because sessions run up to "now".
"""

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractUser

from events.choices import (
    ActionTaken,
    DetectedBy,
    Drug,
    EventStatus,
    Outcome,
    Route,
    SessionStatus,
    YesNoNA,
)
from events.demo.loader import Step, set_trail
from events.demo.outcomes import OutcomePlanner
from events.demo.specs import (
    CAUSALITY,
    DECHALLENGED,
    HYPERTENSION_REVIEWED,
    HYPERTENSIVE_CRISIS,
    INDICATIONS,
    IV_DOSES,
    MINUTE,
    OTHER_TEXTS,
    PLANNED_MINUTES,
    PROFILES,
    SERIOUS,
    SEXES,
    SHORT_NOTES,
    SITES,
    TERM_SPECS,
    VOID_REASONS,
    WINDOW_DAYS,
    DataProfile,
)
from events.models import (
    AdverseEvent,
    AlertSuggestion,
    ElectronicSignature,
    EventTerm,
    InfusionSession,
    OutcomeMeasure,
    Patient,
    Site,
    SuicidalityAlert,
    VitalSign,
)
from events.rules import (
    Alert,
    Reading,
    Thresholds,
    check_thresholds,
    dose_band,
    hypertension_grade,
    minutes_between,
    review_due_at,
)
from events.signatures import signed_content_hash


@dataclass
class DemoCast:
    """The saved people and places the clinical record refers to."""

    admin: AbstractUser
    sites: list[Site]
    staff: dict[int, list[AbstractUser]]  # site id -> staff who run sessions there
    directors: dict[int, AbstractUser]  # site id -> the director who signs off there
    terms: dict[str, EventTerm]


@dataclass
class Profile:
    """What stays the same for a patient across a course."""

    patient: Patient
    site: Site
    drug: str
    route: str
    dose: Decimal  # mg/kg (ketamine) or mg per session (esketamine)
    escalates: bool
    weight: float
    sbp: float
    dbp: float
    heart_rate: float
    bp_rise: float
    is_older: bool
    sensitivity: float
    screen: dict


@dataclass
class Plan:
    """One session while it is being built: its times in minutes from the start."""

    session: InfusionSession
    profile: Profile
    age_days: int  # 0 = today
    elapsed: int | None  # minutes since the start for a session still in progress
    dose_factor: float
    readings: list[VitalSign] = field(default_factory=list)
    alerts: dict[str, tuple[Alert, VitalSign]] = field(default_factory=dict)


@dataclass
class DemoBatch:
    """Unsaved rows for one transaction, in the order they must be inserted."""

    patients: list[Patient] = field(default_factory=list)
    sessions: list[InfusionSession] = field(default_factory=list)
    vitals: list[VitalSign] = field(default_factory=list)
    events: list[AdverseEvent] = field(default_factory=list)
    suggestions: list[AlertSuggestion] = field(default_factory=list)
    measures: list[OutcomeMeasure] = field(default_factory=list)
    suicidality_alerts: list[SuicidalityAlert] = field(default_factory=list)
    sign_offs: list[tuple[AdverseEvent, AbstractUser, datetime]] = field(default_factory=list)

    def signatures(self) -> list[ElectronicSignature]:
        """Signatures for the signed-off events; call once the events have their ids."""
        signatures = []
        for event, signer, signed_at in self.sign_offs:
            signature = ElectronicSignature(
                event=event,
                signed_by=signer,
                signer_name=signer.get_full_name() or signer.get_username(),
                signed_at=signed_at,
                # Signed at the assessed version; signing itself added one more.
                event_version=event.version - 1,
                content_hash=signed_content_hash(
                    {name: getattr(event, name) for name in AdverseEvent.SIGNED_FIELDS}
                ),
            )
            set_trail(signature, [Step(signed_at, signer, ElectronicSignature.MEANING)])
            signatures.append(signature)
        return signatures


def today_count(sessions: int) -> int:
    """Sessions that take place today, most still in progress, so home pages show work."""
    return min(sessions, max(2, min(16, sessions // 150)))


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
        self.dense_vitals = dense_vitals
        self.today = {site.pk: now.astimezone(site.zone).date() for site in cast.sites}
        # Days from today back to the first day of the planted protocol, per site.
        self.planted_days = {
            site.pk: (today - _months_back(today, self.planted.months - 1)).days
            for site, today in ((s, self.today[s.pk]) for s in cast.sites)
            if self.planted and site.code == self.planted.site
        }
        self.charts = {site.pk: 0 for site in cast.sites}
        self.limits = {
            site.pk: Thresholds(**{name: getattr(site, name) for name in Site.THRESHOLD_FIELDS})
            for site in cast.sites
        }
        self.defined_grades = {
            code: [g for g in range(1, 5) if term.grade_text(g)]
            for code, term in cast.terms.items()
        }
        shares = {spec.code: spec.share for spec in SITES}
        self.site_weights = [shares.get(site.code, 0.1) for site in cast.sites]
        self.chart_prefixes = {spec.code: spec.chart_prefix for spec in SITES}

    # --- patients and courses ------------------------------------------------------------

    def batches(self, batch_size: int) -> Iterator[DemoBatch]:
        batch = DemoBatch()
        for profile, offsets, today_mode in self._courses():
            batch.patients.append(profile.patient)
            first = len(batch.sessions)
            for number, offset in enumerate(offsets, start=1):
                is_today = today_mode and offset == 0
                self._session(batch, profile, number, offset, today_mode if is_today else "")
            if len(batch.sessions) > first:
                session = batch.sessions[first]
                registered = session.started_at - timedelta(minutes=self.rng.randint(15, 90))
                set_trail(
                    profile.patient,
                    [Step(registered, session.administered_by, "Patient registered")],
                )
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
        patient = Patient(
            site=site,
            chart_number=f"{prefix}-{self.charts[site.pk]:06d}",
            birth_year=self.now.year - int(rng.triangular(19, 78, 42)),
            sex=_pick(rng, SEXES),
            indication=_pick(rng, INDICATIONS),
        )
        form = rng.random()
        if form < 0.85:
            drug, route, dose = Drug.KETAMINE, Route.IV, _pick(rng, IV_DOSES)
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

    def _session(self, batch: DemoBatch, p: Profile, number: int, offset: int, mode: str):
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
            if self._under_planted_protocol(p, offset) and p.route == Route.IV:
                dose = self.planted.dose
            total = (dose * weight).quantize(Decimal("0.01"))
        elapsed = None
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
        session = InfusionSession(
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
        # The planted protocol change raises blood pressure alone (see `_readings`), so the
        # demo shows one clear signal rather than a rise of every dose-related event.
        base_dose = p.dose if self._under_planted_protocol(p, offset) else dose
        ketamine_dose = float(base_dose) if p.drug == Drug.KETAMINE else 0.5
        factor = (ketamine_dose / 0.5) ** 0.5 * (1.1 if p.route == Route.IM else 1.0)
        plan = Plan(session, p, age_days=-offset, elapsed=elapsed, dose_factor=factor)
        self._readings(plan, alert=mode == "live-alert")
        plan.alerts = self._alerts(plan)
        events = self._events(plan)
        self._finish(plan, events)
        set_trail(session, self._session_steps(session))
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
            self._lifecycle(plan, event, batch)
            batch.events.append(event)
        if elapsed is not None:
            batch.suggestions.extend(self._open_suggestions(plan))

    @staticmethod
    def _session_steps(session: InfusionSession) -> list[Step]:
        """Started, then finished (completed or stopped early), then discharged."""
        nurse = session.administered_by
        started = Step(
            session.started_at,
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
        if session.status == SessionStatus.IN_PROGRESS:
            return [started]
        stopped = session.status == SessionStatus.STOPPED_EARLY
        finished = Step(
            session.ended_at,
            nurse,
            (session.notes or "Stopped early for an adverse event")
            if stopped
            else "Session completed",
            {"discharged_at": None, "minutes_to_discharge_ready": None},
        )
        return [started, finished, Step(session.discharged_at, nurse, "Patient discharged")]

    def _under_planted_protocol(self, p: Profile, offset: int) -> bool:
        """Sessions of the planted signal's site and period (offset: days from today)."""
        return p.site.pk in self.planted_days and -offset <= self.planted_days[p.site.pk]

    def _finish(self, plan: Plan, events: list[AdverseEvent]) -> None:
        """End and discharge times; a withdrawn drug during the infusion stops it early."""
        rng, session = self.rng, plan.session
        if plan.elapsed is not None:
            return  # still in the chair
        start = session.started_at
        planned_end = start + timedelta(minutes=PLANNED_MINUTES + rng.randint(-2, 6))
        stops = [
            e.onset_at
            for e in events
            if e.action_taken == ActionTaken.DRUG_WITHDRAWN and e.onset_at < planned_end
        ]
        if stops:
            session.status = SessionStatus.STOPPED_EARLY
            # A reading before the start can stop the session before any drug is given.
            session.ended_at = max(min(stops), start) + timedelta(minutes=rng.randint(1, 4))
        elif rng.random() < 0.01:
            session.status = SessionStatus.STOPPED_EARLY
            session.ended_at = start + timedelta(minutes=rng.randint(10, 30))
            session.notes = "Stopped at the patient's request; no adverse event."
        else:
            session.status = SessionStatus.COMPLETED
            session.ended_at = planned_end
        for event in events:
            if event.onset_at > session.ended_at and event.action_taken in DECHALLENGED:
                event.action_taken = ActionTaken.NOT_APPLICABLE
        latest = max(
            [session.ended_at + timedelta(minutes=rng.randint(20, 75))]
            + [v.taken_at + timedelta(minutes=rng.randint(3, 10)) for v in plan.readings[-1:]]
            + [e.onset_at + timedelta(minutes=2) for e in events]
        )
        session.discharged_at = min(latest, self.now)
        elapsed = session.discharged_at - session.ended_at
        session.minutes_to_discharge_ready = max(0, int(elapsed.total_seconds() // 60))

    # --- vital signs ---------------------------------------------------------------------

    def _readings(self, plan: Plan, *, alert: bool) -> None:
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
        if self._under_planted_protocol(p, -plan.age_days) and p.route == Route.IV:
            spike = self.planted.spike_chance
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
            reading = VitalSign(
                session=session,
                taken_at=session.started_at + timedelta(minutes=minute),
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

    def _alerts(self, plan: Plan) -> dict[str, tuple[Alert, VitalSign]]:
        """The worst threshold crossing per term, as the open suggestion would keep it."""
        limits, worst = self.limits[plan.session.site_id], {}
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

    def _open_suggestions(self, plan: Plan) -> list[AlertSuggestion]:
        suggestions = []
        for code, (alert, reading) in plan.alerts.items():
            if code not in self.cast.terms:
                continue
            suggestion = AlertSuggestion(
                session=plan.session,
                term=self.cast.terms[code],
                vital_sign=reading,
                grade=alert.grade,
                summary=_summary(alert, self.cast.terms[code], reading),
            )
            set_trail(suggestion, [Step(reading.taken_at, reading.recorded_by, SUGGESTION_RAISED)])
            suggestions.append(suggestion)
        return suggestions

    # --- adverse events ------------------------------------------------------------------

    def _events(self, plan: Plan) -> list[AdverseEvent]:
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
        for code, (chance, grade, criterion, onset, narrative) in SERIOUS.items():
            if rng.random() < chance * self.profile.event_rate_scale:
                m = rng.randint(*onset)
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
            event.onset_minutes = minutes_between(plan.session.started_at, event.onset_at)
        return events

    def _vital_events(self, plan: Plan) -> list[AdverseEvent]:
        """Events confirmed from alert suggestions: onset, grade and narrative come from the
        worst reading, as `suggestion_confirm` fills them."""
        rng, events = self.rng, []
        for code, (alert, reading) in plan.alerts.items():
            if code not in self.cast.terms or rng.random() > 0.92:
                continue  # a few suggestions are dismissed (e.g. a cuff artefact)
            term = self.cast.terms[code]
            event = self._event(plan, code, reading.minutes_from_start, alert.grade, 0.0)
            event.detected_by = DetectedBy.VITAL_SIGN_ALERT
            event.source_vital = reading
            event.narrative = _summary(alert, term, reading)
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
        event = self._event(plan, "hypertension", first.minutes_from_start, grade, 0.0)
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
        return AdverseEvent(
            session=session,
            site_id=session.site_id,
            term=term,
            onset_at=session.started_at + timedelta(minutes=minute, seconds=rng.randint(0, 59)),
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

    # --- review lifecycle ----------------------------------------------------------------

    def _lifecycle(self, plan: Plan, event: AdverseEvent, batch: DemoBatch) -> None:
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
        session_end = plan.session.discharged_at or now
        filed = max(event.onset_at, session_end) + timedelta(minutes=rng.randint(0, 240))
        event.submitted_at = max(event.onset_at, min(filed, now - MINUTE))
        event.review_due_at = review_due_at(
            event.submitted_at,
            is_serious=event.is_serious,
            is_expected=event.is_expected,
            is_fatal_or_lt=event.is_death or event.is_life_threatening,
        )
        director = self.cast.directors[event.site_id]
        submitted = {"status": EventStatus.SUBMITTED, "causality": "", "void_reason": ""}
        steps = [Step(event.submitted_at, reporter, "Event submitted", submitted)]
        if status == EventStatus.VOIDED:
            event.void_reason = rng.choice(VOID_REASONS)
            voided = min(event.submitted_at + timedelta(hours=rng.randint(1, 48)), now - MINUTE)
            set_trail(event, [*steps, Step(voided, director, event.void_reason)])
            return
        allowed = event.review_due_at - event.submitted_at
        if age > 0 and self._signed_off_by_now(event, allowed):
            status = event.status = EventStatus.SIGNED_OFF
        if status == EventStatus.SUBMITTED:
            if rng.random() < 0.35:
                event.causality = _pick(rng, CAUSALITY)
                assessed = event.submitted_at + (now - event.submitted_at) * rng.uniform(0.1, 0.9)
                steps.append(Step(assessed, director, "Causality assessed"))
            set_trail(event, steps)
            return
        event.causality = _pick(rng, CAUSALITY)
        share = rng.uniform(0.05, 0.9) if rng.random() > 0.06 else rng.uniform(1.0, 1.2)
        signed_at = max(min(event.submitted_at + allowed * share, now - MINUTE), event.submitted_at)
        assessed = event.submitted_at + (signed_at - event.submitted_at) * rng.uniform(0.2, 0.9)
        steps += [
            Step(assessed, director, "Causality assessed", {"status": EventStatus.SUBMITTED}),
            Step(signed_at, director, ElectronicSignature.MEANING),
        ]
        set_trail(event, steps)
        batch.sign_offs.append((event, director, signed_at))

    def _signed_off_by_now(self, event: AdverseEvent, allowed: timedelta) -> bool:
        elapsed = (self.now - event.submitted_at) / allowed
        if elapsed < 1:
            return self.rng.random() < 0.2 + 0.7 * elapsed
        overdue = self.now - event.review_due_at
        return overdue > timedelta(days=8) or self.rng.random() > 0.1


VITALS_RECORDED = "Vital signs recorded"
SUGGESTION_RAISED = "Suggestion raised by a reading past a threshold"


def _months_back(day, months: int):
    """The first day of the month `months` before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _pick(rng: random.Random, weighted: tuple) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _nearest(minutes: list[int], target: int) -> int | None:
    if not minutes or max(minutes) <= 0:
        return None
    return min(range(len(minutes)), key=lambda i: abs(minutes[i] - target))


def _moaas(rng: random.Random) -> int:
    return rng.choices((5, 4, 3, 2), (0.4, 0.45, 0.13, 0.02))[0]


def _summary(alert: Alert, term: EventTerm, reading: VitalSign) -> str:
    """The text `events.services.vitals` gives a suggestion."""
    minutes = minutes_between(reading.session.started_at, reading.taken_at)
    return f"{term.name}, grade {alert.grade}: {alert.description} at {minutes} min"
