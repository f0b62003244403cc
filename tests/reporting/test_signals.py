"""Signals found in real records: exact limits, minimum expected events, the per-term rate
ratio, the funnel, pure noise, and a director's audited review of a signal."""

from types import SimpleNamespace
from urllib.parse import parse_qs

import numpy as np
import pandas as pd
import pytest

from events.choices import Role
from events.models import EventTerm
from reporting.filters import ReportFilters
from reporting.funnel import exact_funnel_limit, funnel
from reporting.models import SignalAssessment, SignalReview
from reporting.selectors import month_filters, safety_summary
from reporting.signal_detection import detect_signals, percent
from reporting.statistics import p_chart
from reporting.summary import term_p_chart
from tests.audit_helpers import assert_audited
from tests.conftest import _member, login
from tests.factories import SiteFactory
from tests.reporting.dataset import make_series

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


def test_a_month_above_its_exact_limit_is_one_any_event_signal_linked_to_its_events(
    client, auditor, north
):
    # 12 months of 25 sessions, a quarter with an event; June has 20 of 25.
    series = [(m, 25, 20 if m == "2025-06" else 6) for m in MONTHS]
    make_series(north, series)

    login(client, auditor)
    data = client.get("/api/v1/reporting/summary/").json()
    june = next(p for p in data["p_chart"]["points"] if p["label"] == "2025-06")
    assert june["is_judged"] and june["above_ucl"] and june["count"] > june["ucl_count"]
    assert [p["label"] for p in data["p_chart"]["points"] if p["above_ucl"]] == ["2025-06"]

    # Every event is nausea, so the term's own chart flags the same month.
    assert [s["label"] for s in data["signals"]] == ["Any event", "Nausea"]
    signal = data["signals"][0]
    assert signal["kind"] == "p_chart"
    assert signal["key"].startswith("any:any_event:2025-12:north")
    assert signal["findings"][0].startswith(
        f"2025-06: 20 of 25 sessions (80.00%), above the upper limit of {june['ucl_count']}"
    )
    assert parse_qs(signal["query"]) == {"date_from": ["2025-06-01"], "date_to": ["2025-06-30"]}
    listing = client.get(f"/reports/events/?{signal['query']}")
    assert listing.context["page"].paginator.count == 20


def test_one_event_in_a_small_month_raises_no_signal(auditor, north):
    # The old "Fall, 2025-06: 1 of 20 sessions: 5.0% is above the upper limit 2.0%".
    make_series(north, [(m, 20, 0) for m in MONTHS])
    make_series(north, [("2025-06", 20, 1)], term_code="fall")
    summary = safety_summary(auditor, ReportFilters())
    fall = EventTerm.objects.get(code="fall")
    june = next(p for p in summary.p_chart_for_term(fall.pk).points if p.label == "2025-06")
    assert not june.is_judged and not june.above_ucl
    assert summary.signals == []


def test_a_terms_recent_rise_is_flagged_by_its_rate_ratio(client, auditor, north):
    baseline = [(m, 10, i % 2) for i, m in enumerate(MONTHS)]
    recent = [("2026-01", 10, 4), ("2026-02", 10, 3), ("2026-03", 10, 5)]
    make_series(north, baseline + recent, term_code="hypertension")

    summary = safety_summary(auditor, ReportFilters())
    [signal] = summary.signals
    assert signal.kind == "term" and signal.label == "Hypertension"
    finding = signal.findings[-1]
    assert finding.startswith(
        "2026-01 to 2026-03: 12 of 30 sessions (40.00%) against 6 of 120 (5.00%) in "
        "2025-01 to 2025-12: rate ratio 8.00 (95% CI"
    )
    assert signal.filters.term_ids == (EventTerm.objects.get(code="hypertension").pk,)
    assert signal.filters.date_from.isoformat() == "2026-01-01"


def test_exact_comparison_never_prints_a_value_equal_to_its_limit():
    # Both round to 5.30% at two decimals; the text shows enough digits to tell them apart.
    assert percent(0.05301, 0.05298) == "5.301%"
    assert percent(0.0531, 0.052) == "5.31%"


def test_funnel_flags_a_site_outside_the_exact_99_8_limits(auditor, north, south):
    west = SiteFactory(code="west", name="West Clinic")
    make_series(north, [("2025-03", 20, 5)])
    make_series(south, [("2025-03", 20, 6)])
    make_series(west, [("2025-03", 20, 16)])
    summary = safety_summary(auditor, ReportFilters())

    target = 27 / 60
    assert summary.funnel.target == target
    west_unit = next(u for u in summary.funnel.units if u.label == "west")
    assert west_unit.hi998 == pytest.approx(exact_funnel_limit(target, 20, 0.999))
    signal = next(s for s in summary.signals if s.kind == "funnel")
    assert signal.label == "Site west" and "above the 99.8% limit" in signal.detail
    assert signal.filters.site_ids == (west.pk,)


# --- pure noise ----------------------------------------------------------------------------


def noise_summary(rng, term_rates, sessions_per_month: int, months: int = 18):
    """A summary-shaped object of a clinic where nothing changes: every count is binomial
    at a fixed rate, per month and term, in 4 sites."""
    labels = [f"2025-{m:02d}" if m <= 12 else f"2026-{m - 12:02d}" for m in range(1, months + 1)]
    sessions = rng.poisson(sessions_per_month, months)
    any_event = rng.binomial(sessions, 0.3)
    rows = [
        (term_id, month, int(k))
        for term_id, rate in enumerate(term_rates, start=1)
        for month, k in zip(labels, rng.binomial(sessions, rate), strict=True)
    ]
    term_months = pd.DataFrame(rows, columns=["term_id", "month", "sessions_with_event"])
    by_month = pd.DataFrame({"month": labels, "sessions": sessions})
    totals = term_months.groupby("term_id")["sessions_with_event"].sum()
    by_term = pd.DataFrame(
        {
            "term_id": list(totals.index),
            "term_code": [f"t{i}" for i in totals.index],
            "term": [f"Term {i}" for i in totals.index],
            "sessions_with_event": list(totals),
        }
    )
    site_n = rng.multinomial(int(sessions.sum()), [0.34, 0.28, 0.22, 0.16])
    site_k = rng.binomial(site_n, 0.3)
    summary = SimpleNamespace(
        filters=ReportFilters(),
        by_month=by_month,
        by_term=by_term,
        term_months=term_months,
        p_chart=p_chart(list(any_event), list(sessions), labels),
        funnel=funnel(
            [(f"s{i}", int(k), int(n)) for i, (k, n) in enumerate(zip(site_k, site_n, strict=True))]
        ),
        by_site=pd.DataFrame({"site_code": [f"s{i}" for i in range(4)], "site_id": range(4)}),
    )
    summary.p_chart_for_term = lambda term_id: term_p_chart(term_months, by_month, term_id)
    return summary


def test_pure_noise_raises_few_flags():
    # 25 terms from 0.2% to 15% of sessions, 18 months of about 150 sessions, 100 clinics.
    rng = np.random.default_rng(20261205)
    rates = list(np.geomspace(0.002, 0.15, 25))
    flags = [
        len(detect_signals(noise_summary(rng, rates, 150), "all", month_filters))
        for _ in range(100)
    ]
    # Each clinic runs about 500 tests; the old rules flagged about 20 per clinic.
    assert sum(flags) / len(flags) < 0.25
    assert max(flags) <= 2


# --- review ---------------------------------------------------------------------------------


@pytest.fixture
def flagged_term(north):
    baseline = [(m, 10, i % 2) for i, m in enumerate(MONTHS)]
    recent = [("2026-01", 10, 4), ("2026-02", 10, 3), ("2026-03", 10, 5)]
    make_series(north, baseline + recent, term_code="hypertension")


def test_a_director_reviews_a_signal_and_the_dashboard_shows_it_reviewed(
    client, director, flagged_term
):
    login(client, director)
    dashboard = client.get("/reports/overview/")
    assert dashboard.context["signal_reviews"]["reviewed"] == []
    [(signal, _)] = dashboard.context["signal_reviews"]["open"]
    page = client.get(f"/reports/signals/{signal.key}/")
    assert page.status_code == 200
    assert page.context["event_count"] == 12
    assert b"Open: no director has reviewed" in page.content

    response = client.post(
        f"/reports/signals/{signal.key}/",
        {"assessment": SignalAssessment.ACTION, "reason": "Dose protocol reverted to 0.5 mg/kg."},
    )
    assert response.status_code == 302
    review = SignalReview.objects.get(key=signal.key)
    assert review.assessment == "action" and review.reviewed_by == director
    assert review.evidence == "\n".join(signal.findings)
    assert_audited(review, actor=director, reason="Dose protocol reverted to 0.5 mg/kg.")

    dashboard = client.get("/reports/overview/")
    assert dashboard.context["signal_reviews"]["open"] == []
    assert b"1 reviewed" in dashboard.content or b"0 open, 1 reviewed" in dashboard.content


def test_a_second_assessment_needs_the_version_read_and_keeps_the_first_in_history(
    client, director, flagged_term
):
    login(client, director)
    [signal] = client.get("/reports/overview/").context["summary"].signals
    url = f"/reports/signals/{signal.key}/"
    client.post(url, {"assessment": "monitor", "reason": "Watch next month."})
    stale = client.post(url, {"assessment": "action", "reason": "Act.", "expected_version": 0})
    assert stale.status_code == 400 and b"was changed" in stale.content
    client.post(url, {"assessment": "no_concern", "reason": "Explained.", "expected_version": 1})
    review = SignalReview.objects.get(key=signal.key)
    assert (review.version, review.assessment) == (2, "no_concern")
    assert [h.assessment for h in review.history.order_by("history_id")] == [
        "monitor",
        "no_concern",
    ]


def test_a_review_needs_a_reason_and_a_known_assessment(client, director, flagged_term):
    login(client, director)
    [signal] = client.get("/reports/overview/").context["summary"].signals
    url = f"/reports/signals/{signal.key}/"
    response = client.post(url, {"assessment": "panic", "reason": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"assessment", "reason"}
    assert not SignalReview.objects.exists()


def test_only_directors_of_the_signals_sites_may_review(client, auditor, south, flagged_term):
    login(client, auditor)
    [signal] = client.get("/reports/overview/").context["summary"].signals
    url = f"/reports/signals/{signal.key}/"
    assert client.post(url, {"assessment": "monitor", "reason": "x"}).status_code == 403
    outsider = _member("olga", south, Role.MEDICAL_DIRECTOR, "Olga", "Outsider")
    login(client, outsider)
    # South's director sees South's report, where this signal does not exist.
    assert client.get(url).status_code == 404
    assert client.post(url, {"assessment": "monitor", "reason": "x"}).status_code == 404
    assert not SignalReview.objects.exists()
