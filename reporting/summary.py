"""The safety summary: the figures one report shows, whatever its format.

`reporting.selectors.safety_summary` fills a `SafetySummary` from a handful of GROUP BY
queries; this module turns those grouped counts into the tables (pandas DataFrames with stable
column names), the rates with their intervals, the p-charts, the funnel and the signals. The
dashboard, the JSON API, the CSV and the PDF all read this one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from reporting.filters import ReportFilters
from reporting.funnel import Funnel
from reporting.signal_detection import Signal, term_month_counts
from reporting.statistics import (
    MIN_TERM_EVENTS,
    Interval,
    PChart,
    clopper_pearson_arrays,
    p_charts,
    poisson_rate_arrays,
)

METHODOLOGY = """\
Exposure (denominator): infusion sessions that started (in progress, completed or stopped \
early) and are not voided, whose start falls in the period (site-local date) and matches the \
session filters (site, route, drug, dose band, indication, session number). A planned session \
is not exposure; a voided session never counts.
Events (numerator): every adverse event that is not voided, in any of those sessions, whatever \
the session's state: an event in a session nobody closed still counts. The review status \
filter chooses all events not voided (the default, drafts included), submitted and signed-off \
events, or signed-off events only; the report states which. Event filters (term, category, \
grade, seriousness, time to onset, review status) narrow the events, never the denominator.
Data quality: sessions still in progress more than the configured margin after their planned \
end are listed apart so that someone closes them; they and their events are counted meanwhile.
Events per 100 sessions: every event counts. Interval: exact Poisson (Garwood) 95%.
Sessions with an event (incidence): a session counts once per term, at the worst grade it \
reached for that term; "any event" counts a session once. Patients with an event count distinct \
patients. Interval: exact binomial (Clopper-Pearson) 95%.
Zero counts: when nothing was observed the table shows the one-sided 95% upper bound \
(1 - 0.05^(1/n) for proportions, -ln(0.05)/n per session for rates) instead of an interval.
Precision: percentages and rates print with two decimals; a lower bound is rounded down and an \
upper bound up, so a printed interval always contains the exact one. The JSON keeps full \
precision.
Breakdowns by month, site, route, drug, dose band and session number use that group's own \
sessions as denominator; breakdowns by term, category, grade and time to onset use all sessions. \
Months are calendar months in each site's time zone. Dose bands: < 0.5, 0.5-0.75, 0.75-1.0 \
(inclusive) and > 1.0 mg/kg. A session's number is its place among the patient's started, \
non-voided sessions in start-time order; 7 means the seventh session or later. Time to onset \
is minutes from the session start, in bands [0, 15), [15, 30), [30, 60), [60, 120), 120 or more.
Signals: a p-chart of the monthly proportion of sessions with an event (overall and per term), \
centre line the pooled proportion of the period, exact binomial probability limits (the tail areas \
of 3-sigma limits, 0.135% each side) from each month's own sessions. A month is judged only when \
it leads to expect at least 5 sessions with an event; a judged month above its upper limit is \
flagged, and so is a run of 8 or more consecutive judged months above the centre line. Each \
term's last 3 months are compared with the 12 months before as a rate ratio (exact conditional \
binomial test, Clopper-Pearson 95% interval). A term is flagged only with at least 3 sessions with \
the term behind the finding, and the per-term tests together (months, runs, rate ratios) are \
controlled by Benjamini-Hochberg at a 5% false discovery rate. Funnel plot of sites: proportion \
of sessions with an event against sessions, exact binomial 95% and 99.8% limits around the pooled \
proportion, widened by the square root of the Pearson dispersion when sites vary more than chance \
allows (chi-square test at 5%); a site with at least 5 expected events outside the 99.8% limits \
is flagged.
"""

COUNTING_RULE = (
    "Counted: sessions that started (in progress, completed or stopped early), not voided; "
    "every event not voided in them, whatever the session's state. Review status: {review}."
)


@dataclass(frozen=True)
class OverdueSession:
    """A session still in progress well past its planned end: a data-quality item (it and
    its events are counted; someone should close it)."""

    session_id: int
    site_code: str
    patient_chart_number: str
    sequence_number: int
    started_at: datetime
    planned_end_at: datetime
    minutes_overdue: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "site_code": self.site_code,
            "patient_chart_number": self.patient_chart_number,
            "sequence_number": self.sequence_number,
            "started_at": self.started_at.isoformat(),
            "planned_end_at": self.planned_end_at.isoformat(),
            "minutes_overdue": self.minutes_overdue,
        }


RATE_COLUMNS = (
    "events",
    "events_per_100",
    "events_per_100_lower",
    "events_per_100_upper",
    "sessions_with_event",
    "proportion",
    "proportion_lower",
    "proportion_upper",
    "is_upper_bound_only",
    "serious_events",
)


@dataclass(frozen=True)
class Period:
    """The months a report covers: the filter's dates, or the data's first and last month."""

    date_from: date | None
    date_to: date | None
    months: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "start"
            end = self.date_to.isoformat() if self.date_to else "today"
            return f"{start} to {end}"
        if self.months:
            return f"{self.months[0]} to {self.months[-1]}"
        return "no sessions"


@dataclass
class SafetySummary:
    """Every figure of one safety report. Tables are DataFrames whose columns never change
    name (the CSV headers and the API fields follow them)."""

    filters: ReportFilters
    period: Period
    sessions: int
    patients: int
    events: int
    events_per_100: Interval
    sessions_with_event: int
    sessions_with_event_rate: Interval
    patients_with_event: int
    patients_with_event_rate: Interval
    serious_events: int
    by_term: pd.DataFrame
    by_category: pd.DataFrame
    by_grade: pd.DataFrame
    by_month: pd.DataFrame
    by_site: pd.DataFrame
    by_route: pd.DataFrame
    by_drug: pd.DataFrame
    by_dose_band: pd.DataFrame
    by_session_number: pd.DataFrame
    by_onset: pd.DataFrame
    p_chart: PChart
    funnel: Funnel
    signals: list[Signal]
    # Sessions with an event per (term_id, month): the per-term p-charts come from it.
    term_months: pd.DataFrame = field(repr=False)
    methodology: str = METHODOLOGY
    # Data quality: sessions left in progress past their planned end (the first ones, oldest
    # start first) and how many there are in all.
    overdue_sessions: list[OverdueSession] = field(default_factory=list)
    overdue_session_count: int = 0
    overdue_margin_minutes: int = 0
    # Computed on first use (see p_chart_for_term), not figures of their own.
    _term_charts: dict[int, PChart] = field(default_factory=dict, repr=False, compare=False)

    TABLES = (
        "by_term",
        "by_category",
        "by_grade",
        "by_month",
        "by_site",
        "by_route",
        "by_drug",
        "by_dose_band",
        "by_session_number",
        "by_onset",
    )

    @property
    def counting_rule(self) -> str:
        """The counting rules in one sentence, printed with every table."""
        return COUNTING_RULE.format(review=self.filters.review_label)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in self.TABLES}

    @property
    def grade_distribution(self) -> dict[int, int]:
        """Events per CTCAE grade, 1 to 5 (every event counts)."""
        return dict(zip(self.by_grade["grade"], self.by_grade["events"], strict=True))

    def p_chart_for_term(self, term_id: int) -> PChart:
        """The monthly p-chart of sessions with an event of one term. The charts of every
        term of the report are computed together on the first call (the signals read them
        all) and kept with the summary."""
        if term_id not in self._term_charts:
            term_ids = [int(t) for t in self.by_term["term_id"]]
            if term_id not in term_ids:
                term_ids.append(term_id)
            self._term_charts.update(term_p_charts(self.term_months, self.by_month, term_ids))
        return self._term_charts[term_id]


def with_rates(table: pd.DataFrame, sessions: int | str) -> pd.DataFrame:
    """Add events per 100 sessions and the proportion of sessions with an event, each with its
    exact 95% interval. `sessions` is a fixed denominator or the name of a column holding one.

    The intervals of all rows come from one array computation (`poisson_rate_arrays`,
    `clopper_pearson_arrays`): the same floats as `poisson_rate` and `clopper_pearson` row by
    row, without a call per row.
    """
    table = table.copy()
    for column in ("events", "sessions_with_event", "serious_events"):
        table[column] = table[column].fillna(0).astype("int64") if len(table) else 0
    events = table["events"].to_numpy(dtype="int64")
    with_event = table["sessions_with_event"].to_numpy(dtype="int64")
    if isinstance(sessions, str):
        denominators = table[sessions].to_numpy(dtype="int64")
    else:
        denominators = np.full(len(table), sessions, dtype="int64")
    rate, rate_lower, rate_upper, _ = poisson_rate_arrays(events, denominators)
    proportion, lower, upper, upper_only = clopper_pearson_arrays(
        np.minimum(with_event, denominators), denominators
    )
    rates = {
        "events_per_100": rate,
        "events_per_100_lower": rate_lower,
        "events_per_100_upper": rate_upper,
        "proportion": proportion,
        "proportion_lower": lower,
        "proportion_upper": upper,
    }
    for column, values in rates.items():
        table[column] = values
    table["is_upper_bound_only"] = upper_only
    leading = [column for column in table.columns if column not in RATE_COLUMNS]
    return table[leading + list(RATE_COLUMNS)]


def term_p_charts(
    term_months: pd.DataFrame, by_month: pd.DataFrame, term_ids: list[int]
) -> dict[int, PChart]:
    """p-charts of several terms: sessions with each term per month over the month's
    sessions, computed together (`p_charts`)."""
    per_term = term_month_counts(term_months)
    months = list(by_month["month"])
    series = [[per_term.get(term_id, {}).get(month, 0) for month in months] for term_id in term_ids]
    charts = p_charts(
        series, [int(n) for n in by_month["sessions"]], months, min_count=MIN_TERM_EVENTS
    )
    return dict(zip(term_ids, charts, strict=True))


def term_p_chart(term_months: pd.DataFrame, by_month: pd.DataFrame, term_id: int) -> PChart:
    """p-chart of one term: sessions with that term per month over the month's sessions."""
    return term_p_charts(term_months, by_month, [term_id])[term_id]
