"""A session's cell (`reporting.cells`): every value has a code, and a cell decodes to the
dimensions it was packed from, as the database computes it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from events.choices import Drug, Route, SessionStatus
from events.models import InfusionSession
from events.rules import DOSE_BANDS
from reporting.cells import DOSE_BAND_CODES, DRUG_CODES, ROUTE_CODES, cell_expression, decode_cell
from tests.factories import InfusionSessionFactory, PatientFactory


def test_every_choice_has_a_distinct_code():
    assert set(ROUTE_CODES) == set(Route.values)
    assert set(DRUG_CODES) == set(Drug.values)
    assert set(DOSE_BAND_CODES) == set(DOSE_BANDS)
    for codes in (ROUTE_CODES, DRUG_CODES, DOSE_BAND_CODES):
        assert len(set(codes.values())) == len(codes)
        assert all(0 < code < 8 for code in codes.values())  # three bits, 0 for no code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "drug", "dose", "number", "started"),
    [
        (Route.IV, Drug.KETAMINE, "0.40", 1, datetime(2026, 1, 31, 23, 30, tzinfo=UTC)),
        (Route.INTRANASAL, Drug.ESKETAMINE, "1.20", 9, datetime(2025, 12, 1, 12, tzinfo=UTC)),
        (Route.ORAL, Drug.KETAMINE, "0.75", 7, datetime(1999, 11, 15, tzinfo=UTC)),
        (Route.IM, Drug.ESKETAMINE, "0.60", 6, datetime(2100, 2, 28, tzinfo=UTC)),
    ],
)
def test_the_database_packs_a_cell_that_decodes_to_its_session(route, drug, dose, number, started):
    patient = PatientFactory()
    for _ in range(number):
        session = InfusionSessionFactory(
            patient=patient,
            status=SessionStatus.COMPLETED,
            route=route,
            drug=drug,
            dose_mg_per_kg=Decimal(dose),
            started_at=started,
        )
    assert session.sequence_number == number
    cell = InfusionSession.objects.filter(pk=session.pk).values_list(cell_expression(), flat=True)
    assert decode_cell(cell[0]) == (
        session.month,
        session.site_id,
        route,
        drug,
        session.dose_band,
        min(number, 7),
    )
