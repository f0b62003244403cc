"""The dashboard and its JSON API show each term's rate beside its published reference, with
the exact test, over the dashboard's filters (the benefit-risk page shows the same panel)."""

import pytest

from tests.api.conftest import Api
from tests.measures.test_benefit_risk import cohort  # noqa: F401  # the shared fixture

pytestmark = pytest.mark.django_db

# The cohort's nausea: 2 of its 5 patients; the label's 28% of 346 is 97 patients.
# Fisher's exact test, two-sided, on [[2, 3], [97, 249]] gives p = 0.6235.
NAUSEA_P = 0.6235480852380061


def test_the_dashboards_tables_show_each_terms_rate_beside_its_reference(
    cohort,  # noqa: F811
    director,
    signed_in,
):
    page = signed_in(director).get("/reports/tables/", HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    text = page.text
    assert 'data-table="reference_rates"' in text
    nausea = text[text.index('data-term="nausea"') :].split("</tr>")[0]
    assert "2/5" in nausea and "40.00% (5.27%-85.34%)" in nausea
    assert "28.00% of 346" in nausea and 'data-p="0.624"' in nausea
    assert "Fisher" in text and "US prescribing information" in text


def test_the_comparison_follows_the_dashboards_filters(cohort, director, signed_in):  # noqa: F811
    # Only the > 1.0 mg/kg patient: one patient, one nausea event.
    page = signed_in(director).get("/reports/tables/", {"dose_band": ">1.0"})
    nausea = page.text[page.text.index('data-term="nausea"') :].split("</tr>")[0]
    assert "1/1" in nausea


def test_the_summary_api_reports_the_same_comparison(cohort, director):  # noqa: F811
    body = Api(director).get("/api/v1/reporting/summary/").json()
    rows = {r["term"]: r for r in body["reference_rates"]}
    nausea = rows["nausea"]
    assert (nausea["count"], nausea["denominator"], nausea["unit"]) == (2, 5, "patients")
    assert nausea["rate"]["estimate"] == pytest.approx(0.4)
    assert (nausea["reference_rate"], nausea["reference_denominator"]) == (0.28, 346)
    assert nausea["p_value"] == pytest.approx(NAUSEA_P)
    assert rows["dissociation"]["count"] == 0 and rows["dissociation"]["direction"] == "lower"
    assert "prescribing information" in nausea["citation"]


def test_staff_see_neither(cohort, nurse, signed_in):  # noqa: F811
    assert signed_in(nurse).get("/reports/tables/").status_code == 403
    assert Api(nurse).get("/api/v1/reporting/summary/").status_code == 403
