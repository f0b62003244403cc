"""The cast of the generic audit walks (every API write, every web form)."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.api.conftest import Api


@pytest.fixture
def people(nurse, director, north, patient, session, password):
    """Who writes and what they write on: a nurse and a director of North, North's patient
    with a session in progress, the password they sign with, the time the test began, and
    an API client for each of them."""
    return SimpleNamespace(
        nurse=nurse,
        director=director,
        north=north,
        patient=patient,
        session=session,
        password=password,
        now=timezone.now(),
        as_nurse=Api(nurse),
        as_director=Api(director),
    )
