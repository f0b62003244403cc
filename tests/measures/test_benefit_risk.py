"""Benefit and risk per protocol: the counting rules, exact intervals, the page, the JSON
API and the CSV agree; reference rates sit beside the clinic's rates with an exact test."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from events.models.measures import PHQ9_ITEMS
from events.services.measures import outcome_measure_record
from reporting.benefit_risk import benefit_risk
from reporting.filters import ReportFilters
from reporting.models import ReferenceRate
from reporting.reference_rates import reference_comparison
from tests.api.conftest import Api
from tests.exports.helpers import body as file_bytes
from tests.exports.helpers import exported
from tests.factories import AdverseEventFactory, InfusionSessionFactory, PatientFactory

pytestmark = pytest.mark.django_db


def _items(total: int) -> dict:
    items = [0] * 9
    for i in range(total):
        items[i % 8] += 1  # item 9 stays 0: no alert
    return dict(zip(PHQ9_ITEMS, items, strict=True))


def _course(site, nurse, scores, *, dose="0.50", stopped_at=None, event_at=None):
    patient = PatientFactory(site=site)
    start = timezone.now() - timedelta(days=40)
    for number, score in enumerate(scores, 1):
        session = InfusionSessionFactory(
            patient=patient,
            administered_by=nurse,
            dose_mg_per_kg=Decimal(dose),
            started_at=start + timedelta(days=3 * number),
            status="stopped_early" if number == stopped_at else "completed",
        )
        if score is not None:
            outcome_measure_record(
                session=session,
                actor=nurse,
                data={**_items(score), "recorded_at": session.started_at},
            )
        if number == event_at:
            AdverseEventFactory(session=session, grade=3)
    return patient


@pytest.fixture
def cohort(north, nurse):
    # 0.5-0.75 mg/kg: one responder who remits, one responder, one who improves little,
    # one without a score at session 6 or later (not evaluable).
    _course(north, nurse, [20, 18, 15, 12, 8, 4])
    _course(north, nurse, [18, 16, 14, 12, 10, 9], event_at=2)
    _course(north, nurse, [16, 16, 15, 15, 14, 14], stopped_at=3)
    _course(north, nurse, [20, 15, 10])
    # > 1.0 mg/kg: one patient, remits.
    _course(north, nurse, [22, None, 14, None, None, None, 3], dose="1.10", event_at=1)


def test_response_and_remission_follow_the_printed_rules(cohort, director):
    table = benefit_risk(director, ReportFilters()).table.set_index("dose_band")
    low = table.loc["0.5-0.75"]
    assert (low.patients, low.evaluable, low.responders, low.remitters) == (4, 3, 2, 1)
    assert low.response_text == "66.67% (9.42%-99.16%)"
    assert (low.sessions, low.sessions_with_event, low.stopped_early) == (21, 1, 1)
    high = table.loc[">1.0"]
    # Judged at session 7, the first with a score from session 6 on.
    assert (high.evaluable, high.responders, high.remitters) == (1, 1, 1)
    assert high.sessions_grade3 == 1


@pytest.mark.parametrize(
    "filters", [ReportFilters(), ReportFilters(grades=(3,)), ReportFilters(dose_bands=(">1.0",))]
)
def test_the_risk_columns_add_up_to_the_safety_summary(cohort, director, filters):
    """One exposure: the table's sessions, events and sessions with an event, summed over its
    protocols, are the safety summary's, whatever the filters."""
    from reporting.selectors import safety_summary

    table = benefit_risk(director, filters).table
    summary = safety_summary(director, filters)
    by_grade = summary.by_grade.set_index("grade")["sessions_with_event"]

    assert table["sessions"].sum() == summary.sessions > 0
    assert table["events"].sum() == summary.events
    assert table["sessions_with_event"].sum() == summary.sessions_with_event
    assert table["sessions_grade3"].sum() == by_grade[[3, 4, 5]].sum()


def test_the_api_and_the_csv_report_the_same_figures(cohort, director, signed_in):
    body = Api(director).get("/api/v1/reporting/benefit-risk/").json()
    rows = {r["dose_band"]: r for r in body["rows"]}
    assert rows["0.5-0.75"]["responders"] == 2
    assert any("not carried forward" in rule for rule in body["counting_rules"])
    response = exported(signed_in(director), "/exports/benefit-risk.csv")  # a job, then its file
    assert response.status_code == 200
    lines = list(csv.DictReader(io.StringIO(file_bytes(response).decode())))
    assert {r["dose_band"]: r["responders"] for r in lines} == {"0.5-0.75": "2", ">1.0": "1"}


def test_by_site_and_bad_parameters(cohort, director):
    api = Api(director)
    rows = api.get("/api/v1/reporting/benefit-risk/", {"by": "site"}).json()["rows"]
    assert {r["site_code"] for r in rows} == {"north"}
    refused = api.get("/api/v1/reporting/benefit-risk/", {"by": "month"})
    assert refused.status_code == 400 and "by" in refused.json()
    assert api.get("/api/v1/reporting/benefit-risk/", {"colour": "x"}).status_code == 400


def test_staff_cannot_read_the_table(cohort, nurse):
    assert Api(nurse).get("/api/v1/reporting/benefit-risk/").status_code == 403


def test_the_page_prints_the_table_and_the_rules(cohort, director, signed_in):
    page = signed_in(director).get("/reports/benefit-risk/")
    assert page.status_code == 200
    assert "Racemic ketamine, Intravenous, 0.5-0.75 mg/kg" in page.text
    assert "66.67% (9.42%-99.16%)" in page.text
    assert "not carried forward" in page.text
    assert "/exports/benefit-risk.csv" in page.text


def test_seeded_references_sit_beside_the_clinics_rate(cohort, director):
    assert ReferenceRate.objects.filter(term__code="dissociation", rate=Decimal("0.41")).exists()
    rows = {c.reference.term.code: c for c in reference_comparison(director, ReportFilters())}
    nausea = rows["nausea"]  # the factory's events are nausea, in two patients' courses
    assert (nausea.count, nausea.denominator) == (2, 5)
    assert nausea.observed_text == "40.00% (5.27%-85.34%)"
    assert 0 < nausea.p_value <= 1
    assert rows["dissociation"].count == 0


def test_a_director_edits_a_reference_and_staff_cannot(director, nurse, signed_in):
    reference = ReferenceRate.objects.get(term__code="nausea")
    form = {
        "term": reference.term_id,
        "published_term": "Nausea",
        "rate_percent": "30",
        "denominator": "346",
        "unit": "patients",
        "citation": "Label table",
        "is_active": "on",
        "version": "1",
        "reason": "Corrected from the label",
    }
    url = f"/reports/reference-rates/{reference.pk}/"
    assert signed_in(director).post(url, form).status_code == 302
    reference.refresh_from_db()
    assert reference.rate == Decimal("0.3000") and reference.version == 2
    last = reference.history.latest("history_id")
    assert last.history_change_reason == "Corrected from the label"
    assert signed_in(nurse).post(url, form).status_code == 403
    stale = signed_in(director).post(url, form)
    assert stale.status_code == 200 and "This record was changed" in stale.text


def test_protocols_list_their_dose_bands_from_the_lowest_up(north, nurse, director):
    for dose in ("1.10", "0.40", "0.80", "0.60"):
        _course(north, nurse, [20, 18, 15, 12, 8, 4], dose=dose)

    result = benefit_risk(director, ReportFilters())

    assert list(result.table["dose_band"]) == ["<0.5", "0.5-0.75", "0.75-1.0", ">1.0"]
